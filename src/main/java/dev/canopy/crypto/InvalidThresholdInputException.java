package dev.canopy.crypto;

import dev.canopy.types.InvalidInputException;

/** Shares or parameters that threshold BLS cannot work with (duplicate or out-of-range indices, too few shares). */
public final class InvalidThresholdInputException extends InvalidInputException {
  public enum Reason {
    BAD_PARAMETERS,
    INDEX_OUT_OF_RANGE,
    DUPLICATE_INDEX,
    TOO_FEW_SHARES
  }

  private final Reason reason;

  public InvalidThresholdInputException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
