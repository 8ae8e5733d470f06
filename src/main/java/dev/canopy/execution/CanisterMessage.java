package dev.canopy.execution;

import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;

/** A message in a canister's input queue. */
public sealed interface CanisterMessage {
  /** A call from a canister (or an ingress message, see {@link Ingress}). */
  record Request(
      CanisterId sender,
      CanisterId receiver,
      String method,
      byte[] payload,
      BigInteger cycles,
      long senderCallbackId,
      long deadlineNs) implements CanisterMessage {
    public Request {
      Objects.requireNonNull(sender);
      Objects.requireNonNull(receiver);
      Objects.requireNonNull(method);
      payload = payload.clone();
      Cycles.require(cycles, "attached cycles");
    }

    @Override
    public byte[] payload() {
      return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Request r && sender.equals(r.sender) && receiver.equals(r.receiver)
          && method.equals(r.method) && Arrays.equals(payload, r.payload)
          && cycles.equals(r.cycles) && senderCallbackId == r.senderCallbackId
          && deadlineNs == r.deadlineNs;
    }

    @Override
    public int hashCode() {
      return Objects.hash(sender, receiver, method, senderCallbackId);
    }
  }

  /**
   * The answer to a request, on its way back to the canister that made it.
   *
   * @param respondent the callee (the management canister's id for its own answers)
   * @param refundCycles attached cycles the callee did not accept
   */
  record Response(
      CanisterId originator,
      Principal respondent,
      long originatorCallbackId,
      CallOutcome outcome,
      BigInteger refundCycles,
      long deadlineNs) implements CanisterMessage {
    public Response {
      Objects.requireNonNull(originator);
      Objects.requireNonNull(respondent);
      Objects.requireNonNull(outcome);
      Cycles.require(refundCycles, "refund");
    }
  }

  /** An ingress call waiting for execution. */
  record Ingress(IngressMessage message) implements CanisterMessage {
    public Ingress {
      Objects.requireNonNull(message);
    }
  }
}
