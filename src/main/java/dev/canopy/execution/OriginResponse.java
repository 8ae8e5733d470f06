package dev.canopy.execution;

import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.Objects;

/**
 * An answer for a call origin that the round executor delivers: to the request status history for
 * ingress, as a response message for a canister caller, nowhere for a system task.
 *
 * @param respondent the canister (or the management canister) that answers
 */
public record OriginResponse(
    CallOrigin origin, Principal respondent, CallOutcome outcome, BigInteger refundCycles) {
  public OriginResponse {
    Objects.requireNonNull(origin);
    Objects.requireNonNull(respondent);
    Objects.requireNonNull(outcome);
    Cycles.require(refundCycles, "refund");
  }
}
