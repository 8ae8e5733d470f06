package dev.canopy.wasm;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;

/**
 * The instruction counter global as the compiled code of an instrumented module reads and writes
 * it after {@link CounterGlobalShortcut} has rewritten that code: through the instance's memory,
 * which every compiled function receives as an argument, instead of through {@code
 * Instance.global(i)}. The value is the memory's field, which the instance's counter global
 * ({@link CounterGlobal}) shows to the host, so the host sees no difference.
 * Also what a trap does to it on its way out of a compiled function ({@link #trapped}).
 * Public only because the generated classes live in another package; nothing else calls these.
 */
public final class CounterGlobalAccess {
  private CounterGlobalAccess() {}

  /** {@code global.get} of the counter. */
  public static long read(Memory memory) {
    return ((PagedMemory) memory).instructionsLeft;
  }

  /** {@code global.set} of the counter. */
  public static void write(long value, Memory memory) {
    ((PagedMemory) memory).instructionsLeft = value;
  }

  /**
   * A trap leaves a frame whose counter local is {@code counter}: the counter global (number
   * {@code counterGlobal}, through the memory or not) becomes that if it is smaller ({@link
   * TrapCounterSync}).
   */
  public static void trapped(long counter, Instance instance, int counterGlobal) {
    GlobalInstance global = instance.global(counterGlobal);
    if (counter < global.getValue()) {
      global.setValue(counter);
    }
  }
}
