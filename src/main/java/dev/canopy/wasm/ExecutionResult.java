package dev.canopy.wasm;

import dev.canopy.types.ErrorCode;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one execution did. On a trap, {@link #state()} is the state it started from (or the state
 * after a successful cleanup callback) and every effect is dropped: no response, no calls, no
 * cycles moved. Logs are kept either way. A non-replicated query, a message inspection and an HTTP
 * transform never change the state (spec: their changes are discarded, and they cannot call other
 * canisters), so their {@link #state()} is always the state they started from.
 *
 * @param instructionsUsed instructions the execution (and a cleanup) used, as the counter measured
 * @param cyclesAccepted cycles moved from the call context to the balance
 * @param cyclesBurned cycles burned with {@code cycles_burn128}
 * @param balanceCycles the balance the canister saw at the end (after accepted, burned, and
 *     cycles attached or reserved for calls)
 * @param messageAccepted for {@code canister_inspect_message}: whether it called accept_message
 */
public record ExecutionResult(
    CanisterState state,
    Optional<Trap> trap,
    Optional<CallResponse> response,
    List<OutgoingCall> calls,
    long instructionsUsed,
    List<LogRecord> logs,
    BigInteger cyclesAccepted,
    BigInteger cyclesBurned,
    BigInteger balanceCycles,
    boolean messageAccepted,
    Optional<Trap> cleanupTrap) {

  public ExecutionResult {
    calls = List.copyOf(calls);
    logs = List.copyOf(logs);
  }

  public boolean trapped() {
    return trap.isPresent();
  }

  /** Why an execution trapped, with the IC error code. */
  public record Trap(ErrorCode code, String message) {}

  /** The answer to the call context. */
  public sealed interface CallResponse {
    /** The call was replied to; {@code refundCycles} go back to the caller. */
    record Reply(byte[] payload, BigInteger refundCycles) implements CallResponse {
      public Reply {
        payload = payload.clone();
      }
    }

    /** The call was rejected with {@code CANISTER_REJECT}. */
    record Reject(String message, BigInteger refundCycles) implements CallResponse {}
  }

  /** A call queued by {@code call_perform}; sent only because the execution did not trap. */
  public record OutgoingCall(
      Principal callee,
      String method,
      byte[] payload,
      BigInteger cycles,
      BigInteger reservedCycles,
      Callback callback,
      OptionalInt timeoutSeconds) {
    public OutgoingCall {
      payload = payload.clone();
    }
  }

  /** A line of the canister log, from {@code debug_print} or a trap. */
  public record LogRecord(long timeNs, byte[] content) {
    public LogRecord {
      content = content.clone();
    }

    public String text() {
      return new String(content, java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
