package dev.canopy.wasm;

import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.Element;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.ValType;
import dev.canopy.types.ErrorCode;
import dev.canopy.wasm.ExecutionResult.Trap;
import java.util.ArrayList;
import java.util.List;

/**
 * One instance of a loaded module bound to one {@link SystemApi}: made fresh (data segments
 * applied) or from an earlier heap image and globals, then asked to run functions.
 *
 * <p>Note: every execution starts as on a new instance, as on the Internet Computer: tables as
 * the module builds them, and only the heap, mutable globals and stable memory carried over. An
 * instance restored from a heap may serve several executions in turn ({@link InstancePool}):
 * {@link #reset} restores everything an execution can change (heap, dropped data segments, every
 * mutable global), and an execution that changed a table or an element segment makes the instance
 * unfit for reuse ({@link #reusable}).
 */
final class InstanceRun {
  private static final FunctionType CALLBACK_TYPE = FunctionType.of(List.of(ValType.I32), List.of());

  private final LoadedModule loaded;
  private Meter meter;
  private final int maxCallDepth;
  private final int limitPages;
  private final Instance instance;
  private PagedMemory memory;
  private int declaredMaxPages;
  private final GlobalInstance counterGlobal;
  private final GlobalInstance depthGlobal;
  // The System API of the current execution, which the host functions call.
  private SystemApi api;
  // What a reset does not restore, as instantiated: table contents and element segments.
  // Note: data.drop marks only the instance's copy of a segment, which nothing reads (memory.init
  // reads the memory's, which reset restores), so dropped data segments need no check.
  private final int[][] tableRefs;
  private final Element[] elements;

  /**
   * @param heap the heap image to start from, or null for a fresh instance
   * @param globals the mutable globals to restore, or null for a fresh instance
   */
  InstanceRun(LoadedModule loaded, PageMap heap, long[] globals, SystemApi api, Meter meter,
      ExecutionLimits limits) {
    this.loaded = loaded;
    this.meter = meter;
    this.api = api;
    this.maxCallDepth = limits.maxCallDepth();
    this.limitPages = (int) Math.min(limits.maxWasmMemoryBytes() / Memory.PAGE_SIZE,
        Memory.RUNTIME_MAX_PAGES);
    List<ImportFunction> host = new ArrayList<>(loaded.imports.size());
    for (Ic0Function f : loaded.imports) {
      host.add(new HostFunction(Ic0Function.MODULE, f.importName(), f.type(),
          (instance, args) -> this.api.call(f, args)));
    }
    Instance built;
    try {
      built = Instance.builder(loaded.runnable)
          .withImportValues(ImportValues.builder().withFunctions(host).build())
          .withMachineFactory(loaded.machineFactory)
          .withMemoryFactory(lim -> newMemory(lim, heap, limitPages))
          .withGlobalFactory(CounterGlobal.factory(loaded.counterGlobal, () -> memory))
          .withStart(false)
          .build();
    } catch (CanisterTrap t) {
      throw t;
    } catch (UninstantiableException e) {
      throw new CanisterTrap(ErrorCode.CANISTER_INVALID_WASM,
          "Canister's Wasm module cannot be instantiated: " + e.getMessage());
    }
    this.instance = built;
    api.bindMemory(memory);
    if (globals != null) {
      restoreGlobals(globals);
    }
    GlobalInstance counter = null;
    GlobalInstance depth = null;
    if (loaded.instrumented) {
      counter = instance.exports().global(LoadedModule.INSTRUCTIONS_GLOBAL);
      depth = instance.exports().global(LoadedModule.CALL_DEPTH_GLOBAL);
    }
    this.counterGlobal = counter;
    this.depthGlobal = depth;
    meter.bind(counter);
    this.tableRefs = new int[instance.tableCount()][];
    for (int t = 0; t < tableRefs.length; t++) {
      tableRefs[t] = tableRefs(instance.table(t));
    }
    this.elements = new Element[instance.elementCount()];
    for (int e = 0; e < elements.length; e++) {
      elements[e] = instance.element(e);
    }
  }

  private void restoreGlobals(long[] globals) {
    int[] idx = loaded.stateGlobals;
    for (int i = 0; i < idx.length; i++) {
      GlobalInstance g = instance.global(idx[i]);
      g.setValueLow(globals[2 * i]);
      g.setValueHigh(globals[2 * i + 1]);
    }
  }

  private static int[] tableRefs(TableInstance table) {
    int[] refs = new int[table.size()];
    for (int i = 0; i < refs.length; i++) {
      refs[i] = table.ref(i);
    }
    return refs;
  }

  /**
   * Prepares this instance, restored from a heap before, for another execution from {@code heap}
   * and {@code globals}: the state a new instance restored from them would have. Only for an
   * instance that is {@link #reusable()} after its last execution.
   */
  void reset(PageMap heap, long[] globals, SystemApi api, Meter meter) {
    int max = Math.min(declaredMaxPages, limitPages);
    memory.reset(heap, Math.max(max, (int) heap.pageCount()));
    restoreGlobals(globals);
    this.api = api;
    api.bindMemory(memory);
    this.meter = meter;
    meter.bind(counterGlobal);
  }

