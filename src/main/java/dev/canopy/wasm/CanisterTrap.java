package dev.canopy.wasm;

import dev.canopy.types.ErrorCode;

/**
 * Thrown by the System API (and the meter) to end an execution with a trap. Carries the IC error
 * code; it has no stack trace because it is an expected outcome, not a bug.
 */
final class CanisterTrap extends RuntimeException {
  private final ErrorCode code;

  CanisterTrap(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  ErrorCode code() {
    return code;
  }

  static CanisterTrap contractViolation(String message) {
    return new CanisterTrap(
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "Canister violated contract: " + message);
  }
}
