package dev.canopy.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;

/**
 * Modules without imports compiled and instantiated as the engine does (Chicory's compiler with
 * the engine's rewrites of its code, {@link CounterGlobalShortcut#compile}, and the engine's {@link
 * PagedMemory}), for benchmarks and tests that run Wasm outside a canister.
 */
public final class StandaloneInstances {
  private StandaloneInstances() {}

  /**
   * An instance of {@code wasm}: if it is instrumented (exports the counter global) and has a
   * memory, its compiled code reaches the counter through the memory, as the engine's does.
   */
  public static Instance of(byte[] wasm) {
    return of(wasm, true);
  }

  /**
   * As {@link #of(byte[])}; with {@code counterThroughMemory} false, the compiled code reaches the
   * counter global as Chicory compiles it ({@code Instance.global(i)}), to compare the two.
   */
  public static Instance of(byte[] wasm, boolean counterThroughMemory) {
    WasmModule module = Parser.parse(wasm);
    int counterGlobal = counterThroughMemory ? CounterGlobalShortcut.counterGlobal(module) : -1;
    var factory = StoredClasses.load(module, CounterGlobalShortcut.compile(module, counterGlobal).payload());
    PagedMemory[] memory = new PagedMemory[1];
    Instance instance = Instance.builder(module)
        .withMachineFactory(factory)
        .withMemoryFactory(limits -> memory[0] = PagedMemory.fresh(limits.initialPages(),
            Math.min(limits.maximumPages(), Memory.RUNTIME_MAX_PAGES)))
        .withGlobalFactory(CounterGlobal.factory(counterGlobal, () -> memory[0]))
        .build();
    return instance;
  }
}
