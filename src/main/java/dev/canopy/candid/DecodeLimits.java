package dev.canopy.candid;

/**
 * Limits that keep decoding linear in the input with bounded memory (spec "Deserialisation": an
 * implementation should self-meter).
 *
 * <p>The cost of a decode is one unit per value read or skipped (a blob counts once). The budget
 * is {@code baseCostUnits + costUnitsPerInputByte * inputLength}, so a short message that claims
 * a billion zero-sized values (spec test "spacebomb"), or a value nested without end, is refused
 * after a bounded amount of work, while large honest messages get a budget proportional to their
 * size.
 *
 * @param maxInputBytes the largest message accepted
 * @param maxTypeTableEntries the largest type table accepted
 * @param maxDepth the deepest nesting of values followed: the number of composite values (opt,
 *     vec, record, variant) open at once while reading or skipping, kept on the heap
 * @param baseCostUnits the decoding budget every message gets
 * @param costUnitsPerInputByte the decoding budget added per input byte
 */
public record DecodeLimits(
    int maxInputBytes,
    int maxTypeTableEntries,
    int maxDepth,
    long baseCostUnits,
    long costUnitsPerInputByte) {

  /**
   * Generous for Internet Computer messages (at most a few MiB), tight for bombs.
   *
   * <p>Note: the decoder keeps open values on a heap stack, not the Java stack, so no limit here
   * depends on a thread's stack size (which differs between replicas). The depth limit bounds
   * that stack's memory (an object or two per level, estimated at about 100 bytes, so some tens
   * of MiB at the limit) for values
   * that nest without consuming input, such as {@code type T = record { T }}: a recursive list
   * ({@code opt record { head; tail }}) opens two levels per element, so lists of a quarter of a
   * million elements decode. The cost budget, not the depth, bounds the work.
   */
  public static final DecodeLimits DEFAULT =
      new DecodeLimits(16 << 20, 10_000, 1 << 19, 1 << 18, 8);

  public DecodeLimits {
    if (maxInputBytes < 4 || maxTypeTableEntries < 0 || maxDepth < 1 || baseCostUnits < 0
        || costUnitsPerInputByte < 0) {
      throw new IllegalArgumentException("decode limits must be positive");
    }
  }

  /** The decoding budget for an input of this length. */
  public long costBudgetFor(int inputLength) {
    return baseCostUnits + costUnitsPerInputByte * inputLength;
  }

  public static Builder builder() {
    return new Builder(DEFAULT);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Builds limits starting from {@link #DEFAULT}. */
  public static final class Builder {
    private int maxInputBytes;
    private int maxTypeTableEntries;
    private int maxDepth;
    private long baseCostUnits;
    private long costUnitsPerInputByte;

    private Builder(DecodeLimits from) {
      maxInputBytes = from.maxInputBytes;
      maxTypeTableEntries = from.maxTypeTableEntries;
      maxDepth = from.maxDepth;
      baseCostUnits = from.baseCostUnits;
      costUnitsPerInputByte = from.costUnitsPerInputByte;
    }

    public Builder maxInputBytes(int v) {
      maxInputBytes = v;
      return this;
    }

    public Builder maxTypeTableEntries(int v) {
      maxTypeTableEntries = v;
      return this;
    }

    public Builder maxDepth(int v) {
      maxDepth = v;
      return this;
    }

    public Builder baseCostUnits(long v) {
      baseCostUnits = v;
      return this;
    }

    public Builder costUnitsPerInputByte(long v) {
      costUnitsPerInputByte = v;
      return this;
    }

    public DecodeLimits build() {
      return new DecodeLimits(
          maxInputBytes, maxTypeTableEntries, maxDepth, baseCostUnits, costUnitsPerInputByte);
    }
  }
}
