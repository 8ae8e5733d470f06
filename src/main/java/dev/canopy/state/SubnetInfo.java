package dev.canopy.state;

import dev.canopy.types.CanisterIdRange;
import dev.canopy.types.NodeId;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the state tree shows of one subnet under {@code /subnet/<sid>} and {@code
 * /canister_ranges/<sid>}.
 *
 * @param publicKeyDer the subnet's threshold BLS key, DER (133 bytes)
 * @param canisterRanges sorted, disjoint ranges of the canister ids the subnet hosts
 * @param nodePublicKeysDer each node's Ed25519 key, DER (44 bytes), by node id
 * @param metrics present for the subnet whose state this is
 */
public record SubnetInfo(
    SubnetType type,
    byte[] publicKeyDer,
    List<CanisterIdRange> canisterRanges,
    SortedMap<NodeId, byte[]> nodePublicKeysDer,
    Optional<SubnetMetrics> metrics) {
  public SubnetInfo {
    Objects.requireNonNull(type, "type");
    publicKeyDer = publicKeyDer.clone();
    canisterRanges = CanisterIdRange.checkSortedDisjoint(canisterRanges);
    TreeMap<NodeId, byte[]> nodes = new TreeMap<>();
    nodePublicKeysDer.forEach((id, key) -> nodes.put(id, key.clone()));
    nodePublicKeysDer = Collections.unmodifiableSortedMap(nodes);
    Objects.requireNonNull(metrics, "metrics");
  }

  @Override
  public byte[] publicKeyDer() {
    return publicKeyDer.clone();
  }

  byte[] rawPublicKeyDer() {
    return publicKeyDer;
  }
}
