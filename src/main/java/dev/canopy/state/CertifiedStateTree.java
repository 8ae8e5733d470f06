package dev.canopy.state;

import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.SubnetId;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The certified state tree of one height (spec "The system state tree"): its root hash, the
 * pruned witnesses that certificates carry, and what the read_state access rules need to know
 * about the state at that height. Immutable; built by {@link CertifiedStateTreeBuilder}.
 */
public final class CertifiedStateTree {
  public static final Label TIME = Label.of("time");
  public static final Label CANISTER = Label.of("canister");
  public static final Label CANISTER_RANGES = Label.of("canister_ranges");
  public static final Label REQUEST_STATUS = Label.of("request_status");
  public static final Label SUBNET = Label.of("subnet");

  private final DigestedTree.Node root;
  private final long timeNanos;
  private final SubnetId ownSubnetId;
  private final SortedMap<SubnetId, SubnetInfo> subnets;
  private final SortedMap<CanisterId, CanisterCertifiedState> canisters;
  private final SortedMap<RequestId, IngressEntry> requestStatuses;

  CertifiedStateTree(
      DigestedTree.Node root,
      long timeNanos,
      SubnetId ownSubnetId,
      SortedMap<SubnetId, SubnetInfo> subnets,
      SortedMap<CanisterId, CanisterCertifiedState> canisters,
      SortedMap<RequestId, IngressEntry> requestStatuses) {
    this.root = root;
    this.timeNanos = timeNanos;
    this.ownSubnetId = ownSubnetId;
    this.subnets = subnets;
    this.canisters = canisters;
    this.requestStatuses = requestStatuses;
  }

  /** {@code reconstruct} of the full tree: what the subnet signs for this height. */
  public byte[] rootHash() {
    return root.digest().clone();
  }

  public long timeNanos() {
    return timeNanos;
  }

  public SubnetId ownSubnetId() {
    return ownSubnetId;
  }

  /** The full tree with every value revealed (large; for tests and small states). */
  public HashTree toHashTree() {
    return root.toHashTree();
  }

  /**
   * The tree pruned to {@code paths}: every value under each path is revealed, absent paths keep
   * the neighbouring labels that prove their absence, and everything else is a pruned hash. The
   * root hash is unchanged. {@code /time} is not added here; {@link ReadStateAccess} adds it.
   */
  public HashTree witness(Collection<? extends List<Label>> paths) {
    return Witness.build(root, paths, List.of());
  }

  /**
   * Like {@link #witness(Collection)}, but the subtrees at {@code excluded} paths stay pruned even
   * under a requested path (the spec's exceptions for {@code canister_ranges}, {@code metrics} and
   * {@code node} of other subnets).
   */
  public HashTree witness(
      Collection<? extends List<Label>> paths, Collection<? extends List<Label>> excluded) {
    return Witness.build(root, paths, excluded);
  }

  /** The witness a {@link ReadStatePlan} asks for. */
  public HashTree witness(ReadStatePlan plan) {
    return Witness.build(root, plan.paths(), plan.excludedPaths());
  }

  public SortedMap<SubnetId, SubnetInfo> subnets() {
    return subnets;
  }

  public Optional<CanisterCertifiedState> canister(CanisterId id) {
    return Optional.ofNullable(canisters.get(id));
  }

  public Optional<IngressEntry> requestStatus(RequestId id) {
    return Optional.ofNullable(requestStatuses.get(id));
  }

  public int canisterCount() {
    return canisters.size();
  }

  public int requestStatusCount() {
    return requestStatuses.size();
  }
}
