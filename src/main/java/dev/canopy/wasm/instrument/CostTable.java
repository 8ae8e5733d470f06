package dev.canopy.wasm.instrument;

import java.util.Arrays;

/**
 * What each Wasm instruction costs, in instructions charged against the counter, with a version
 * that names the table (it is recorded in every {@link InstrumentedModule}; change the version
 * whenever a cost changes, since costs are part of the replicated state machine).
 *
 * <p>Note: {@link #internetComputer()} follows the IC's {@code instruction_to_cost} for Wasm32
 * (dfinity/ic, rs/embedders/src/wasm_utils/instrumentation.rs): most instructions cost 1; block,
 * loop, else and end 0; branches and {@code if} 2; global access 2; integer division and remainder
 * 10; calls 5, indirect calls 10; {@code memory.grow} and {@code table.grow} 300; bulk memory and
 * table operations 100 plus 1 per byte or element; float operations 1-20 by measured weight; SIMD
 * 1-14. Every function entry costs 1 more, so even an empty function is charged.
 *
 * <p>Branches, calls and the function entry must cost at least 1: every cycle in a program passes
 * one of them, so every iteration is charged and an infinite loop always runs out.
 */
public final class CostTable {
  /** Version of {@link #internetComputer()}. */
  public static final String INTERNET_COMPUTER_VERSION = "canopy-ic-wasm32-1";

  private static final long MAX_COST = 1_000_000;

  private final String version;
  private final long[] single;
  private final long[] misc;
  private final long[] simd;
  private final long functionEntryCost;
  private final long bulkCostPerUnit;

  private CostTable(Builder b) {
    this.version = b.version;
    this.single = b.single.clone();
    this.misc = b.misc.clone();
    this.simd = b.simd.clone();
    this.functionEntryCost = b.functionEntryCost;
    this.bulkCostPerUnit = b.bulkCostPerUnit;
  }

  /** The IC's costs (see the class comment), version {@link #INTERNET_COMPUTER_VERSION}. */
  public static CostTable internetComputer() {
    return Holder.IC;
  }

  /** A builder that starts from {@link #internetComputer()}; give it a new version. */
  public static Builder builder() {
    return new Builder();
  }

  public String version() {
    return version;
  }

  /** Cost of the instruction with this opcode key (see {@link InstructionDecoder}). */
  long cost(int opcode) {
    int prefix = opcode >>> 16;
    int code = opcode & 0xFFFF;
    if (prefix == 0) {
      return single[code];
    }
    if (prefix == InstructionDecoder.MISC_PREFIX) {
      return misc[code];
    }
    return simd[code];
  }

  /** Charged once at every function entry, on top of the instructions of the first block. */
  public long functionEntryCost() {
    return functionEntryCost;
  }

  /** Charged per byte (memory) or element (table) of a bulk operation's size operand. */
  public long bulkCostPerUnit() {
    return bulkCostPerUnit;
  }

  /** Cost of a single-byte opcode (0x00-0xFB, not a prefix). */
  public long costOf(int opcode) {
    checkOpcode(opcode, 0xFB);
    return single[opcode];
  }

  /** Cost of the 0xFC-prefixed instruction {@code subOpcode} (saturating truncation, bulk). */
  public long costOfMisc(int subOpcode) {
    checkOpcode(subOpcode, 17);
    return misc[subOpcode];
  }

  /** Cost of the 0xFD-prefixed (SIMD) instruction {@code subOpcode}. */
  public long costOfSimd(int subOpcode) {
    checkOpcode(subOpcode, 0xFF);
    return simd[subOpcode];
  }

  private static void checkOpcode(int opcode, int max) {
    if (opcode < 0 || opcode > max) {
      throw new IllegalArgumentException("opcode out of range: " + opcode);
    }
  }

  @Override
  public String toString() {
    return "CostTable[" + version + "]";
  }

  private static final class Holder {
    static final CostTable IC = new Builder().build();
  }

  public static final class Builder {
    private String version = INTERNET_COMPUTER_VERSION;
    private final long[] single = new long[256];
    private final long[] misc = new long[18];
    private final long[] simd = new long[256];
    private long functionEntryCost = 1;
    private long bulkCostPerUnit = 1;

