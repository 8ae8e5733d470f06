package dev.canopy.types.cbor;

import dev.canopy.types.InvalidInputException;

/** Bytes that are not CBOR we accept; {@link #reason()} says why, {@link #offset()} where. */
public final class CborDecodeException extends InvalidInputException {
  public enum Reason {
    /** The input ends inside a data item (includes empty input). */
    TRUNCATED,
    /** A complete data item is followed by more bytes. */
    TRAILING_BYTES,
    /** The input is larger than {@link CborLimits#maxSizeBytes()}. */
    TOO_LARGE,
    /** Arrays, maps or tags nest deeper than {@link CborLimits#maxDepth()}. */
    TOO_DEEP,
    /** More data items than {@link CborLimits#maxItemCount()}. */
    TOO_MANY_ITEMS,
    /** A string, array or map declares more content than the remaining input could hold. */
    LENGTH_EXCEEDS_INPUT,
    /** An indefinite-length string, array or map (or a stray break byte). */
    INDEFINITE_LENGTH,
    /** Additional information 28-30, which RFC 8949 reserves. */
    RESERVED_ADDITIONAL_INFO,
    /** A half, single or double precision float. */
    FLOAT,
    /** A simple value other than false, true and null. */
    UNSUPPORTED_SIMPLE_VALUE,
    /** A tag other than self-describe (55799, at the top) and bignums (2, 3). */
    UNKNOWN_TAG,
    /** A bignum tag around something other than a byte string. */
    INVALID_BIGNUM,
    /** A text string that is not valid UTF-8. */
    INVALID_UTF8,
    /** The same key twice in one map. */
    DUPLICATE_KEY,
    /** A map key that is not a text string, where the caller requires text keys. */
    NON_TEXT_KEY
  }

  private final Reason reason;
  private final long offset;

  public CborDecodeException(Reason reason, long offset, String message) {
    super(message + " (at byte " + offset + ")");
    this.reason = reason;
    this.offset = offset;
  }

  public Reason reason() {
    return reason;
  }

  /** The byte offset in the input where the offending item (or the problem) starts. */
  public long offset() {
    return offset;
  }
}
