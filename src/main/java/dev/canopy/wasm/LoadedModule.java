package dev.canopy.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.MutabilityType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A canister module ready to run: instrumented, without its start section (the engine runs
 * {@code (start)} itself, once, at install), parsed and compiled to JVM bytecode.
 */
final class LoadedModule {
  static final String INSTRUCTIONS_GLOBAL = "__canopy_instructions_left";
  static final String CALL_DEPTH_GLOBAL = "__canopy_call_depth";

  final CanisterModule module;
  final WasmModule runnable;
  final Function<Instance, Machine> machineFactory;
  final long startFunction;
  final List<Ic0Function> imports;
  final Map<String, Integer> exportedFunctions;
  /** Mutable globals that belong to the canister (not the instrumentation's). */
  final int[] stateGlobals;
  final boolean instrumented;
  /**
   * The counter global's index if the compiled code reaches it through the memory ({@link
   * CounterGlobalShortcut}), -1 otherwise.
   */
  final int counterGlobal;

  LoadedModule(
      CanisterModule module,
      WasmModule runnable,
      Function<Instance, Machine> machineFactory,
      long startFunction) {
    this.module = module;
    this.runnable = runnable;
    this.machineFactory = machineFactory;
    this.startFunction = startFunction;
    List<Ic0Function> imported = new ArrayList<>();
    var importSection = runnable.importSection();
    for (int i = 0; i < importSection.importCount(); i++) {
      if (importSection.getImport(i) instanceof FunctionImport fi) {
        imported.add(Ic0Function.byName(fi.name()));
      }
    }
    this.imports = List.copyOf(imported);
    Map<String, Integer> functions = new TreeMap<>();
    Map<String, Integer> globals = new TreeMap<>();
    var exports = runnable.exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      Export e = exports.getExport(i);
      if (e.exportType() == ExternalType.FUNCTION) {
        functions.put(e.name(), e.index());
      } else if (e.exportType() == ExternalType.GLOBAL) {
        globals.put(e.name(), e.index());
      }
    }
    this.exportedFunctions = functions;
    Integer counter = globals.get(INSTRUCTIONS_GLOBAL);
    Integer depth = globals.get(CALL_DEPTH_GLOBAL);
    this.instrumented = counter != null;
    this.counterGlobal = CounterGlobalShortcut.counterGlobal(runnable);
    List<Integer> mutable = new ArrayList<>();
    var all = runnable.globalSection().globals();
    for (int i = 0; i < all.length; i++) {
      boolean instrumentation = (counter != null && i == counter) || (depth != null && i == depth);
      if (all[i].mutabilityType() == MutabilityType.Var && !instrumentation) {
        mutable.add(i);
      }
    }
    this.stateGlobals = mutable.stream().mapToInt(Integer::intValue).toArray();
  }
}
