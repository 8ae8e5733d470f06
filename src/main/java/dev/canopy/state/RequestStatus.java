package dev.canopy.state;

import dev.canopy.types.Hex;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The status of a call as the state tree shows it at {@code /request_status/<rid>/status} (spec
 * "Overview of canister calling", "Request status").
 */
public sealed interface RequestStatus
    permits RequestStatus.Received,
        RequestStatus.Processing,
        RequestStatus.Replied,
        RequestStatus.Rejected,
        RequestStatus.Done {
  Received RECEIVED = new Received();
  Processing PROCESSING = new Processing();
  Done DONE = new Done();

  /** The text at {@code /request_status/<rid>/status}. */
  String label();

  /** Replied or rejected: the call has an outcome a client can still read. */
  default boolean isTerminalWithOutcome() {
    return this instanceof Replied || this instanceof Rejected;
  }

  /** Bytes this status holds beyond an entry's fixed part (reply, reject message, error code). */
  default long payloadBytes() {
    return 0;
  }

  record Received() implements RequestStatus {
    @Override
    public String label() {
      return "received";
    }
  }

  record Processing() implements RequestStatus {
    @Override
    public String label() {
      return "processing";
    }
  }

  /** The call was answered with {@code reply} (the Candid bytes of the reply). */
  record Replied(byte[] reply) implements RequestStatus {
    public Replied {
      reply = reply.clone();
    }

    @Override
    public byte[] reply() {
      return reply.clone();
    }

    byte[] rawReply() {
      return reply;
    }

    @Override
    public String label() {
      return "replied";
    }

    @Override
    public long payloadBytes() {
      return reply.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Replied r && Arrays.equals(reply, r.reply);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(reply);
    }

    @Override
    public String toString() {
      return "Replied(" + (reply.length <= 64 ? Hex.encode(reply) : reply.length + " bytes") + ")";
    }
  }

  /**
   * The call was rejected with a reject code (spec "Reject codes", 1-6), a message, and maybe an
   * implementation error code such as {@code IC0503}.
   */
  record Rejected(int rejectCode, String message, Optional<String> errorCode)
      implements RequestStatus {
    public static final int MIN_REJECT_CODE = 1;
    public static final int MAX_REJECT_CODE = 6;

    public Rejected {
      if (rejectCode < MIN_REJECT_CODE || rejectCode > MAX_REJECT_CODE) {
        throw new IllegalArgumentException(
            "reject codes are " + MIN_REJECT_CODE + "-" + MAX_REJECT_CODE + ", got " + rejectCode);
      }
      Objects.requireNonNull(message, "message");
      Objects.requireNonNull(errorCode, "errorCode");
    }

    @Override
    public String label() {
      return "rejected";
    }

    @Override
    public long payloadBytes() {
      return utf8Length(message) + errorCode.map(RequestStatus::utf8Length).orElse(0);
    }
  }

  /** The outcome was forgotten (spec: "the IC can forget the response data and only remember the call as done"). */
  record Done() implements RequestStatus {
    @Override
    public String label() {
      return "done";
    }
  }

  private static int utf8Length(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }
}
