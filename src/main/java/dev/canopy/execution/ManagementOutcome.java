package dev.canopy.execution;

import dev.canopy.types.ErrorCode;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a management canister call did: the new state, and the answer to the call, or no answer yet
 * ({@link #pending}: stop_canister waits for the canister to stop; the round executor answers it
 * then, from {@link RunStatus.Stopping#pendingStops()}).
 *
 * @param refundCycles the attached cycles that go back to a canister caller with the answer
 * @param otherResponses answers to other calls the change settled, e.g. pending stop_canister calls
 *     that start_canister cancels, or calls that uninstall_code rejects
 */
public record ManagementOutcome(
    ReplicatedState state,
    Optional<CallOutcome> outcome,
    BigInteger refundCycles,
    List<OriginResponse> otherResponses) {
  public ManagementOutcome {
    Objects.requireNonNull(state);
    Objects.requireNonNull(outcome);
    Cycles.require(refundCycles, "refund");
    otherResponses = List.copyOf(otherResponses);
  }

  public static ManagementOutcome reply(ReplicatedState state, byte[] candidReply,
      BigInteger refundCycles) {
    return new ManagementOutcome(state, Optional.of(CallOutcome.reply(candidReply)), refundCycles,
        List.of());
  }

  /** A reject; {@code refundCycles} is usually all the attached cycles. */
  public static ManagementOutcome reject(ReplicatedState state, ErrorCode code, String message,
      BigInteger refundCycles) {
    return new ManagementOutcome(state, Optional.of(CallOutcome.reject(code, message)),
        refundCycles, List.of());
  }

  /** No answer yet; the call's origin must be kept in the state (e.g. in a pending stop). */
  public static ManagementOutcome pending(ReplicatedState state) {
    return new ManagementOutcome(state, Optional.empty(), BigInteger.ZERO, List.of());
  }

  public ManagementOutcome withOtherResponses(List<OriginResponse> responses) {
    return new ManagementOutcome(state, outcome, refundCycles, responses);
  }
}
