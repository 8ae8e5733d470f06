package dev.canopy.crypto.dkg;

import dev.canopy.types.InvalidInputException;

/**
 * A DKG artifact (dealing, complaint) or request that the protocol rejects; {@link #reason()}
 * says why, the message says what to look at.
 */
public final class DkgException extends InvalidInputException {
  public enum Reason {
    /** The bytes are not the canonical CBOR of a dealing or complaint. */
    MALFORMED,
    /** The configuration itself is unusable (counts, threshold, lengths). */
    BAD_CONFIG,
    /** The artifact belongs to another DKG instance. */
    WRONG_INSTANCE,
    /** A dealer or receiver index outside the configuration. */
    INDEX_OUT_OF_RANGE,
    /** Commitment or share count does not match the configuration. */
    WRONG_SHAPE,
    /** A group element that is not a valid point of the prime-order subgroup (or is the identity). */
    INVALID_POINT,
    /** The dealer's signature does not verify under its node key. */
    BAD_SIGNATURE,
    /** A resharing dealing whose constant term is not the dealer's previous public key share. */
    RESHARING_MISMATCH,
    /** The share addressed to a receiver does not match the dealer's commitments. */
    BAD_SHARE,
    /** A complaint that does not prove the dealer's misbehaviour. */
    INVALID_COMPLAINT,
    /** A dealer signed two different dealings for one instance. */
    EQUIVOCATION,
    /** Fewer acceptable dealings than the transcript needs. */
    TOO_FEW_DEALINGS,
    /** A key that does not belong where it is used (wrong receiver, wrong previous share). */
    WRONG_KEY
  }

  private final Reason reason;

  public DkgException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public DkgException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
