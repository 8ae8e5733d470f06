package dev.canopy.execution;

import dev.canopy.state.CanisterCertifiedState;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.state.CertifiedStateView;
import dev.canopy.state.IngressEntry;
import dev.canopy.state.IngressHistory;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.state.RequestStatusTrie;
import dev.canopy.types.RequestId;
import dev.canopy.state.SubnetInfo;
import dev.canopy.state.SubnetMetrics;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.SubnetId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The replicated state of one subnet after some height: subnet information, canisters by id, the
 * request status history, the batch time and height, and the management canister's queue.
 *
 * <p>Immutable. Canisters, their system states and memories are immutable and shared between
 * versions, so a snapshot for queries is just a reference. The one mutable part, the {@link
 * IngressHistory} of the state package, is never changed after the state is built: the round
 * executor works on a copy ({@link #ingressHistoryCopy()}), which shares the history's persistent
 * maps and so costs O(1), not the history's size.
 */
public final class ReplicatedState {
  private final SubnetId ownSubnetId;
  private final TreeMap<SubnetId, SubnetInfo> subnets;
  private final long nextCanisterIndex;
  private final TreeMap<CanisterId, Canister> canisters;
  private final IngressHistory ingressHistory;
  private final long batchTimeNs;
  private final long height;
  private final List<ManagementCall> managementQueue;
  private final BigInteger consumedCyclesTotal;

  private ReplicatedState(SubnetId ownSubnetId, TreeMap<SubnetId, SubnetInfo> subnets,
      long nextCanisterIndex, TreeMap<CanisterId, Canister> canisters,
      IngressHistory ingressHistory, long batchTimeNs, long height,
      List<ManagementCall> managementQueue, BigInteger consumedCyclesTotal) {
    this.ownSubnetId = Objects.requireNonNull(ownSubnetId);
    this.subnets = subnets;
    if (!subnets.containsKey(ownSubnetId)) {
      throw new IllegalArgumentException("the subnets must include this subnet " + ownSubnetId);
    }
    this.nextCanisterIndex = nextCanisterIndex;
    this.canisters = canisters;
    this.ingressHistory = Objects.requireNonNull(ingressHistory);
    this.batchTimeNs = batchTimeNs;
    this.height = height;
    this.managementQueue = List.copyOf(managementQueue);
    this.consumedCyclesTotal = Cycles.require(consumedCyclesTotal, "consumed cycles");
  }

  /** The state before the first batch: no canisters, height 0, time 0. */
  public static ReplicatedState genesis(SubnetId ownSubnetId, SortedMap<SubnetId, SubnetInfo> subnets,
      IngressHistorySettings ingressHistorySettings) {
    SubnetInfo own = subnets.get(ownSubnetId);
    if (own == null) {
      throw new IllegalArgumentException("the subnets must include this subnet " + ownSubnetId);
    }
    long first = own.canisterRanges().isEmpty() ? 0
        : own.canisterRanges().get(0).start().index();
    return new ReplicatedState(ownSubnetId, new TreeMap<>(subnets), first, new TreeMap<>(),
        new IngressHistory(ingressHistorySettings), 0, 0, List.of(), BigInteger.ZERO);
  }

  /** For checkpoints and tests: a state with every part given. */
  public static ReplicatedState of(SubnetId ownSubnetId, SortedMap<SubnetId, SubnetInfo> subnets,
      long nextCanisterIndex, SortedMap<CanisterId, Canister> canisters,
      IngressHistory ingressHistory, long batchTimeNs, long height,
      List<ManagementCall> managementQueue, BigInteger consumedCyclesTotal) {
    return new ReplicatedState(ownSubnetId, new TreeMap<>(subnets), nextCanisterIndex,
        new TreeMap<>(canisters), ingressHistory, batchTimeNs, height, managementQueue,
        consumedCyclesTotal);
  }

  public SubnetId ownSubnetId() {
    return ownSubnetId;
  }

  public SortedMap<SubnetId, SubnetInfo> subnets() {
    return Collections.unmodifiableSortedMap(subnets);
  }

  public SubnetInfo ownSubnet() {
    return subnets.get(ownSubnetId);
  }

  /** The index the next minted canister id starts looking from. */
  public long nextCanisterIndex() {
    return nextCanisterIndex;
  }

  public SortedMap<CanisterId, Canister> canisters() {
    return Collections.unmodifiableSortedMap(canisters);
  }

  public Optional<Canister> canister(CanisterId id) {
    return Optional.ofNullable(canisters.get(id));
  }

  /** Read-only use only; see the class comment. */
  public IngressHistory ingressHistory() {
    return ingressHistory;
  }

  /** A private copy of the request status history to change. */
  public IngressHistory ingressHistoryCopy() {
    return ingressHistory.copy();
  }

  public long batchTimeNs() {
    return batchTimeNs;
  }

  public long height() {
    return height;
  }

  /** Calls to the management canister not yet executed, in arrival order. */
  public List<ManagementCall> managementQueue() {
    return managementQueue;
  }

  /** Cycles charged for execution and burned, in total (for {@code /subnet/<sid>/metrics}). */
  public BigInteger consumedCyclesTotal() {
    return consumedCyclesTotal;
  }

  /** Whether this subnet's canister ranges contain {@code id}. */
  public boolean hostsRangeOf(CanisterId id) {
    for (CanisterIdRange r : ownSubnet().canisterRanges()) {
      if (r.contains(id.principal())) {
        return true;
      }
    }
    return false;
  }

  // ---- changes

  public ReplicatedState withCanister(Canister c) {
    TreeMap<CanisterId, Canister> m = new TreeMap<>(canisters);
    m.put(c.id(), c);
    return new ReplicatedState(ownSubnetId, subnets, nextCanisterIndex, m, ingressHistory,
        batchTimeNs, height, managementQueue, consumedCyclesTotal);
  }

  public ReplicatedState withoutCanister(CanisterId id) {
    TreeMap<CanisterId, Canister> m = new TreeMap<>(canisters);
    m.remove(id);
    return new ReplicatedState(ownSubnetId, subnets, nextCanisterIndex, m, ingressHistory,
        batchTimeNs, height, managementQueue, consumedCyclesTotal);
  }

  public ReplicatedState withSubnets(SortedMap<SubnetId, SubnetInfo> v) {
    return new ReplicatedState(ownSubnetId, new TreeMap<>(v), nextCanisterIndex, canisters,
        ingressHistory, batchTimeNs, height, managementQueue, consumedCyclesTotal);
  }

  public ReplicatedState withIngressHistory(IngressHistory v) {
    return new ReplicatedState(ownSubnetId, subnets, nextCanisterIndex, canisters, v,
        batchTimeNs, height, managementQueue, consumedCyclesTotal);
  }

  public ReplicatedState withBatch(long heightValue, long timeNs) {
    return new ReplicatedState(ownSubnetId, subnets, nextCanisterIndex, canisters,
        ingressHistory, timeNs, heightValue, managementQueue, consumedCyclesTotal);
  }

  public ReplicatedState withManagementQueue(List<ManagementCall> v) {
    return new ReplicatedState(ownSubnetId, subnets, nextCanisterIndex, canisters,
        ingressHistory, batchTimeNs, height, v, consumedCyclesTotal);
  }

  public ReplicatedState withConsumedCycles(BigInteger added) {
    return new ReplicatedState(ownSubnetId, subnets, nextCanisterIndex, canisters,
        ingressHistory, batchTimeNs, height, managementQueue,
        Cycles.add(consumedCyclesTotal, added));
  }

  /**
   * This state with its own subnet's {@code /subnet/<sid>/metrics} brought up to date: the
   * canisters and their bytes as they are now, the consumed cycles so far, and {@code
   * updateTransactions} more replicated executions than the previous metrics counted.
   */
  public ReplicatedState withOwnSubnetMetrics(long updateTransactions) {
    if (updateTransactions < 0) {
      throw new IllegalArgumentException("a round executes no negative number of messages");
    }
    SubnetInfo own = ownSubnet();
    long previous = own.metrics().map(SubnetMetrics::updateTransactionCount).orElse(0L);
    long stateBytes = 0;
    for (Canister c : canisters.values()) {
      stateBytes = saturatedAdd(stateBytes, c.memorySizeBytes());
    }
    SubnetMetrics metrics = new SubnetMetrics(canisters.size(), stateBytes, consumedCyclesTotal,
        saturatedAdd(previous, updateTransactions));
    TreeMap<SubnetId, SubnetInfo> next = new TreeMap<>(subnets);
    next.put(ownSubnetId, new SubnetInfo(own.type(), own.publicKeyDer(), own.canisterRanges(),
        own.nodePublicKeysDer(), Optional.of(metrics)));
    return withSubnets(next);
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /** A fresh canister id and the state that will not hand it out again. */
  public record MintedCanisterId(CanisterId canisterId, ReplicatedState state) {}

  /**
   * Mints the next free canister id in this subnet's ranges. Throws {@link
   * CanisterIdsExhaustedException} when the ranges are used up.
   */
  public MintedCanisterId mintCanisterId() {
    long index = nextCanisterIndex;
    for (CanisterIdRange r : ownSubnet().canisterRanges()) {
      long start = r.start().index();
      long end = r.end().index();
      if (Long.compareUnsigned(index, end) > 0) {
        continue;
      }
      if (Long.compareUnsigned(index, start) < 0) {
        index = start;
      }
      while (Long.compareUnsigned(index, end) <= 0) {
        CanisterId id = CanisterId.fromIndex(index);
        if (!canisters.containsKey(id)) {
          return new MintedCanisterId(id, new ReplicatedState(ownSubnetId, subnets, index + 1,
              canisters, ingressHistory, batchTimeNs, height, managementQueue,
              consumedCyclesTotal));
        }
        index++;
      }
    }
    throw new CanisterIdsExhaustedException(
        "this subnet has no canister ids left in its ranges " + ownSubnet().canisterRanges());
  }

  /** Thrown by {@link #mintCanisterId()}; maps to {@link ErrorCode#MAX_NUMBER_OF_CANISTERS_REACHED}. */
  public static final class CanisterIdsExhaustedException extends dev.canopy.types.CanopyException {
    public CanisterIdsExhaustedException(String message) {
      super(message);
    }
  }

  // ---- the certified tree's view

  /** What {@link dev.canopy.state.CertifiedStateTreeBuilder} needs of this state. */
  public CertifiedStateView certifiedView() {
    TreeMap<CanisterId, CanisterCertifiedState> certified = new TreeMap<>();
    canisters.forEach((id, c) -> certified.put(id, c.certifiedState()));
    SortedMap<RequestId, IngressEntry> statuses = ingressHistory.entries();
    RequestStatusTrie statusTrie = ingressHistory.statusTrie();
    return new CertifiedStateView() {
      @Override
      public long timeNanos() {
        return batchTimeNs;
      }

      @Override
      public SubnetId ownSubnetId() {
        return ownSubnetId;
      }

      @Override
      public SortedMap<SubnetId, SubnetInfo> subnets() {
        return Collections.unmodifiableSortedMap(subnets);
      }

      @Override
      public SortedMap<CanisterId, CanisterCertifiedState> canisters() {
        return Collections.unmodifiableSortedMap(certified);
      }

      @Override
      public SortedMap<RequestId, IngressEntry> requestStatuses() {
        return statuses;
      }

      @Override
      public RequestStatusTrie requestStatusTrie() {
        return statusTrie;
      }
    };
  }

  /**
   * A deterministic SHA-256 of the whole state (system states, memories, modules, queues, request
   * statuses); see {@link StateCodec}.
   */
  public byte[] stateHash() {
    return StateCodec.stateHash(this);
  }

  @Override
  public String toString() {
    return "ReplicatedState[height " + height + ", time " + batchTimeNs + ", "
        + canisters.size() + " canisters, " + ingressHistory.size() + " requests]";
  }

  static <T> List<T> append(List<T> list, T item) {
    List<T> l = new ArrayList<>(list);
    l.add(item);
    return l;
  }
}
