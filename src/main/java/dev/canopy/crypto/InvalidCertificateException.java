package dev.canopy.crypto;

import dev.canopy.types.InvalidInputException;

/** A certificate that a client must not trust (spec "Certification", "Delegation"). */
public final class InvalidCertificateException extends InvalidInputException {
  public enum Reason {
    /** Not a certificate, or a delegation or value in it that cannot be decoded. */
    MALFORMED,
    /** The BLS signature (of the certificate or of its delegation) does not verify. */
    BAD_SIGNATURE,
    /** The delegation's certificate itself carries a delegation. */
    NESTED_DELEGATION,
    /** The delegation does not reveal the subnet's public key (or it is not a BLS key). */
    MISSING_SUBNET_KEY,
    /** The delegation does not reveal the subnet's canister ranges, or they miss the canister. */
    CANISTER_NOT_IN_RANGES,
    /** The delegation is for another subnet than the effective subnet id. */
    SUBNET_MISMATCH,
    /** The certificate does not reveal {@code /time}. */
    MISSING_TIME,
    /** {@code /time} is further from the verifier's clock than the allowed skew. */
    STALE_OR_FUTURE_TIME
  }

  private final Reason reason;

  public InvalidCertificateException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public InvalidCertificateException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
