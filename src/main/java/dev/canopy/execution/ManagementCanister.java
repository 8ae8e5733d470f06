package dev.canopy.execution;

/**
 * The management canister {@code aaaaa-aa}: the round executor hands it every call addressed to
 * {@code aaaaa-aa}, from ingress and from canisters, in a deterministic order, and applies what it
 * returns.
 *
 * <p>Contract: pure in the state and context given (no clock, no I/O, no unseeded randomness);
 * never throws for bad input (a malformed argument is a reject with {@code
 * INVALID_MANAGEMENT_PAYLOAD}); charges any cycles it takes itself in the returned state. The
 * executor then: delivers the answer (reply or reject, with {@code refundCycles}) to the call's
 * origin, delivers {@code otherResponses}, and answers the pending stop_canister calls of every
 * canister that is stopping and has no open call contexts left (marking it stopped).
 */
@FunctionalInterface
public interface ManagementCanister {
  ManagementOutcome execute(ReplicatedState state, ManagementCall call, ManagementContext context);

  /**
   * A non-replicated call to {@code aaaaa-aa} (a user's query, or a composite query's call): reads
   * {@code state} only. By default no method is callable this way.
   */
  default CallOutcome query(ReplicatedState state, dev.canopy.types.Principal caller, String method,
      byte[] argument, CyclesFees fees) {
    return CallOutcome.reject(dev.canopy.types.ErrorCode.CANISTER_METHOD_NOT_FOUND,
        "Management canister method '" + method + "' cannot be called from a query");
  }

  /** A management canister that knows no method: each call is rejected, cycles refunded. */
  ManagementCanister UNSUPPORTED = (state, call, context) -> unsupported(state, call);

  /** The answer for a method this implementation does not provide. */
  static ManagementOutcome unsupported(ReplicatedState state, ManagementCall call) {
    return ManagementOutcome.reject(state, dev.canopy.types.ErrorCode.UNKNOWN_MANAGEMENT_MESSAGE,
        "Management canister has no method '" + call.method() + "'", call.cycles());
  }
}
