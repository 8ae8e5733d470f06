package dev.canopy.node;

import dev.canopy.types.NodeId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test hook: holds a node's state manager at the end of its journal replay, before it publishes
 * the recovered state, so a test can observe a node whose recovery is in progress without racing
 * it. Nothing is held unless a test {@link #install}s a hold for the node; a hold is used once.
 *
 * <p>Note: the hold blocks the state manager, which runs on the blocking dispatcher; it lasts at
 * most its {@code timeoutMs}, after which recovery goes on.
 */
final class RecoveryHold {
  private static final Logger log = LoggerFactory.getLogger(RecoveryHold.class);
  private static final ConcurrentHashMap<NodeId, RecoveryHold> HOLDS = new ConcurrentHashMap<>();

  private final CompletableFuture<Long> reached = new CompletableFuture<>();
  private final CompletableFuture<Void> released = new CompletableFuture<>();
  private final long timeoutMs;

  private RecoveryHold(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /** Holds the next recovery of node {@code id} until {@link #release} (or {@code timeoutMs}). */
  static RecoveryHold install(NodeId id, long timeoutMs) {
    RecoveryHold hold = new RecoveryHold(timeoutMs);
    if (HOLDS.putIfAbsent(id, hold) != null) {
      throw new IllegalStateException("a recovery hold for " + id + " is installed already");
    }
    return hold;
  }

  /** Completes with the replayed height once the state manager waits in the hold. */
  CompletableFuture<Long> reached() {
    return reached;
  }

  void release() {
    released.complete(null);
  }

  /** Called by the state manager when its replay is done; returns at once without a hold. */
  static void awaitRelease(NodeId id, long replayedHeight) {
    RecoveryHold hold = HOLDS.remove(id);
    if (hold == null) {
      return;
    }
    hold.reached.complete(replayedHeight);
    try {
      hold.released.get(hold.timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("recovery hold of {} not released within {} ms; recovery goes on", id,
          hold.timeoutMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }
}
