package dev.canopy.ingress;

import dev.canopy.types.InvalidInputException;

/**
 * A request that the HTTP interface answers with a 4xx status and a plain-text message: it is
 * malformed, too large, not authenticated, outside the expiry window or sent to the wrong place.
 * {@link #httpStatus()} is the status to answer; {@link #getMessage()} the body.
 *
 * <p>Note: where the spec instead says a call is <em>rejected</em> (a management method that
 * users may not call, say), the validator returns a {@link NonReplicatedRejection}, which the
 * routes answer with 200 and a CBOR reject body ("HTTPS Interface › Request: Call").
 */
public final class IngressRejection extends InvalidInputException {
  /** Why a request was refused; each reason fixes the HTTP status. */
  public enum Reason {
    /** Not CBOR, not a map, a field missing or of the wrong kind, or an invalid value. */
    MALFORMED(400),
    /** The body exceeds the configured limit. */
    TOO_LARGE(413),
    /** {@code request_type} does not match the endpoint. */
    WRONG_REQUEST_TYPE(400),
    /** {@code nonce} longer than 32 bytes. */
    NONCE_TOO_LONG(400),
    /** More than 1000 read_state paths. */
    TOO_MANY_PATHS(400),
    /** A read_state path with more than 127 labels. */
    PATH_TOO_LONG(400),
    /**
     * {@code ingress_expiry} outside {@code [now, now + 5 min + 30 s]}. Note: 400 with the text
     * "Invalid request expiry: …", which agents recognise to resynchronise their clock.
     */
    INVALID_EXPIRY(400),
    /** Signature, key, sender or delegation chain not valid. */
    AUTHENTICATION(403),
    /** The delegation chain's targets do not include the canister called. */
    DELEGATION_TARGETS(403),
    /** A delegation with {@code permissions: "queries"} used for {@code /call}. */
    QUERIES_ONLY(403),
    /** The effective canister id in the URL does not match the request. */
    EFFECTIVE_CANISTER_ID_MISMATCH(400),
    /** The effective canister id lies outside every canister range of this subnet. */
    EFFECTIVE_CANISTER_ID_NOT_HOSTED(400),
    /** A subnet endpoint names another subnet, or a request that endpoint does not serve. */
    EFFECTIVE_SUBNET_ID(400),
    /** The ingress pool is at its message or byte bound; the client should retry later. */
    OVERLOADED(503);

    private final int httpStatus;

    Reason(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Reason reason;

  public IngressRejection(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public IngressRejection(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  public int httpStatus() {
    return reason.httpStatus();
  }
}
