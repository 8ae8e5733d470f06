package dev.canopy.wasm;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.function.Function;

/**
 * Loads compiled classes that the engine already has (rewritten by {@link
 * CounterGlobalShortcut#compile}, or read from the disk cache) into Chicory's machine factory, by
 * answering its cache lookup with them. Chicory keys the lookup by the digest of the module it is
 * given (for a disk-cache entry, a stub with empty bodies); the caller already knows which module
 * the classes belong to.
 */
final class StoredClasses implements Cache {
  private final byte[] payload;
  private boolean used;

  private StoredClasses(byte[] payload) {
    this.payload = payload;
  }

  /**
   * The machine factory of {@code module} from {@code payload} (Chicory's cache format); fails
   * rather than compile {@code module} itself if Chicory does not take them.
   */
  static Function<Instance, Machine> load(WasmModule module, byte[] payload) {
    StoredClasses stored = new StoredClasses(payload);
    Function<Instance, Machine> factory = MachineFactoryCompiler.builder(module)
        .withInterpreterFallback(InterpreterFallback.FAIL)
        .withCache(stored)
        .compile();
    if (!stored.used) {
      throw new IllegalStateException("the stored classes were not used");
    }
    return factory;
  }

  @Override
  public byte[] get(String key) {
    used = true;
    return payload;
  }

  @Override
  public void putIfAbsent(String key, byte[] payload) {
    // Reached only if Chicory compiled the module itself, which load refuses.
    used = false;
  }
}