    private Builder() {
      Arrays.fill(single, 1);
      Arrays.fill(misc, 1);
      Arrays.fill(simd, 1);
      // Control: structure markers are free, branches 2, calls 5 / 10.
      set(single, 0, 0x02, 0x03, 0x05, 0x0B);
      set(single, 2, 0x04, 0x0C, 0x0D, 0x0E);
      single[0x10] = 5;
      single[0x11] = 10;
      single[0x12] = 3;
      single[0x13] = 60;
      // Globals and tables.
      set(single, 2, 0x23, 0x24);
      set(single, 5, 0x25, 0x26);
      single[0x3F] = 20; // memory.size
      single[0x40] = 300; // memory.grow
      // Integer division and remainder.
      set(single, 10, 0x6D, 0x6E, 0x6F, 0x70, 0x7F, 0x80, 0x81, 0x82);
      // Float comparisons.
      for (int op = 0x5B; op <= 0x66; op++) {
        single[op] = 3;
      }
      // f32 and f64 arithmetic.
      set(single, 2, 0x8D, 0x8E, 0x8F, 0x90, 0x92, 0x93, 0x94, 0x9B, 0x9C, 0x9D, 0x9E, 0xA0, 0xA1, 0xA2);
      single[0x91] = 5; // f32.sqrt
      single[0x95] = 3; // f32.div
      set(single, 18, 0x96, 0x97, 0xA4, 0xA5); // min, max
      single[0x98] = 2; // f32.copysign
      single[0x9F] = 8; // f64.sqrt
      single[0xA3] = 5; // f64.div
      single[0xA6] = 3; // f64.copysign
      // Conversions.
      set(single, 20, 0xA8, 0xA9, 0xAA, 0xAB, 0xAE, 0xAF, 0xB0, 0xB1);
      set(single, 3, 0xB2, 0xB4, 0xB7, 0xB9);
      set(single, 16, 0xB3, 0xB5, 0xB8, 0xBA);
      // References.
      single[0xD1] = 5; // ref.is_null
      single[0xD2] = 130; // ref.func
      // 0xFC: saturating truncation 20; bulk 100 (+ size); drops and table.grow 300; table.size 100.
      set(misc, 20, 0, 1, 2, 3, 4, 5, 6, 7);
      set(misc, 100, 8, 10, 11, 12, 14, 17);
      set(misc, 300, 9, 13, 15);
      misc[16] = 100;
      // SIMD: 1 unless measured otherwise.
      simd[0x0D] = 3;
      set(simd, 2, 0x26, 0x28, 0x30, 0x32, 0x3A, 0x3C);
      set(simd, 3, 0x62, 0x6B, 0x6C, 0x7F, 0xCC);
      set(simd, 2, 0x6D, 0x7D, 0x9D, 0x9F, 0x8B, 0x8C, 0x8D, 0xAB, 0xAC, 0xAD, 0xB5, 0xBC, 0xBD, 0xBE, 0xBF);
      set(simd, 2, 0xCB, 0xCD, 0x67, 0x68, 0x69, 0x6A, 0xE0, 0xE1, 0xE4, 0xE5, 0xE6);
      set(simd, 2, 0x74, 0x75, 0x7A, 0x94, 0xEC, 0xED, 0xF0, 0xF1, 0xF2, 0xF8, 0xFC);
      simd[0xD5] = 4;
      simd[0xE3] = 5;
      simd[0xE7] = 10;
      set(simd, 4, 0xE8, 0xE9, 0xF4, 0xF9, 0xFB);
      simd[0xEF] = 14;
      simd[0xF3] = 12;
      simd[0xF5] = 5;
      simd[0xFD] = 3;
    }

    private static void set(long[] table, long cost, int... opcodes) {
      for (int op : opcodes) {
        table[op] = cost;
      }
    }

    public Builder withVersion(String version) {
      this.version = version;
      return this;
    }

    public Builder withCost(int opcode, long cost) {
      checkOpcode(opcode, 0xFB);
      single[opcode] = cost;
      return this;
    }

    public Builder withMiscCost(int subOpcode, long cost) {
      checkOpcode(subOpcode, 17);
      misc[subOpcode] = cost;
      return this;
    }

    public Builder withSimdCost(int subOpcode, long cost) {
      checkOpcode(subOpcode, 0xFF);
      simd[subOpcode] = cost;
      return this;
    }

    public Builder withFunctionEntryCost(long cost) {
      this.functionEntryCost = cost;
      return this;
    }

    public Builder withBulkCostPerUnit(long cost) {
      this.bulkCostPerUnit = cost;
      return this;
    }

    public CostTable build() {
      if (version == null || version.isBlank()) {
        throw new IllegalArgumentException("a cost table needs a version");
      }
      for (long[] table : new long[][] {single, misc, simd}) {
        for (long cost : table) {
          checkRange(cost);
        }
      }
      checkRange(functionEntryCost);
      checkRange(bulkCostPerUnit);
      for (int op : new int[] {0x0C, 0x0D, 0x0E, 0x10, 0x11, 0x12, 0x13}) {
        if (single[op] < 1) {
          throw new IllegalArgumentException("branches and calls must cost at least 1 (opcode 0x"
              + Integer.toHexString(op) + ")");
        }
      }
      if (functionEntryCost < 1) {
        throw new IllegalArgumentException("the function entry must cost at least 1");
      }
      return new CostTable(this);
    }

    private static void checkRange(long cost) {
      if (cost < 0 || cost > MAX_COST) {
        throw new IllegalArgumentException("a cost must be in [0, " + MAX_COST + "]: " + cost);
      }
    }
  }
}