  /**
   * Whether the last execution left everything that {@link #reset} does not restore as it was
   * instantiated: the tables' sizes and entries and the element segments. Modules that never
   * change a table (most) always qualify.
   */
  boolean reusable() {
    if (memory == null || !memory.isRestored()) {
      return false;
    }
    for (int t = 0; t < tableRefs.length; t++) {
      TableInstance table = instance.table(t);
      int[] refs = tableRefs[t];
      if (table.size() != refs.length) {
        return false;
      }
      for (int i = 0; i < refs.length; i++) {
        if (table.ref(i) != refs[i]) {
          return false;
        }
      }
    }
    for (int e = 0; e < elements.length; e++) {
      if (instance.element(e) != elements[e]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Drops what the last execution wrote and its System API. An idle instance still holds the heap
   * image it ran on, or the one its execution was frozen into by {@link #heap()} (mostly shared
   * with the canister's state), so that the next execution from the same image resets only the
   * blocks this one wrote, or nothing when it starts from the committed heap.
   */
  void release() {
    memory.revert();
    api = null;
    meter = null;
  }

  LoadedModule loaded() {
    return loaded;
  }

  /** The working bytes of this instance's heap (constant while it is idle). */
  long heldHeapBytes() {
    return memory == null ? 0 : memory.physicalBytes();
  }

  private Memory newMemory(MemoryLimits lim, PageMap heap, int limitPages) {
    int max = Math.min(lim.maximumPages(), limitPages);
    declaredMaxPages = lim.maximumPages();
    if (heap == null) {
      if (lim.initialPages() > max) {
        throw new CanisterTrap(ErrorCode.CANISTER_OUT_OF_MEMORY,
            "Canister's Wasm memory needs " + lim.initialPages() + " pages initially, more than"
                + " the limit of " + max + " pages");
      }
      memory = PagedMemory.fresh(lim.initialPages(), max);
    } else {
      memory = PagedMemory.restore(heap, lim.initialPages(), Math.max(max, (int) heap.pageCount()));
    }
    return memory;
  }

  boolean hasExport(String name) {
    return loaded.exportedFunctions.containsKey(name);
  }

  void callExport(String name) {
    call(loaded.exportedFunctions.get(name), new long[0]);
  }

  void callStart() {
    if (loaded.startFunction >= 0) {
      call((int) loaded.startFunction, new long[0]);
    }
  }

  /** Runs the callback at a table index with its env: traps unless it is a {@code (i32) -> ()}. */
  void callTableEntry(long tableIndex, long envValue) {
    if (instance.tableCount() == 0) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: callback table index " + tableIndex + " but the module has no table");
    }
    TableInstance table = instance.table(0);
    if (tableIndex < 0 || tableIndex >= table.size()) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: callback table index " + tableIndex + " is out of bounds");
    }
    int function = table.ref((int) tableIndex);
    if (function < 0 || function >= instance.functionCount()) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: callback table index " + tableIndex + " holds no function");
    }
    FunctionType type = instance.type(instance.functionType(function));
    if (!type.equals(CALLBACK_TYPE)) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: callback at table index " + tableIndex + " has type " + type
              + ", not (i32) -> ()");
    }
    call(function, new long[] {envValue});
  }

  private void call(int function, long[] args) {
    if (memory != null) {
      memory.beginExecution();
    }
    if (depthGlobal != null) {
      depthGlobal.setValue(0);
    }
    instance.getMachine().call(function, args);
    if (meter.exhausted()) {
      throw meter.limitExceeded();
    }
  }

  /**
   * The heap after the run: shares every block the run did not change. The memory holds it from
   * here as the image it was loaded from, so the next execution from it, if the caller commits it,
   * starts with nothing to restore. Code run after this goes through {@link #call}, which tells the
   * memory that it may be written again.
   */
  PageMap heap() {
    return memory == null ? PageMap.EMPTY : memory.freeze();
  }

  long[] globals() {
    int[] idx = loaded.stateGlobals;
    long[] values = new long[2 * idx.length];
    for (int i = 0; i < idx.length; i++) {
      GlobalInstance g = instance.global(idx[i]);
      values[2 * i] = g.getValueLow();
      values[2 * i + 1] = g.getValueHigh();
    }
    return values;
  }

  void finish() {
    meter.unbind();
  }

  /** Why a run ended abnormally, as the IC reports it. */
  Trap classify(Throwable t) {
    meter.unbind();
    if (t instanceof CanisterTrap ct) {
      return new Trap(ct.code(), ct.getMessage());
    }
    if (meter.exhausted()) {
      CanisterTrap limit = meter.limitExceeded();
      return new Trap(limit.code(), limit.getMessage());
    }
    if (depthGlobal != null && depthGlobal.getValue() > maxCallDepth) {
      return stackOverflow();
    }
    return classifyUnmetered(t);
  }

  static Trap classifyUnmetered(Throwable t) {
    if (t instanceof CanisterTrap ct) {
      return new Trap(ct.code(), ct.getMessage());
    }
    if (t instanceof StackOverflowError
        || (t instanceof ChicoryException && t.getCause() instanceof StackOverflowError)) {
      // Note: not deterministic (it depends on the JVM's frames); maxCallDepth must trip first.
      return new Trap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: stack overflow (the host stack ran out before the call depth limit)");
    }
    if (t instanceof OutOfMemoryError) {
      return new Trap(ErrorCode.CANISTER_OUT_OF_MEMORY,
          "Canister trapped: the replica ran out of memory while executing it");
    }
    if (t instanceof TrapException) {
      return new Trap(ErrorCode.CANISTER_TRAPPED, "Canister trapped: unreachable");
    }
    if (t instanceof WasmRuntimeException || t instanceof ChicoryException) {
      String m = String.valueOf(t.getMessage());
      if (m.startsWith("out of bounds memory access")) {
        m = "heap out of bounds";
      }
      return new Trap(ErrorCode.CANISTER_TRAPPED, "Canister trapped: " + m);
    }
    return new Trap(ErrorCode.CANISTER_WASM_ENGINE_ERROR,
        "Canister execution failed in the Wasm engine: " + t);
  }

  private static Trap stackOverflow() {
    return new Trap(ErrorCode.CANISTER_TRAPPED, "Canister trapped: stack overflow");
  }
}
