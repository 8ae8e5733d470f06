package dev.canopy.wasm;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Idle instances of loaded modules, so that a busy canister's messages do not each build a new
 * instance: instantiation (import linking, exports, tables, constant expressions) costs several
 * times what a small method itself runs. The engine keeps one pool for non-replicated executions
 * (queries, composite queries and their callbacks, message inspection) and one for replicated
 * ones.
 *
 * <p>An instance comes back only after an execution that did not trap and left it {@link
 * InstanceRun#reusable() reusable}; it is {@link InstanceRun#release() released} while idle (what
 * the execution wrote is dropped, no System API is held) and {@link InstanceRun#reset reset} to the
 * next execution's heap and globals when taken, so no execution sees what another one wrote: it
 * starts exactly as a new instance restored from its state would, which keeps replicated
 * execution deterministic.
 *
 * <p>Bounded: at most {@code maxIdle} idle instances in all, and at most {@code maxIdleHeapBytes}
 * of heap held by them (each holds its heap's working bytes, see {@link PagedMemory}), those of the
 * least recently used module dropped first; an instance whose heap alone is over the bound is not
 * kept. Thread-safe.
 */
final class InstancePool {
  private final int maxIdle;
  private final long maxIdleHeapBytes;
  private final LinkedHashMap<LoadedModule, ArrayDeque<InstanceRun>> idle =
      new LinkedHashMap<>(16, 0.75f, true);
  private int idleCount;
  private long idleHeapBytes;
  private long reused;
  private long returned;

  InstancePool(int maxIdle, long maxIdleHeapBytes) {
    if (maxIdle < 0 || maxIdleHeapBytes < 0) {
      throw new IllegalArgumentException("maxIdle and maxIdleHeapBytes must not be negative");
    }
    this.maxIdle = maxIdle;
    this.maxIdleHeapBytes = maxIdleHeapBytes;
  }

  /** An idle instance of {@code module}, which the caller must reset, or null. */
  synchronized InstanceRun take(LoadedModule module) {
    ArrayDeque<InstanceRun> runs = idle.get(module);
    if (runs == null) {
      return null;
    }
    InstanceRun run = runs.pollLast();
    if (runs.isEmpty()) {
      idle.remove(module);
    }
    idleCount--;
    idleHeapBytes -= run.heldHeapBytes();
    reused++;
    return run;
  }

  /** Keeps {@code run} for a later execution if it is fit for one and there is room. */
  void give(InstanceRun run) {
    if (maxIdle == 0 || !run.reusable()) {
      return;
    }
    run.release();
    if (run.heldHeapBytes() > maxIdleHeapBytes) {
      return;
    }
    synchronized (this) {
      idle.computeIfAbsent(run.loaded(), m -> new ArrayDeque<>()).addLast(run);
      idleCount++;
      idleHeapBytes += run.heldHeapBytes();
      returned++;
      while (idleCount > maxIdle || idleHeapBytes > maxIdleHeapBytes) {
        Iterator<Map.Entry<LoadedModule, ArrayDeque<InstanceRun>>> eldest =
            idle.entrySet().iterator();
        Map.Entry<LoadedModule, ArrayDeque<InstanceRun>> e = eldest.next();
        idleHeapBytes -= e.getValue().pollFirst().heldHeapBytes();
        idleCount--;
        if (e.getValue().isEmpty()) {
          eldest.remove();
        }
      }
    }
  }

  synchronized int idleCount() {
    return idleCount;
  }

  /** Executions that took an idle instance, and instances given back for reuse. */
  synchronized long reused() {
    return reused;
  }

  synchronized long returned() {
    return returned;
  }
}
