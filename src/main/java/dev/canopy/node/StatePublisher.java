package dev.canopy.node;

import dev.canopy.http.PublishedState;
import dev.canopy.state.CertifiedState;
import dev.canopy.state.IngressEntry;
import dev.canopy.state.RequestStatus;
import dev.canopy.types.RequestId;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
    latest.set(state);
    for (RequestId id : waiters.keySet()) {
      if (hasOutcome(state, id)) {
        CompletableFuture<Optional<CertifiedState>> f = waiters.remove(id);
        if (f != null) {
          f.complete(Optional.of(state.certified()));
        }
      }
    }
  }

  /** Called by the state manager once the batch of {@code height} is journaled and executed. */
  void recordFinalized(long height, dev.canopy.consensus.Hash blockHash) {
    finalizedBlocks.put(height, blockHash);
    while (finalizedBlocks.size() > MAX_RECORDED_BLOCKS) {
      finalizedBlocks.pollFirstEntry();
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
