package dev.canopy.ingress;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The system refuses a call before it enters the subnet (spec "Request: Call": "a non-replicated
 * pre-processing error"). The routes answer 200 with {@code {reject_code, reject_message,
 * error_code}} at {@code /api/v2/.../call}, and with {@code status: "non_replicated_rejection"}
 * added at {@code /api/v3|v4/.../call}.
 *
 * @param rejectCode the spec's reject code, 1..6 ("Reject codes")
 * @param errorCode an implementation error code such as {@code IC0406}
 * @param message a message a person can act on
 */
public record NonReplicatedRejection(int rejectCode, String errorCode, String message) {
  public static final int CANISTER_REJECT = 4;
  public static final int CANISTER_ERROR = 5;
  /** Users may not call this management method ({@code CanisterRejectedMessage}). */
  public static final String CANISTER_REJECTED_MESSAGE = "IC0406";
  /** The management method's argument has no usable target ({@code InvalidManagementPayload}). */
  public static final String INVALID_MANAGEMENT_PAYLOAD = "IC0408";
  /** The management canister has no such method ({@code CanisterMethodNotFound}). */
  public static final String METHOD_NOT_FOUND = "IC0536";

  private static final Pattern ERROR_CODE = Pattern.compile("IC[0-9]{4}");

  public NonReplicatedRejection {
    if (rejectCode < 1 || rejectCode > 6) {
      throw new IllegalArgumentException("reject codes are 1..6: " + rejectCode);
    }
    if (!ERROR_CODE.matcher(Objects.requireNonNull(errorCode, "errorCode")).matches()) {
      throw new IllegalArgumentException("error codes look like IC0406: " + errorCode);
    }
    // In the reference replica the error number's hundreds digit is the reject code (IC0406: 4).
    if (Integer.parseInt(errorCode.substring(2)) / 100 != rejectCode) {
      throw new IllegalArgumentException(errorCode + " does not belong to reject code " + rejectCode);
    }
    Objects.requireNonNull(message, "message");
  }
}
