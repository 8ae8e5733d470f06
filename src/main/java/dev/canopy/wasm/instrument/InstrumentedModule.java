package dev.canopy.wasm.instrument;

import java.util.Arrays;

/**
 * A module rewritten by {@link MeteringInstrumenter}, with what the engine needs to run it.
 *
 * <p>The engine sets the exported global {@link MeteringInstrumenter#INSTRUCTIONS_LEFT_EXPORT} to
 * the budget and {@link MeteringInstrumenter#CALL_DEPTH_EXPORT} to 0 before every run. After a
 * trap, a negative instruction counter means "out of instructions" and a call depth above {@link
 * #maxCallDepth()} means "stack overflow"; anything else is the program's own trap.
 */
public final class InstrumentedModule {
  private final byte[] wasm;
  private final String costTableVersion;
  private final int originalSizeBytes;
  private final long originalInstructionCount;
  private final int instructionsLeftGlobalIndex;
  private final int callDepthGlobalIndex;
  private final int maxCallDepth;
  private final boolean hasStartFunction;

  InstrumentedModule(
      byte[] wasm,
      String costTableVersion,
      int originalSizeBytes,
      long originalInstructionCount,
      int instructionsLeftGlobalIndex,
      int callDepthGlobalIndex,
      int maxCallDepth,
      boolean hasStartFunction) {
    this.wasm = wasm;
    this.costTableVersion = costTableVersion;
    this.originalSizeBytes = originalSizeBytes;
    this.originalInstructionCount = originalInstructionCount;
    this.instructionsLeftGlobalIndex = instructionsLeftGlobalIndex;
    this.callDepthGlobalIndex = callDepthGlobalIndex;
    this.maxCallDepth = maxCallDepth;
    this.hasStartFunction = hasStartFunction;
  }

  /** A copy of the instrumented module's bytes. */
  public byte[] wasm() {
    return wasm.clone();
  }

  public int sizeBytes() {
    return wasm.length;
  }

  /** The {@link CostTable#version()} the module was metered with. */
  public String costTableVersion() {
    return costTableVersion;
  }

  public int originalSizeBytes() {
    return originalSizeBytes;
  }

  /**
   * Instructions in the original code section (every function body's instructions, final end
   * included); the IC charges compilation in proportion to this.
   */
  public long originalInstructionCount() {
    return originalInstructionCount;
  }

  /** Index in the global index space of the exported instruction counter (mutable i64). */
  public int instructionsLeftGlobalIndex() {
    return instructionsLeftGlobalIndex;
  }

  /** Index in the global index space of the exported call depth (mutable i32). */
  public int callDepthGlobalIndex() {
    return callDepthGlobalIndex;
  }

  public int maxCallDepth() {
    return maxCallDepth;
  }

  /**
   * Whether the original had a start function; it is now exported as {@link
   * MeteringInstrumenter#START_FUNCTION_EXPORT}, and the engine must call it (metered) before
   * anything else, as instantiation no longer runs it.
   */
  public boolean hasStartFunction() {
    return hasStartFunction;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InstrumentedModule m
        && Arrays.equals(wasm, m.wasm)
        && costTableVersion.equals(m.costTableVersion)
        && originalSizeBytes == m.originalSizeBytes
        && originalInstructionCount == m.originalInstructionCount
        && instructionsLeftGlobalIndex == m.instructionsLeftGlobalIndex
        && callDepthGlobalIndex == m.callDepthGlobalIndex
        && maxCallDepth == m.maxCallDepth
        && hasStartFunction == m.hasStartFunction;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(wasm) * 31 + costTableVersion.hashCode();
  }

  @Override
  public String toString() {
    return "InstrumentedModule[" + wasm.length + " bytes from " + originalSizeBytes
        + ", costs " + costTableVersion + ", maxCallDepth " + maxCallDepth + "]";
  }
}
