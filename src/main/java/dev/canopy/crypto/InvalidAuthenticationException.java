package dev.canopy.crypto;

import dev.canopy.types.InvalidInputException;
import java.util.OptionalInt;

/**
 * A request's authentication (sender, key, delegations, signature) is not acceptable (spec
 * "Authentication"). The message says what to fix; {@link #delegationIndex()} names the element
 * of {@code sender_delegation} at fault, when there is one.
 */
public final class InvalidAuthenticationException extends InvalidInputException {
  public enum Reason {
    /** The anonymous sender carried a key, signature or delegations. */
    ANONYMOUS_WITH_CREDENTIALS,
    /** A non-anonymous sender lacks {@code sender_pubkey} or {@code sender_sig}. */
    MISSING_CREDENTIALS,
    /** {@code sender} is not the self-authenticating principal of {@code sender_pubkey}. */
    SENDER_MISMATCH,
    /** {@code sender_pubkey} or a delegated key cannot be parsed or may not sign requests. */
    INVALID_KEY,
    TOO_MANY_DELEGATIONS,
    DELEGATION_EXPIRED,
    DELEGATION_SIGNATURE_INVALID,
    TOO_MANY_TARGETS,
    INVALID_PERMISSIONS,
    /** A key appears twice in the chain: a cycle or a self-delegation. */
    REPEATED_KEY,
    REQUEST_SIGNATURE_INVALID,
    MALFORMED_REQUEST_ID
  }

  private final Reason reason;
  private final int delegationIndex;

  public InvalidAuthenticationException(Reason reason, String message) {
    this(reason, -1, message, null);
  }

  public InvalidAuthenticationException(Reason reason, int delegationIndex, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.delegationIndex = delegationIndex;
  }

  public Reason reason() {
    return reason;
  }

  /** The 0-based index into {@code sender_delegation} of the delegation at fault, if any. */
  public OptionalInt delegationIndex() {
    return delegationIndex < 0 ? OptionalInt.empty() : OptionalInt.of(delegationIndex);
  }
}
