package dev.canopy.execution;

import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import java.util.Objects;

/** Who is waiting for the answer of a call (spec "Call contexts": the origin of a context). */
public sealed interface CallOrigin {
  /** The principal the callee sees as {@code msg_caller}. */
  Principal caller();

  /** An ingress message: its answer goes to the request status history. */
  record Ingress(RequestId requestId, Principal sender) implements CallOrigin {
    public Ingress {
      Objects.requireNonNull(requestId);
      Objects.requireNonNull(sender);
    }

    @Override
    public Principal caller() {
      return sender;
    }
  }

  /** A call from a canister on this subnet: its answer is a response to that callback. */
  record Canister(CanisterId callerId, long callbackId) implements CallOrigin {
    public Canister {
      Objects.requireNonNull(callerId);
    }

    @Override
    public Principal caller() {
      return callerId.principal();
    }
  }

  /** A heartbeat, a global timer or the low-memory hook: nobody waits for an answer. */
  record SystemTask() implements CallOrigin {
    @Override
    public Principal caller() {
      return Principal.MANAGEMENT_CANISTER;
    }
  }

  CallOrigin SYSTEM_TASK = new SystemTask();
}
