package dev.canopy.candid;

import dev.canopy.types.InvalidInputException;

/**
 * Binary Candid that cannot be decoded at the expected types: malformed, over a limit, or not
 * coercible. The message says what is wrong and at which byte offset.
 */
public final class CandidDecodeException extends InvalidInputException {
  private final int offset;

  public CandidDecodeException(int offset, String message) {
    super(message + " (at byte offset " + offset + ")");
    this.offset = offset;
  }

  public CandidDecodeException(int offset, String message, Throwable cause) {
    super(message + " (at byte offset " + offset + ")", cause);
    this.offset = offset;
  }

  /** The byte offset in the input where the problem was found. */
  public int offset() {
    return offset;
  }
}
