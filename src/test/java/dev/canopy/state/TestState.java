package dev.canopy.state;

import dev.canopy.types.CanisterIdRange;
import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** A mutable {@link CertifiedStateView} for tests: one subnet that is also the root subnet. */
final class TestState implements CertifiedStateView {
  static final BlsSecretKey SUBNET_KEY = BlsSecretKey.fromSeed(seed(7));
  static final byte[] SUBNET_KEY_DER = SUBNET_KEY.publicKey().toDer();
  static final SubnetId SUBNET = new SubnetId(Principal.selfAuthenticating(SUBNET_KEY_DER));
  static final NodeId NODE = new NodeId(Principal.selfAuthenticating(new byte[] {1, 2, 3}));
  static final byte[] NODE_KEY_DER = Ed25519SigningKey.fromSeed(seed(9)).publicKey().toDer();
  static final List<CanisterIdRange> RANGES =
      List.of(new CanisterIdRange(CanisterId.fromIndex(0), CanisterId.fromIndex(0xfffff)));

  long timeNanos = 1_700_000_000_000_000_000L;
  final TreeMap<SubnetId, SubnetInfo> subnets = new TreeMap<>();
  final TreeMap<CanisterId, CanisterCertifiedState> canisters = new TreeMap<>();
  final IngressHistory history = new IngressHistory(IngressHistorySettings.DEFAULT);

  TestState() {
    subnets.put(SUBNET, subnetInfo(RANGES, Optional.of(new SubnetMetrics(3, 1024, java.math.BigInteger.TEN, 42))));
  }

  static SubnetInfo subnetInfo(List<CanisterIdRange> ranges, Optional<SubnetMetrics> metrics) {
    TreeMap<NodeId, byte[]> nodes = new TreeMap<>();
    nodes.put(NODE, NODE_KEY_DER);
    return new SubnetInfo(SubnetType.APPLICATION, SUBNET_KEY_DER, ranges, nodes, metrics);
  }

  static byte[] seed(int b) {
    byte[] s = new byte[32];
    java.util.Arrays.fill(s, (byte) b);
    return s;
  }

  static RequestId rid(int b) {
    byte[] bytes = new byte[32];
    bytes[0] = (byte) b;
    bytes[31] = (byte) (b >> 8);
    return RequestId.fromBytes(bytes);
  }

  static Principal user(int b) {
    return Principal.selfAuthenticating(new byte[] {(byte) b, 42});
  }

  @Override
  public long timeNanos() {
    return timeNanos;
  }

  @Override
  public SubnetId ownSubnetId() {
    return SUBNET;
  }

  @Override
  public SortedMap<SubnetId, SubnetInfo> subnets() {
    return subnets;
  }

  @Override
  public SortedMap<CanisterId, CanisterCertifiedState> canisters() {
    return canisters;
  }

  @Override
  public SortedMap<RequestId, IngressEntry> requestStatuses() {
    return history.entries();
  }

  @Override
  public RequestStatusTrie requestStatusTrie() {
    return history.statusTrie();
  }
}
