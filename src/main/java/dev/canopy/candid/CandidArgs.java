package dev.canopy.candid;

import java.util.ArrayList;
import java.util.List;

/**
 * An argument (or result) tuple: values with the types they are sent at.
 *
 * <pre>{@code
 * byte[] message = CandidArgs.builder()
 *     .add(CandidType.Prim.TEXT, CandidValue.text("hello"))
 *     .add(CandidType.Prim.NAT8, CandidValue.nat8(5))
 *     .build()
 *     .encode();
 * CandidArgs back = CandidArgs.decode(message);   // at the types it was sent with
 * }</pre>
 */
public record CandidArgs(List<CandidType> types, List<CandidValue> values) {
  public CandidArgs {
    types = List.copyOf(types);
    values = List.copyOf(values);
    if (types.size() != values.size()) {
      throw new IllegalArgumentException(types.size() + " types for " + values.size() + " values");
    }
  }

  public static final CandidArgs EMPTY = new CandidArgs(List.of(), List.of());

  public static Builder builder() {
    return new Builder();
  }

  /** Binary Candid ({@code DIDL...}). */
  public byte[] encode() {
    return CandidEncoder.encode(types, values);
  }

  /** Decodes a message at the types it carries. */
  public static CandidArgs decode(byte[] message) {
    return decode(message, DecodeLimits.DEFAULT);
  }

  public static CandidArgs decode(byte[] message, DecodeLimits limits) {
    CandidDecoder.Decoded d = CandidDecoder.decode(message, limits);
    return new CandidArgs(d.types(), d.values());
  }

  /** Decodes a message at expected types, applying the spec's coercion rules. */
  public static CandidArgs decode(byte[] message, List<? extends CandidType> expected) {
    return decode(message, expected, DecodeLimits.DEFAULT);
  }

  public static CandidArgs decode(
      byte[] message, List<? extends CandidType> expected, DecodeLimits limits) {
    return new CandidArgs(
        new ArrayList<CandidType>(expected), CandidDecoder.decode(message, expected, limits));
  }

  public int size() {
    return values.size();
  }

  public CandidValue get(int index) {
    return values.get(index);
  }

  /** {@code (v1, v2)} with field names from the types. */
  @Override
  public String toString() {
    return CandidPrinter.args(values, types);
  }

  /** Collects typed arguments in order. */
  public static final class Builder {
    private final List<CandidType> types = new ArrayList<>();
    private final List<CandidValue> values = new ArrayList<>();

    public Builder add(CandidType type, CandidValue value) {
      types.add(type);
      values.add(value);
      return this;
    }

    public CandidArgs build() {
      return new CandidArgs(types, values);
    }
  }
}
