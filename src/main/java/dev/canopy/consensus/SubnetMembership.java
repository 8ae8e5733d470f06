package dev.canopy.consensus;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * Who the replicas of a subnet are and how to check what they sign: each node's Ed25519 key, and
 * the random beacon's threshold-BLS group key with one public key share per node (share index =
 * node index + 1). Public information only; no secret.
 *
 * <p>Note: with {@code f = ⌊(n−1)/3⌋}, a notarization or finalization needs {@code n − f}
 * signers, so two quorums always share an honest replica ({@code 2(n−f) − n ≥ f + 1}); the beacon
 * needs {@code f + 1} shares, so the f faulty replicas alone cannot compute it in advance
 * (arXiv 2109.05419, §3).
 */
public final class SubnetMembership {
  private final SubnetId subnetId;
  private final List<NodeId> nodes;
  private final List<Ed25519PublicKey> nodeKeys;
  private final BlsPublicKey beaconPublicKey;
  private final List<ThresholdBls.PublicKeyShare> beaconKeyShares;
  private final ThresholdBls.Parameters beaconParameters;
  private final Map<NodeId, Integer> indexOf = new TreeMap<>();

  /**
   * @param nodeKeys the nodes' Ed25519 keys, in node order; a node's id is the self-authenticating
   *     principal of its key
   * @param beaconKeyShares the public key shares of the beacon key, share i+1 for node i
   */
  public SubnetMembership(
      SubnetId subnetId,
      List<Ed25519PublicKey> nodeKeys,
      BlsPublicKey beaconPublicKey,
      List<ThresholdBls.PublicKeyShare> beaconKeyShares) {
    if (nodeKeys.isEmpty() || nodeKeys.size() > ThresholdBls.Parameters.MAX_SHARES) {
      throw new IllegalArgumentException("a subnet has 1 to " + ThresholdBls.Parameters.MAX_SHARES + " nodes");
    }
    if (beaconKeyShares.size() != nodeKeys.size()) {
      throw new IllegalArgumentException("one beacon key share per node is needed");
    }
    this.subnetId = subnetId;
    this.nodeKeys = List.copyOf(nodeKeys);
    this.beaconPublicKey = beaconPublicKey;
    this.beaconKeyShares = List.copyOf(beaconKeyShares);
    List<NodeId> ids = new ArrayList<>();
    for (int i = 0; i < nodeKeys.size(); i++) {
      NodeId id = new NodeId(Principal.selfAuthenticating(nodeKeys.get(i).toDer()));
      if (indexOf.put(id, i) != null) {
        throw new IllegalArgumentException("node " + id + " appears twice");
      }
      if (beaconKeyShares.get(i).index() != i + 1) {
        throw new IllegalArgumentException("beacon key share " + i + " must have index " + (i + 1));
      }
      ids.add(id);
    }
    this.nodes = List.copyOf(ids);
    this.beaconParameters = new ThresholdBls.Parameters(faultTolerance() + 1, size());
  }

  public SubnetId subnetId() {
    return subnetId;
  }

  public List<NodeId> nodes() {
    return nodes;
  }

  public int size() {
    return nodes.size();
  }

  /** f: the most faulty replicas the subnet tolerates. */
  public int faultTolerance() {
    return (size() - 1) / 3;
  }

  /** Signers a notarization or finalization needs: n − f. */
  public int quorum() {
    return size() - faultTolerance();
  }

  public ThresholdBls.Parameters beaconParameters() {
    return beaconParameters;
  }

  public OptionalInt indexOf(NodeId node) {
    Integer i = indexOf.get(node);
    return i == null ? OptionalInt.empty() : OptionalInt.of(i);
  }

  public boolean isMember(NodeId node) {
    return indexOf.containsKey(node);
  }

  public NodeId node(int index) {
    return nodes.get(index);
  }

  public Ed25519PublicKey nodeKey(int index) {
    return nodeKeys.get(index);
  }

  public BlsPublicKey beaconPublicKey() {
    return beaconPublicKey;
  }

  public ThresholdBls.PublicKeyShare beaconKeyShare(int index) {
    return beaconKeyShares.get(index);
  }
}
