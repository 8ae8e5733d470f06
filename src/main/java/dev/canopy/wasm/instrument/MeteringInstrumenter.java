package dev.canopy.wasm.instrument;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;

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
 *       function the counter lives in a local and is passed to defined callees, which hand their
 *       final counter back as a result, or, for functions with one result, in the global, which
 *       the caller reads when it next needs the counter. The global is up to date, and checked
 *       (trapping with {@code unreachable} if negative), before calls to imports and through
 *       tables, before bulk operations and traps; function entries, loop headers and exits from
 *       the local check it; the wrappers the host calls check it after the call. So a run that
 *       returns has used exactly budget minus the counter, a budget one instruction short traps
 *       with the counter negative, and every loop runs out. After a trap the program causes
 *       itself (an out-of-bounds access, a division by zero) the global may lag behind what the
 *       frames on the stack charged; the engine's compiled code brings it up to date as the trap
 *       leaves each frame (dev.canopy.wasm.TrapCounterSync), from the custom section below.
 *   <li>{@value #CALL_DEPTH_EXPORT} (i32): the call depth. Defined functions pass it to each other
 *       as a parameter (each frame adds 1 and traps once it exceeds the maximum, writing it to
 *       the global first, so the global then reads max + 1); the global is read by wrappers and
 *       written before indirect calls and traps only. Calls to imported (host) functions add no
 *       frame.
 * </ul>
 *
 * <p>Every defined function keeps its index but gets an extended type: its parameters plus
 * (counter i64, depth i32), and its own results, followed by the counter (i64)
 * unless it has exactly one result (with {@link Builder#withCounterReturnedInGlobal} false: always
 * followed by the counter). Exported functions, the start function and functions in tables or
 * named by {@code ref.func} get wrappers with their original types, appended after all functions;
 * exports, element segments and {@code ref.func} name the wrappers, which take the counter and
 * depth from the globals and leave the counter in the global. One more function, after the
 * wrappers, holds the slow path of the counter's checkpoints (FunctionInstrumenter); nothing
 * exports it or puts it in a table. New types are appended after the existing ones; the "name"
 * section keeps its function names, with local names moved past the new parameters. A custom
 * section {@value #METERING_SECTION} at the end says which functions are extended and which global
 * is the counter ({@link MeteringSection}).
 *
 * <p>Both start at 0. A start function would therefore trap at instantiation, so, as on the IC, the
 * start section is removed and its function exported as {@value #START_FUNCTION_EXPORT}: the engine
 * instantiates, sets the counter, and calls that export first ({@link
 * InstrumentedModule#hasStartFunction()}).
 *
 * <p>Note: this follows the IC's instrumentation (dfinity/ic rs/embedders/src/wasm_utils/
 * instrumentation.rs) in what instructions cost and in charging straight-line code up to the next
 * branch or branch target at its start, but also checks the counter before every call to the
 * host or through a table and when the host's call returns, not only at loops and function
 * entries: a budget that is exactly enough never traps, and one instruction less always does.
 * Instrumenting is a pure function of the input bytes and the configuration.
 */
public final class MeteringInstrumenter {
  public static final String INSTRUCTIONS_LEFT_EXPORT = "__canopy_instructions_left";
  public static final String CALL_DEPTH_EXPORT = "__canopy_call_depth";
  public static final String START_FUNCTION_EXPORT = "canister_start";
  public static final int DEFAULT_MAX_CALL_DEPTH = 10_000;
  /**
   * Names the rewriting itself. Change it whenever the output for a given input changes: compiled
   * modules are cached on disk under {@link #outputKey()}. {@code MeteringInstrumenterTest} pins
   * the digest of one instrumented module to this name, so a change of output without a new name
   * fails a test.
   */
  public static final String SCHEME_VERSION = "call-params-exact-6";
  /** The scheme's name with {@link Builder#withCounterReturnedInGlobal} false. */
  public static final String EXTRA_RESULT_SCHEME_VERSION = "call-params-result-6";

  /**
   * The custom section that describes the metering to the engine ({@link MeteringSection}). An
   * input module may not carry one.
   */
  public static final String METERING_SECTION = "canopy:metering";

  /**
   * What the {@value #METERING_SECTION} section says: the counter global's index, and the extended
   * functions (the defined ones, {@code extendedCount} of them from {@code firstExtended}).
   */
  public record MeteringSection(int counterGlobal, int firstExtended, int extendedCount) {
    public boolean extended(int function) {
      return function >= firstExtended && function - firstExtended < extendedCount;
    }

    /** The section's content (after its name), as {@link #payload} wrote it. */
    public static MeteringSection read(byte[] content) {
      ByteReader in = new ByteReader(content, 0, content.length);
      MeteringSection section = new MeteringSection(in.readU32AsInt("the counter global"),
          in.readU32AsInt("the first extended function"), in.readU32AsInt("the extended function count"));
      if (!in.atEnd()) {
        throw InvalidWasmException.at(in.position(), "the " + METERING_SECTION + " section is too long");
      }
      return section;
    }

    /** The custom section's payload: its name, then three u32. */
    byte[] payload() {
      return new ByteSink(METERING_SECTION.length() + 16)
          .writeName(METERING_SECTION)
          .writeU32(counterGlobal)
          .writeU32(firstExtended)
          .writeU32(extendedCount)
          .toByteArray();
    }
  }

  private static final int EXPORT_KIND_FUNCTION = 0x00;
  private static final int EXPORT_KIND_GLOBAL = 0x03;

  private final CostTable costTable;
  private final int maxCallDepth;
  private final boolean counterInGlobal;

  private MeteringInstrumenter(Builder builder) {
    this.costTable = builder.costTable;
    this.maxCallDepth = builder.maxCallDepth;
    this.counterInGlobal = builder.counterInGlobal;
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
   * What determines this instrumenter's output besides its input: the scheme, the cost table's
   * version and the call depth limit. Equal keys give byte-identical output for the same module.
   */
  public String outputKey() {
    return "metering/" + (counterInGlobal ? SCHEME_VERSION : EXTRA_RESULT_SCHEME_VERSION) + "/"
        + costTable.version() + "/max-call-depth="
        + maxCallDepth;
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
    for (WasmModule.Section section : module.sections()) {
      if (section.id() == WasmModule.CUSTOM && METERING_SECTION.equals(section.customName())) {
        throw new InvalidWasmException("the module already has a custom section " + METERING_SECTION);
      }
    }
    long globalCount = (long) decoded.importedGlobalCount() + decoded.definedGlobalCount();
    if (globalCount + 2 > Integer.MAX_VALUE) {
      throw new InvalidWasmException("too many globals");
    }
    int counterGlobal = (int) globalCount;
    int depthGlobal = counterGlobal + 1;
    int imported = decoded.importedFunctionCount();
    int defined = decoded.code().size();
    int typeCount = decoded.types().size();
    int[] wrapperOf = wrappers(module, decoded);
    int wrapperCount = 0;
    for (int w : wrapperOf) {
      wrapperCount += w >= 0 ? 1 : 0;
    }
    IntUnaryOperator toWrapper = f -> f < wrapperOf.length && wrapperOf[f] >= 0 ? wrapperOf[f] : f;

    WasmModule result = module;
    boolean[] returnsCounter = new boolean[imported + defined];
    for (int i = 0; i < defined; i++) {
      ModuleDecoder.FunctionType type = decoded.types().get(decoded.functionTypeIndices()[imported + i]);
      returnsCounter[imported + i] = returnsCounter(type, counterInGlobal);
    }
    int checkpointFunction = imported + defined + wrapperCount;
    FunctionInstrumenter functions = new FunctionInstrumenter(costTable, counterGlobal, depthGlobal,
        maxCallDepth, typeCount, imported, wrapperOf, returnsCounter, checkpointFunction);
    if (defined > 0) {
      // New types after the existing ones, in order of first use: each defined function's extended
      // type, then the block types of multi-value results.
      List<byte[]> newTypes = new ArrayList<>();
      Map<Integer, Integer> extendedType = new TreeMap<>();
      Map<Integer, Integer> resultsOnlyType = new TreeMap<>();
      int[] paramCounts = new int[defined];
      for (int i = 0; i < defined; i++) {
        int typeIndex = decoded.functionTypeIndices()[imported + i];
        ModuleDecoder.FunctionType type = decoded.types().get(typeIndex);
        paramCounts[i] = type.paramCount();
        if (!extendedType.containsKey(typeIndex)) {
          extendedType.put(typeIndex, typeCount + newTypes.size());
          newTypes.add(encodeExtendedType(type, returnsCounter(type, counterInGlobal)));
        }
      }
      for (int i = 0; i < defined; i++) {
        int typeIndex = decoded.functionTypeIndices()[imported + i];
        if (decoded.types().get(typeIndex).resultCount() > 1 && !resultsOnlyType.containsKey(typeIndex)) {
          // Note: Chicory 1.7.5 keeps a block type as one number and reads 64-127 as the value-type
          // codes (0x40 empty, 0x7F i32, ...) that a one-byte block type would be, not as type
          // indices; so block types get indices outside that range, after padding types if needed.
          while (typeCount + newTypes.size() >= 64 && typeCount + newTypes.size() < 128) {
            newTypes.add(encodeType(new byte[0], new byte[0]));
          }
          resultsOnlyType.put(typeIndex, typeCount + newTypes.size());
          newTypes.add(encodeType(new byte[0], decoded.types().get(typeIndex).results()));
        }
      }
      int checkpointType = typeCount + newTypes.size();
      newTypes.add(CHECKPOINT_TYPE);
      result = result.withSection(WasmModule.TYPE, appendTypes(module.section(WasmModule.TYPE), newTypes));

      ByteSink declarations = new ByteSink(defined * 2 + wrapperCount * 2 + 12);
      declarations.writeU32((long) defined + wrapperCount + 1);
      for (int i = 0; i < defined; i++) {
        declarations.writeU32(extendedType.get(decoded.functionTypeIndices()[imported + i]));
      }
      for (int f = 0; f < wrapperOf.length; f++) {
        if (wrapperOf[f] >= 0) {
          declarations.writeU32(decoded.functionTypeIndices()[f]);
        }
      }
      declarations.writeU32(checkpointType);
      result = result.withSection(WasmModule.FUNCTION, declarations.toByteArray());

      WasmModule.Section code = module.section(WasmModule.CODE);
      List<ModuleDecoder.CodeEntry> entries = decoded.code();
      ByteSink payload = new ByteSink(code.payloadSizeBytes() * 2 + 16);
      payload.writeU32((long) defined + wrapperCount + 1);
      for (int i = 0; i < defined; i++) {
        int typeIndex = decoded.functionTypeIndices()[imported + i];
        ModuleDecoder.FunctionType type = decoded.types().get(typeIndex);
        byte[] blockType = type.resultCount() == 0 ? new byte[] {0x40}
            : type.resultCount() == 1 ? type.results()
            : new ByteSink(5).writeSigned(resultsOnlyType.get(typeIndex)).toByteArray();
        functions.instrument(code.source(), entries.get(i), imported + i, type.paramCount(), blockType, payload);
      }
      for (int f = 0; f < wrapperOf.length; f++) {
        if (wrapperOf[f] >= 0) {
          functions.writeWrapper(paramCounts[f - imported], f, payload);
        }
      }
      functions.writeCheckpointFunction(payload);
      result = result.withSection(WasmModule.CODE, payload.toByteArray());

      WasmModule.Section elements = module.section(WasmModule.ELEMENT);
      if (elements != null) {
        result = result.withSection(
            WasmModule.ELEMENT, FunctionReferences.rewriteElements(elements, typeCount, toWrapper));
      }
      result = rewriteNameSections(result, imported, paramCounts);
    }
    result = result.withSection(
        WasmModule.GLOBAL,
        FunctionReferences.rewriteGlobals(module.section(WasmModule.GLOBAL), typeCount, toWrapper, NEW_GLOBALS, 2));
    long start = decoded.startFunction();
    long startTarget = start >= 0 ? toWrapper.applyAsInt((int) start) : -1;
    result = result.withSection(
        WasmModule.EXPORT, rewriteExports(decoded.exports(), toWrapper, counterGlobal, depthGlobal, startTarget));
    if (start >= 0) {
      result = result.withSection(WasmModule.START, null);
    }
    result = result.withCustomSectionAppended(new MeteringSection(counterGlobal, imported, defined).payload());
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

  /**
   * For every function index, the index its wrapper gets, or -1: every defined function the host
   * or a table can reach (exported, the start function, in an element segment, named by {@code
   * ref.func}) gets one, appended after all functions in the order of the functions they wrap.
   */
  private static int[] wrappers(WasmModule module, ModuleDecoder.Decoded decoded) {
    int imported = decoded.importedFunctionCount();
    int total = imported + decoded.code().size();
    boolean[] reached = new boolean[total];
    IntUnaryOperator mark = f -> {
      if (f >= total) {
        throw new InvalidWasmException("function index " + f + " out of range");
      }
      reached[f] = true;
      return f;
    };
    for (ModuleDecoder.Export export : decoded.exports()) {
      if (export.kind() == EXPORT_KIND_FUNCTION) {
        mark.applyAsInt((int) Math.min(export.index(), Integer.MAX_VALUE));
      }
    }
    if (decoded.startFunction() >= 0) {
      mark.applyAsInt((int) Math.min(decoded.startFunction(), Integer.MAX_VALUE));
    }
    int typeCount = decoded.types().size();
    WasmModule.Section elements = module.section(WasmModule.ELEMENT);
    if (elements != null) {
      FunctionReferences.rewriteElements(elements, typeCount, mark);
    }
    WasmModule.Section globals = module.section(WasmModule.GLOBAL);
    if (globals != null) {
      FunctionReferences.rewriteGlobals(globals, typeCount, mark, new byte[0], 0);
    }
    WasmModule.Section code = module.section(WasmModule.CODE);
    for (ModuleDecoder.CodeEntry entry : decoded.code()) {
      FunctionReferences.scanCode(code.source(), entry, typeCount, mark);
    }
    int[] wrapperOf = new int[total];
    int next = total;
    for (int f = 0; f < total; f++) {
      wrapperOf[f] = f >= imported && reached[f] ? next++ : -1;
    }
    return wrapperOf;
  }

  /**
   * Whether a function of this type hands its counter back as one more result (every function
   * but those with exactly one result, or all with {@code counterInGlobal} false) rather than in
   * the counter global.
   */
  static boolean returnsCounter(ModuleDecoder.FunctionType type, boolean counterInGlobal) {
    return !counterInGlobal || type.resultCount() != 1;
  }

  /** params + (counter i64, depth i32) -> results (+ counter i64). */
  private static byte[] encodeExtendedType(ModuleDecoder.FunctionType type, boolean returnsCounter) {
    byte[] params = Arrays.copyOf(type.params(), type.paramCount() + FunctionInstrumenter.EXTRA_PARAMS);
    params[type.paramCount()] = (byte) FunctionInstrumenter.I64;
    params[type.paramCount() + 1] = (byte) FunctionInstrumenter.I32;
    if (!returnsCounter) {
      return encodeType(params, type.results());
    }
    byte[] results = Arrays.copyOf(type.results(), type.resultCount() + 1);
    results[type.resultCount()] = (byte) FunctionInstrumenter.I64;
    return encodeType(params, results);
  }

  private static byte[] encodeType(byte[] params, byte[] results) {
    ByteSink out = new ByteSink(params.length + results.length + 4);
    out.writeByte(0x60).writeU32(params.length).writeBytes(params).writeU32(results.length).writeBytes(results);
    return out.toByteArray();
  }

  private static byte[] appendTypes(WasmModule.Section types, List<byte[]> newTypes) {
    ByteSink out = new ByteSink((types == null ? 0 : types.payloadSizeBytes()) + newTypes.size() * 8 + 8);
    long count = 0;
    ByteReader existing = null;
    if (types != null) {
      existing = types.payloadReader();
      count = existing.readU32();
    }
    out.writeU32(count + newTypes.size());
    if (existing != null) {
      out.writeBytes(existing.bytes(), existing.position(), existing.remaining());
    }
    for (byte[] type : newTypes) {
      out.writeBytes(type);
    }
    return out.toByteArray();
  }

  private static WasmModule rewriteNameSections(WasmModule module, int imported, int[] paramCounts) {
    WasmModule result = module;
    for (int i = result.sections().size() - 1; i >= 0; i--) {
      WasmModule.Section s = result.sections().get(i);
      if (s.id() == WasmModule.CUSTOM && "name".equals(s.customName())) {
        result = result.withCustomSectionAt(i, FunctionReferences.rewriteNames(s, imported, paramCounts));
      }
    }
    return result;
  }

  /** The checkpoint's slow path: (counter i64, depth i32) -> (); it traps. */
  private static final byte[] CHECKPOINT_TYPE = encodeType(
      new byte[] {(byte) FunctionInstrumenter.I64, (byte) FunctionInstrumenter.I32}, new byte[0]);

  // (global (mut i64) (i64.const 0)) (global (mut i32) (i32.const 0))
  private static final byte[] NEW_GLOBALS = {0x7E, 0x01, 0x42, 0x00, 0x0B, 0x7F, 0x01, 0x41, 0x00, 0x0B};

  private static byte[] rewriteExports(
      List<ModuleDecoder.Export> exports, IntUnaryOperator toWrapper, int counterGlobal, int depthGlobal, long startFunction) {
    ByteSink out = new ByteSink(128 + exports.size() * 16);
    out.writeU32(exports.size() + (startFunction >= 0 ? 3 : 2));
    for (ModuleDecoder.Export export : exports) {
      long index = export.kind() == EXPORT_KIND_FUNCTION ? toWrapper.applyAsInt((int) export.index()) : export.index();
      out.writeName(export.name()).writeByte(export.kind()).writeU32(index);
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
    private boolean counterInGlobal = true;

    private Builder() {}

    /**
     * True (the default): extended functions with exactly one result return only that result and
     * leave their final counter in the global, which the caller reads back when it needs it;
     * others return the counter after their results. False: every extended function returns it as
     * an extra result (the earlier form, kept to compare the two; see the Note on {@link
     * FunctionInstrumenter}). Counts are identical either way.
     */
    public Builder withCounterReturnedInGlobal(boolean counterInGlobal) {
      this.counterInGlobal = counterInGlobal;
      return this;
    }

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
