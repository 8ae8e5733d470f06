package dev.canopy.wasm.instrument;

import java.util.List;

/**
 * Rewrites a Wasm module so that it counts its own execution, deterministically.
 *
 * <p>The result has two new mutable globals, appended after all existing ones (so no index of the
 * module shifts, and no import is added):
 *
 * <ul>
 *   <li>{@value #INSTRUCTIONS_LEFT_EXPORT} (i64): every basic block subtracts its static cost
 *       (from the {@link CostTable}) when it starts; bulk memory and table operations also subtract
 *       their size operand times {@link CostTable#bulkCostPerUnit()} before they run. Inside a
 *       function the counter lives in a local; the global is up to date, and checked (trapping
 *       with {@code unreachable} if negative), before every call, at every exit of a function,
 *       before bulk operations, and at loop headers at least every 1,000 instructions. So a run
 *       that returns has used exactly budget minus the counter, a budget one instruction short
 *       traps with the counter negative, and every loop runs out. After a trap the program causes itself, the
 *       global may lag behind what was charged by at most that interval plus one function's
 *       straight-line code: deterministically.
 *   <li>{@value #CALL_DEPTH_EXPORT} (i32): the number of Wasm frames on the stack. Every function
 *       increments it on entry, trapping with {@code unreachable} once it exceeds the maximum
 *       (so the global then reads max + 1), and restores it at every exit (return, branch to its
 *       label, its end, tail call). Calls to imported (host) functions add no frame.
 * </ul>
 *
 * <p>Both start at 0. A start function would therefore trap at instantiation, so, as on the IC, the
 * start section is removed and its function exported as {@value #START_FUNCTION_EXPORT}: the engine
 * instantiates, sets the counter, and calls that export first ({@link
 * InstrumentedModule#hasStartFunction()}).
 *
 * <p>Note: this follows the IC's instrumentation (dfinity/ic rs/embedders/src/wasm_utils/
 * instrumentation.rs) in what instructions cost and in charging straight-line code up to the next
 * branch or branch target at its start, but also checks the counter at every exit and call, not
 * only at loops and function entries: a budget that is exactly enough never traps, and one
 * instruction less always does. Instrumenting is a pure function of the input bytes and the
 * configuration.
 */
public final class MeteringInstrumenter {
  public static final String INSTRUCTIONS_LEFT_EXPORT = "__canopy_instructions_left";
  public static final String CALL_DEPTH_EXPORT = "__canopy_call_depth";
  public static final String START_FUNCTION_EXPORT = "canister_start";
  public static final int DEFAULT_MAX_CALL_DEPTH = 10_000;

  private static final int EXPORT_KIND_FUNCTION = 0x00;
  private static final int EXPORT_KIND_GLOBAL = 0x03;

  private final CostTable costTable;
  private final int maxCallDepth;

  private MeteringInstrumenter(Builder builder) {
    this.costTable = builder.costTable;
    this.maxCallDepth = builder.maxCallDepth;
  }

  public static Builder builder() {
    return new Builder();
  }

  public CostTable costTable() {
    return costTable;
  }

  public int maxCallDepth() {
    return maxCallDepth;
  }

