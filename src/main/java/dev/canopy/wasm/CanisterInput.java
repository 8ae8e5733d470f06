package dev.canopy.wasm;

import dev.canopy.types.Principal;
import dev.canopy.types.RejectCode;
import java.math.BigInteger;
import java.util.Objects;
import java.util.Optional;

/** A message for a canister's code: a method call, an inspection, a system task or a response. */
public sealed interface CanisterInput {

  /**
   * A call of a public method.
   *
   * @param cyclesAvailable cycles attached by the caller still available in this call context
   * @param replicated whether the call runs in replicated mode (an update call or inter-canister call)
   * @param dataCertificate the certificate of the certified data, for a non-replicated query on its
   *     target canister; empty otherwise
   * @param callContextInstructions instructions already used in this call context (performance_counter 1)
   */
  record MethodCall(
      MethodKind kind,
      String method,
      byte[] argument,
      Principal caller,
      BigInteger cyclesAvailable,
      boolean replicated,
      Optional<byte[]> dataCertificate,
      long deadlineNs,
      long callContextInstructions,
      CallerInfo callerInfo)
      implements CanisterInput {
    public MethodCall {
      Objects.requireNonNull(kind);
      Objects.requireNonNull(method);
      argument = argument.clone();
      Objects.requireNonNull(caller);
      Objects.requireNonNull(dataCertificate);
      Objects.requireNonNull(callerInfo);
    }

    /** An update call without cycles, deadline or caller info. */
    public static MethodCall update(String method, byte[] argument, Principal caller) {
      return new MethodCall(MethodKind.UPDATE, method, argument, caller, BigInteger.ZERO, true,
          Optional.empty(), 0, 0, CallerInfo.NONE);
    }

    /** A non-replicated query (a query call from a user). */
    public static MethodCall query(String method, byte[] argument, Principal caller) {
      return new MethodCall(MethodKind.QUERY, method, argument, caller, BigInteger.ZERO, false,
          Optional.empty(), 0, 0, CallerInfo.NONE);
    }

    public MethodCall withCycles(BigInteger cycles) {
      return new MethodCall(kind, method, argument, caller, cycles, replicated, dataCertificate,
          deadlineNs, callContextInstructions, callerInfo);
    }

    public MethodCall withDataCertificate(byte[] certificate) {
      return new MethodCall(kind, method, argument, caller, cyclesAvailable, replicated,
          Optional.of(certificate.clone()), deadlineNs, callContextInstructions, callerInfo);
    }

    public MethodCall replicatedQuery() {
      return new MethodCall(kind, method, argument, caller, cyclesAvailable, true,
          dataCertificate, deadlineNs, callContextInstructions, callerInfo);
    }
  }

  /** Caller information attested by a canister signature; {@link #NONE} for other callers. */
  record CallerInfo(byte[] data, byte[] signer) {
    public static final CallerInfo NONE = new CallerInfo(new byte[0], new byte[0]);

    public CallerInfo {
      data = data.clone();
      signer = signer.clone();
    }
  }

  /**
   * A query method run as the transform function of an HTTP outcall (context TQ): non-replicated,
   * called by the management canister.
   */
  record HttpTransform(String method, byte[] argument) implements CanisterInput {
    public HttpTransform {
      Objects.requireNonNull(method);
      argument = argument.clone();
    }
  }

  /** {@code canister_inspect_message} for an ingress update call. */
  record InspectMessage(String method, byte[] argument, Principal caller) implements CanisterInput {
    public InspectMessage {
      argument = argument.clone();
    }
  }

  /** A heartbeat, a global timer or the low-Wasm-memory hook. */
  record SystemTask(Task task) implements CanisterInput {
    public enum Task {
      HEARTBEAT("canister_heartbeat"),
      GLOBAL_TIMER("canister_global_timer"),
      ON_LOW_WASM_MEMORY("canister_on_low_wasm_memory");

      private final String exportName;

      Task(String exportName) {
        this.exportName = exportName;
      }

      public String exportName() {
        return exportName;
      }
    }
  }

  /**
   * The response to an earlier outgoing call, to run its reply or reject callback (and the cleanup
   * if that traps).
   *
   * @param refundedCycles cycles that came back with the response (already added to the balance)
   * @param originalCaller the caller of the call context the callback belongs to
   * @param cyclesAvailable cycles still available in that call context
   * @param callContextAnswered whether the call context was already replied to or rejected
   * @param composite whether the callback belongs to a composite query
   */
  record Response(
      Callback callback,
      ResponseContent content,
      BigInteger refundedCycles,
      Principal originalCaller,
      BigInteger cyclesAvailable,
      boolean callContextAnswered,
      boolean composite,
      long deadlineNs,
      long callContextInstructions)
      implements CanisterInput {}

  /** What came back from a call. */
  sealed interface ResponseContent {
    record Reply(byte[] payload) implements ResponseContent {
      public Reply {
        payload = payload.clone();
      }
    }

    record Reject(RejectCode code, String message) implements ResponseContent {}
  }
}
