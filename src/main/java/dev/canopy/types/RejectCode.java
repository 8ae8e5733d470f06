package dev.canopy.types;

/** The reject codes of the Internet Computer interface (spec "Reject codes"). */
public enum RejectCode {
  SYS_FATAL(1),
  SYS_TRANSIENT(2),
  DESTINATION_INVALID(3),
  /** Only for an explicit {@code ic0.msg_reject}. */
  CANISTER_REJECT(4),
  /** A trap, a missing reply, a stopped or stopping canister. */
  CANISTER_ERROR(5),
  /** Only for bounded-wait calls. */
  SYS_UNKNOWN(6);

  private final int code;

  RejectCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The reject code with this number; throws an {@link InvalidInputException} for others. */
  public static RejectCode fromCode(int code) {
    for (RejectCode r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    throw new InvalidInputException("unknown reject code " + code);
  }
}