  /**
   * Instruments a binary module.
   *
   * @throws InvalidWasmException if the module is malformed, uses a refused feature ({@link
   *     UnsupportedWasmFeatureException}), or already exports one of the names this adds
   */
  public InstrumentedModule instrument(byte[] wasm) {
    WasmModule module = WasmModule.parse(wasm);
    ModuleDecoder.Decoded decoded = ModuleDecoder.decode(module);
    for (ModuleDecoder.Export export : decoded.exports()) {
      if (export.name().equals(INSTRUCTIONS_LEFT_EXPORT)
          || export.name().equals(CALL_DEPTH_EXPORT)
          || (decoded.startFunction() >= 0 && export.name().equals(START_FUNCTION_EXPORT))) {
        throw new InvalidWasmException("the module already exports the reserved name " + export.name());
      }
    }
    long globalCount = (long) decoded.importedGlobalCount() + decoded.definedGlobalCount();
    if (globalCount + 2 > Integer.MAX_VALUE) {
      throw new InvalidWasmException("too many globals");
    }
    int counterGlobal = (int) globalCount;
    int depthGlobal = counterGlobal + 1;

    FunctionInstrumenter functions =
        new FunctionInstrumenter(costTable, counterGlobal, depthGlobal, maxCallDepth, decoded.types().size());
    WasmModule result = module;
    WasmModule.Section code = module.section(WasmModule.CODE);
    if (code != null) {
      List<ModuleDecoder.CodeEntry> entries = decoded.code();
      ByteSink payload = new ByteSink(code.payloadSizeBytes() * 2 + 16);
      payload.writeU32(entries.size());
      for (int i = 0; i < entries.size(); i++) {
        int typeIndex = decoded.functionTypeIndices()[decoded.importedFunctionCount() + i];
        int params = decoded.types().get(typeIndex).paramCount();
        functions.instrument(code.source(), entries.get(i), params, payload);
      }
      result = result.withSection(WasmModule.CODE, payload.toByteArray());
    }
    result = result.withSection(WasmModule.GLOBAL, appendGlobals(module.section(WasmModule.GLOBAL)));
    long start = decoded.startFunction();
    result =
        result.withSection(
            WasmModule.EXPORT,
            appendExports(module.section(WasmModule.EXPORT), counterGlobal, depthGlobal, start));
    if (start >= 0) {
      result = result.withSection(WasmModule.START, null);
    }
    return new InstrumentedModule(
        result.encode(),
        costTable.version(),
        wasm.length,
        functions.instructionCount,
        counterGlobal,
        depthGlobal,
        maxCallDepth,
        start >= 0);
  }

  private static byte[] appendGlobals(WasmModule.Section globals) {
    ByteSink out = new ByteSink(64);
    long count = 0;
    ByteReader existing = null;
    if (globals != null) {
      existing = globals.payloadReader();
      count = existing.readU32();
    }
    out.writeU32(count + 2);
    if (existing != null) {
      out.writeBytes(existing.bytes(), existing.position(), existing.remaining());
    }
    // (global (mut i64) (i64.const 0)) (global (mut i32) (i32.const 0))
    out.writeByte(0x7E).writeByte(0x01).writeByte(0x42).writeSigned(0).writeByte(0x0B);
    out.writeByte(0x7F).writeByte(0x01).writeByte(0x41).writeSigned(0).writeByte(0x0B);
    return out.toByteArray();
  }

  private static byte[] appendExports(
      WasmModule.Section exports, int counterGlobal, int depthGlobal, long startFunction) {
    ByteSink out = new ByteSink(128);
    long count = 0;
    ByteReader existing = null;
    if (exports != null) {
      existing = exports.payloadReader();
      count = existing.readU32();
    }
    out.writeU32(count + (startFunction >= 0 ? 3 : 2));
    if (existing != null) {
      out.writeBytes(existing.bytes(), existing.position(), existing.remaining());
    }
    if (startFunction >= 0) {
      out.writeName(START_FUNCTION_EXPORT).writeByte(EXPORT_KIND_FUNCTION).writeU32(startFunction);
    }
    out.writeName(INSTRUCTIONS_LEFT_EXPORT).writeByte(EXPORT_KIND_GLOBAL).writeU32(counterGlobal);
    out.writeName(CALL_DEPTH_EXPORT).writeByte(EXPORT_KIND_GLOBAL).writeU32(depthGlobal);
    return out.toByteArray();
  }

  public static final class Builder {
    private CostTable costTable = CostTable.internetComputer();
    private int maxCallDepth = DEFAULT_MAX_CALL_DEPTH;

    private Builder() {}

    public Builder withCostTable(CostTable costTable) {
      if (costTable == null) {
        throw new IllegalArgumentException("costTable is required");
      }
      this.costTable = costTable;
      return this;
    }

    /**
     * More Wasm frames than this at once trap (the exported function called by the host is the
     * first); at least 1, at most 1,000,000.
     */
    public Builder withMaxCallDepth(int maxCallDepth) {
      if (maxCallDepth < 1 || maxCallDepth > 1_000_000) {
        throw new IllegalArgumentException("maxCallDepth must be in [1, 1000000]: " + maxCallDepth);
      }
      this.maxCallDepth = maxCallDepth;
      return this;
    }

    public MeteringInstrumenter build() {
      return new MeteringInstrumenter(this);
    }
  }
}
