package dev.canopy.crypto;

import dev.canopy.types.InvalidInputException;
import java.util.Optional;

/** A DER public key that is malformed, of an unsupported scheme, or not a valid point. */
public final class InvalidPublicKeyException extends InvalidInputException {
  public enum Reason {
    /** Not well-formed DER SubjectPublicKeyInfo. */
    MALFORMED,
    /** Well-formed, but a scheme or curve this replica does not accept (yet). */
    UNSUPPORTED_ALGORITHM,
    /** The key bytes are not a valid point of the curve (or of its prime-order subgroup). */
    INVALID_POINT,
    /** A valid key, but not in the one encoding the spec allows (e.g. a compressed point). */
    NOT_CANONICAL
  }

  private final Reason reason;
  private final String algorithmOid;

  public InvalidPublicKeyException(Reason reason, String algorithmOid, String message) {
    super(message);
    this.reason = reason;
    this.algorithmOid = algorithmOid;
  }

  public Reason reason() {
    return reason;
  }

  /** The algorithm OID that the key declared, if it got that far. */
  public Optional<String> algorithmOid() {
    return Optional.ofNullable(algorithmOid);
  }
}
