package dev.canopy.node;

import dev.canopy.execution.ReplicatedState;
import dev.canopy.http.PublishedState;
import dev.canopy.state.CertifiedState;
import dev.canopy.state.IngressEntry;
import dev.canopy.state.RequestStatus;
import dev.canopy.types.RequestId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The latest certified height, published by the state manager and read by the HTTP interface
 * without waiting: an atomic reference, replaced once per height. Synchronous calls register here
 * to hear when their request's outcome is certified.
 */
public final class StatePublisher {
  private final AtomicReference<PublishedState> latest = new AtomicReference<>();
  private final AtomicReference<PublishedState> recovered = new AtomicReference<>();
  private final ConcurrentHashMap<RequestId, CompletableFuture<Optional<CertifiedState>>> waiters =
      new ConcurrentHashMap<>();
  private final AtomicInteger waiterCount = new AtomicInteger();
  // Height → hash of the finalized block executed there, for the most recent heights.
  private final java.util.concurrent.ConcurrentSkipListMap<Long, dev.canopy.consensus.Hash>
      finalizedBlocks = new java.util.concurrent.ConcurrentSkipListMap<>();
  private static final int MAX_RECORDED_BLOCKS = 4096;
  /**
   * Height → the ids settled (given an outcome, or done) by that height's round, for the executed
   * heights not yet published. Note: a published height wakes only the waiters among the ids
   * settled since the previous published height, not every waiter (a lookup each in a history of
   * many calls, at every height); where a height in between is missing (a state installed or
   * recovered, too many heights unpublished) it looks at every waiter, as the first height does.
   */
  private final ConcurrentSkipListMap<Long, List<RequestId>> settled = new ConcurrentSkipListMap<>();
  private static final int MAX_RECORDED_SETTLED_HEIGHTS = 512;
  private final long timeoutMs;
  private final int maxWaiters;

  public StatePublisher(long timeoutMs, int maxWaiters) {
    this.timeoutMs = timeoutMs;
    this.maxWaiters = maxWaiters;
  }

  public Optional<PublishedState> latest() {
    return Optional.ofNullable(latest.get());
  }

  /** The height the state manager recovered at start-up, before any batch of this run. */
  public Optional<PublishedState> recovered() {
    return Optional.ofNullable(recovered.get());
  }

  /** Called by the state manager once it has recovered its state. */
  void publishRecovered(PublishedState state) {
    recovered.set(state);
    publish(state);
  }

  /** Called by the state manager once a height's batch is durable and its state certified. */
  void publish(PublishedState state) {
    PublishedState previous = latest.getAndSet(state);
    Optional<List<RequestId>> changed =
        previous == null ? Optional.empty() : settledAfter(previous.height(), state.height());
    settled.headMap(state.height(), true).clear();
    // A waiter registered after the previous height was published looked at that height itself.
    for (RequestId id : changed.isPresent() ? changed.get() : waiters.keySet()) {
      if (waiters.containsKey(id) && hasOutcome(state, id)) {
        CompletableFuture<Optional<CertifiedState>> f = waiters.remove(id);
        if (f != null) {
          f.complete(Optional.of(state.certified()));
        }
      }
    }
  }

  /** The ids settled at the heights {@code (from, to]}, if every one of them was recorded. */
  private Optional<List<RequestId>> settledAfter(long from, long to) {
    if (to <= from) {
      return Optional.empty();
    }
    SortedMap<Long, List<RequestId>> heights = settled.subMap(from + 1, to + 1);
    if (heights.size() != to - from) {
      return Optional.empty();
    }
    List<RequestId> ids = new ArrayList<>();
    heights.values().forEach(ids::addAll);
    return Optional.of(ids);
  }

  /**
   * Called by the state manager once the batch of {@code state}'s height is journaled and
   * executed: the height's block, and the calls that its round settled.
   */
  void recordFinalized(ReplicatedState state, dev.canopy.consensus.Hash blockHash) {
    long height = state.height();
    finalizedBlocks.put(height, blockHash);
    while (finalizedBlocks.size() > MAX_RECORDED_BLOCKS) {
      finalizedBlocks.pollFirstEntry();
    }
    Optional<List<RequestId>> ids = state.ingressHistory().settledSinceCopy();
    if (ids.isPresent()) {
      settled.put(height, List.copyOf(ids.get()));
    } else {
      settled.remove(height);
    }
    while (settled.size() > MAX_RECORDED_SETTLED_HEIGHTS) {
      settled.pollFirstEntry();
    }
  }

  /** The finalized block this replica executed at {@code height}, among the recent heights. */
  public Optional<dev.canopy.consensus.Hash> finalizedBlock(long height) {
    return Optional.ofNullable(finalizedBlocks.get(height));
  }

  /** See {@link dev.canopy.http.ReplicaBackend#awaitCertifiedOutcome}. */
  public CompletableFuture<Optional<CertifiedState>> awaitOutcome(RequestId id) {
    PublishedState now = latest.get();
    if (now != null && hasOutcome(now, id)) {
      return CompletableFuture.completedFuture(Optional.of(now.certified()));
    }
    if (waiterCount.get() >= maxWaiters) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    CompletableFuture<Optional<CertifiedState>> created = new CompletableFuture<>();
    CompletableFuture<Optional<CertifiedState>> f = waiters.putIfAbsent(id, created);
    if (f == null) {
      f = created;
      waiterCount.incrementAndGet();
      f.whenComplete((r, e) -> waiterCount.decrementAndGet());
      f.completeOnTimeout(Optional.empty(), timeoutMs, TimeUnit.MILLISECONDS)
          .whenComplete((r, e) -> waiters.remove(id, created));
    }
    // A height published between the first look and the registration would be missed otherwise.
    PublishedState again = latest.get();
    if (again != null && hasOutcome(again, id) && waiters.remove(id, f)) {
      f.complete(Optional.of(again.certified()));
    }
    return f;
  }

  private static boolean hasOutcome(PublishedState state, RequestId id) {
    Optional<IngressEntry> entry = state.certified().tree().requestStatus(id);
    if (entry.isEmpty()) {
      return false;
    }
    RequestStatus status = entry.get().status();
    return status.isTerminalWithOutcome() || status instanceof RequestStatus.Done;
  }
}
