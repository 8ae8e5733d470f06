package dev.canopy.execution.management;

import dev.canopy.types.ErrorCode;
import dev.canopy.types.InvalidInputException;
import java.util.Objects;

/**
 * A call to {@code aaaaa-aa} that the management canister refuses: the IC error code (whose
 * leading digit is the reject code) and a message a person can act on. Thrown inside the method
 * implementations and turned into a reject response at the method boundary.
 */
public final class ManagementReject extends InvalidInputException {
  private final ErrorCode code;

  public ManagementReject(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }

  static ManagementReject canisterNotFound(Object canisterId) {
    return new ManagementReject(ErrorCode.CANISTER_NOT_FOUND, "Canister " + canisterId
        + " not found.");
  }

  static ManagementReject invalidPayload(String message) {
    return new ManagementReject(ErrorCode.INVALID_MANAGEMENT_PAYLOAD, message);
  }

  static ManagementReject contractViolation(String message) {
    return new ManagementReject(ErrorCode.CANISTER_CONTRACT_VIOLATION, message);
  }
}
