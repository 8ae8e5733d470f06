package dev.canopy.execution;

import dev.canopy.types.ErrorCode;
import dev.canopy.types.RejectCode;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/** The answer to a call: a reply with bytes, or a reject (spec "Responses", "Reject codes"). */
public sealed interface CallOutcome {
  record Reply(byte[] payload) implements CallOutcome {
    public Reply {
      payload = payload.clone();
    }

    @Override
    public byte[] payload() {
      return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Reply r && Arrays.equals(payload, r.payload);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
      return "Reply(" + payload.length + " bytes)";
    }
  }

  /** A reject; {@code errorCode} is shown to ingress senders, never to canisters. */
  record Reject(RejectCode code, String message, Optional<ErrorCode> errorCode)
      implements CallOutcome {
    public Reject {
      Objects.requireNonNull(code);
      Objects.requireNonNull(message);
      Objects.requireNonNull(errorCode);
    }
  }

  static Reply reply(byte[] payload) {
    return new Reply(payload);
  }

  /** A reject with an IC error code and the reject code it implies. */
  static Reject reject(ErrorCode code, String message) {
    return new Reject(code.rejectCode(), message, Optional.of(code));
  }

  /** An explicit {@code msg_reject} of a canister. */
  static Reject canisterReject(String message) {
    return new Reject(RejectCode.CANISTER_REJECT, message, Optional.of(ErrorCode.CANISTER_REJECTED_MESSAGE));
  }
}
