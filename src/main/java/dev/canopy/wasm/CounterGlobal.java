package dev.canopy.wasm;

import com.dylibso.chicory.runtime.GlobalFactory;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.wasm.types.MutabilityType;
import com.dylibso.chicory.wasm.types.ValType;
import com.dylibso.chicory.wasm.types.Value;
import java.util.function.Supplier;

/**
 * The instruction counter global of an instance whose compiled code reaches the counter through
 * its memory ({@link CounterGlobalShortcut}, {@link CounterGlobalAccess}): the value lives in the
 * memory's {@link PagedMemory#instructionsLeft}, and this global shows that field to everything
 * that goes through Chicory's global API (the host's meter, the interpreter, an access the
 * rewrite did not match), so all of them see one counter.
 *
 * <p>Note: the compiled code gets the memory as an argument of every function, so a field of the
 * memory costs it one load or store. Through a global object held by the memory it cost two
 * dependent loads after every call (a field of an object other than a record is never trusted to
 * stay the same), and recursive code like fib paid about a fifth of its plain time for that
 * (bench/RESULTS.md, ninth session).
 */
final class CounterGlobal extends GlobalInstance {
  private final PagedMemory memory;

  private CounterGlobal(PagedMemory memory, long value, ValType type, MutabilityType mutability) {
    super(value, 0, type, mutability);
    this.memory = memory;
    memory.instructionsLeft = value;
  }

  /**
   * Chicory's global factory for an instance of a module whose global {@code counterGlobal} is the
   * counter (a module without imported globals, see {@link CounterGlobalShortcut#counterGlobal}):
   * that global becomes a {@code CounterGlobal} on the memory {@code memory} supplies by then (the
   * instance makes its memory before its globals), every other one an ordinary global. With -1
   * (compiled code that reaches the counter as Chicory compiles it) every global is ordinary.
   */
  static GlobalFactory factory(int counterGlobal, Supplier<PagedMemory> memory) {
    int[] next = {0}; // Chicory makes the module's globals once each, in order
    return (low, high, type, mutability) -> next[0]++ == counterGlobal
        ? new CounterGlobal(memory.get(), low, type, mutability)
        : new GlobalInstance(low, high, type, mutability);
  }

  @Override
  public long getValue() {
    return memory.instructionsLeft;
  }

  @Override
  public long getValueLow() {
    return memory.instructionsLeft;
  }

  @Override
  public long getValueHigh() {
    return 0; // an i64 global has no high half
  }

  @Override
  public void setValue(long value) {
    memory.instructionsLeft = value;
  }

  @Override
  public void setValueLow(long value) {
    memory.instructionsLeft = value;
  }

  @Override
  public void setValueHigh(long value) {
    // an i64 global has no high half
  }

  @Override
  public void setValue(Value value) {
    memory.instructionsLeft = value.raw();
  }
}
