package dev.canopy.types.cbor;

import dev.canopy.types.InvalidInputException;

/**
 * A well-formed CBOR value does not have the shape the caller expects: a required field is
 * missing, or a field has the wrong kind or an out-of-range value. {@link #field()} names it.
 */
public final class CborFieldException extends InvalidInputException {
  public enum Reason {
    MISSING_FIELD,
    WRONG_TYPE,
    OUT_OF_RANGE
  }

  private final Reason reason;
  private final String field;

  public CborFieldException(Reason reason, String field, String message) {
    super(message);
    this.reason = reason;
    this.field = field;
  }

  static CborFieldException missing(String field) {
    return new CborFieldException(
        Reason.MISSING_FIELD, field, "required field '" + field + "' is missing");
  }

  static CborFieldException wrongType(String field, String expected, CborValue found) {
    return new CborFieldException(
        Reason.WRONG_TYPE,
        field,
        "field '" + field + "' must be " + expected + ", got " + found.kindName());
  }

  public Reason reason() {
    return reason;
  }

  public String field() {
    return field;
  }
}
