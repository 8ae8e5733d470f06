package dev.canopy.agent;

import dev.canopy.types.CanopyException;
import java.util.Optional;

/**
 * A call or query that the system or the canister rejected (spec "Reject codes", "Error codes"):
 * the reject code, the error code when the node sent one, and the reject message, which for a
 * canister reject is the canister's own text.
 */
public final class AgentReject extends CanopyException {
  private final int rejectCode;
  private final Optional<String> errorCode;
  private final String rejectMessage;

  public AgentReject(int rejectCode, Optional<String> errorCode, String rejectMessage) {
    super(describe(rejectCode, errorCode, rejectMessage));
    this.rejectCode = rejectCode;
    this.errorCode = errorCode;
    this.rejectMessage = rejectMessage;
  }

  public int rejectCode() {
    return rejectCode;
  }

  public Optional<String> errorCode() {
    return errorCode;
  }

  public String rejectMessage() {
    return rejectMessage;
  }

  /** The name of the reject code as the spec lists it, e.g. {@code CANISTER_ERROR}. */
  public String rejectCodeName() {
    return switch (rejectCode) {
      case 1 -> "SYS_FATAL";
      case 2 -> "SYS_TRANSIENT";
      case 3 -> "DESTINATION_INVALID";
      case 4 -> "CANISTER_REJECT";
      case 5 -> "CANISTER_ERROR";
      case 6 -> "SYS_UNKNOWN";
      default -> "unknown";
    };
  }

  private static String describe(int code, Optional<String> errorCode, String message) {
    return "rejected (reject code " + code + ", error code " + errorCode.orElse("none") + "): "
        + message;
  }
}
