package dev.canopy.state;

import dev.canopy.types.InvalidInputException;

/**
 * A read_state request asks for a path it may not read. The spec leaves the response undefined
 * ("Request: Read state"); the HTTP status follows the reference replica, so that clients see
 * what they would see on the Internet Computer.
 */
public final class ReadStateAccessException extends InvalidInputException {
  public enum Reason {
    /** Not a path that can be requested at this endpoint (reference: 404 "Invalid path requested."). */
    INVALID_PATH(404),
    /** Too many paths or labels, a request id that is not 32 bytes, a label that is not a principal or not UTF-8. */
    MALFORMED(400),
    /** request_status paths name two request ids, or canister_ranges paths two subnets. */
    MIXED_IDS(400),
    /** A canister path names a canister other than the effective canister id. */
    EFFECTIVE_ID_MISMATCH(400),
    /** The request status belongs to another sender or endpoint, a private section to the controllers, or the canister is outside the delegation targets. */
    FORBIDDEN(403);

    private final int httpStatus;

    Reason(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Reason reason;

  public ReadStateAccessException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** The HTTP status to answer with. */
  public int httpStatus() {
    return reason.httpStatus();
  }
}
