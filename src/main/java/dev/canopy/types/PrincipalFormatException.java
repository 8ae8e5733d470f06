package dev.canopy.types;

/** The textual or binary form of a principal is not valid; {@link #reason()} says why. */
public final class PrincipalFormatException extends InvalidInputException {
  public enum Reason {
    TOO_LONG,
    TOO_SHORT,
    BAD_CHARACTER,
    BAD_GROUPING,
    BAD_CHECKSUM,
    NOT_CANONICAL
  }

  private final Reason reason;

  public PrincipalFormatException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
