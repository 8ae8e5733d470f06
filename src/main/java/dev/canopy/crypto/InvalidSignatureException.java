package dev.canopy.crypto;

import dev.canopy.types.InvalidInputException;

/** A signature that is malformed or does not verify under the given key and message. */
public final class InvalidSignatureException extends InvalidInputException {
  public enum Reason {
    /** Wrong length or not a valid encoding (e.g. a BLS point not on the curve). */
    MALFORMED,
    /** Well-formed, but not a signature of this message by this key. */
    DOES_NOT_VERIFY,
    /** The key's scheme may not be used here (e.g. a BLS key signing a request). */
    WRONG_SCHEME,
    /**
     * The verifier lacks what the scheme needs (a canister signature without a root key to check
     * its certificate against).
     */
    UNVERIFIABLE
  }

  private final Reason reason;

  public InvalidSignatureException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public InvalidSignatureException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
