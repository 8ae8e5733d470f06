package dev.canopy.execution;

import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Principal;
import dev.canopy.wasm.CanisterInput;
import dev.canopy.wasm.CanisterInput.CallerInfo;
import dev.canopy.wasm.CanisterInput.ResponseContent;
import dev.canopy.wasm.CanisterState;
import dev.canopy.wasm.ExecutionResult;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.ExecutionResult.OutgoingCall;
import dev.canopy.wasm.MethodKind;
import dev.canopy.wasm.WasmEngine;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs non-replicated queries against a state snapshot (spec "Query call", {@code
 * composite_query_helper}): the snapshot never changes, and every change a query makes is
 * dropped. A composite query may call query methods of canisters on this subnet, one call at a
 * time; those calls nest at most {@link Limits#maxCallDepth()} deep and all executions of one query
 * share {@link Limits#maxInstructionsTotal()}.
 *
 * <p>Thread-safe: it holds no state of its own; queries may run in parallel with each other and
 * with rounds (which build new states and leave snapshots alone).
 */
public final class QueryExecutor {
  private final WasmEngine engine;
  private final EnvironmentFactory environments;
  private final CyclesFees fees;
  private final Limits limits;
  private final ManagementCanister management;

  /**
   * Bounds of one query.
   *
   * @param maxCallDepth nesting of composite query calls (the queried canister is depth 0)
   * @param maxInstructionsTotal instructions of all executions of one query together
   */
  public record Limits(int maxCallDepth, long maxInstructionsTotal) {
    public Limits {
      if (maxCallDepth < 0 || maxInstructionsTotal <= 0) {
        throw new IllegalArgumentException("query limits must be positive");
      }
    }

    /** Depth 6 and 5 billion instructions, as on the Internet Computer. */
    public static Limits defaults() {
      return new Limits(6, 5_000_000_000L);
    }
  }

  /**
   * A query as a user sent it.
   *
   * @param dataCertificate the certificate of the canister's certified data, from the latest
   *     certified state; shown to the queried canister only
   */
  public record Query(Principal sender, CanisterId canisterId, String method, byte[] argument,
      Optional<byte[]> dataCertificate) {
    public Query {
      Objects.requireNonNull(sender);
      Objects.requireNonNull(canisterId);
      Objects.requireNonNull(method);
      argument = argument.clone();
      dataCertificate = dataCertificate.map(byte[]::clone);
    }

    @Override
    public byte[] argument() {
      return argument.clone();
    }
  }

  /** The answer and the instructions all executions used. */
  public record QueryResult(CallOutcome outcome, long instructionsUsed) {}

  public QueryExecutor(WasmEngine engine, CyclesFees fees, byte[] rootKeyDer, Limits limits) {
    this(engine, fees, rootKeyDer, limits, ManagementCanister.UNSUPPORTED);
  }

  /** With {@code management} answering the query methods of {@code aaaaa-aa}. */
  public QueryExecutor(WasmEngine engine, CyclesFees fees, byte[] rootKeyDer, Limits limits,
      ManagementCanister management) {
    this.management = Objects.requireNonNull(management);
    this.engine = Objects.requireNonNull(engine);
    this.fees = Objects.requireNonNull(fees);
    this.environments = new EnvironmentFactory(fees, rootKeyDer);
    this.limits = Objects.requireNonNull(limits);
  }

  public QueryResult query(ReplicatedState snapshot, Query q) {
    Evaluation ev = new Evaluation(snapshot);
    CallOutcome outcome = ev.call(q.sender(), q.canisterId().principal(), q.method(),
        q.argument(), 0, q.dataCertificate());
    return new QueryResult(outcome, ev.instructions);
  }

  /**
   * An ingress call to inspect before it enters the ingress pool.
   *
   * @param sender the call's sender, the caller {@code canister_inspect_message} sees
   */
  public record Inspection(Principal sender, CanisterId canisterId, String method,
      byte[] argument) {
    public Inspection {
      Objects.requireNonNull(sender);
      Objects.requireNonNull(canisterId);
      Objects.requireNonNull(method);
      argument = argument.clone();
    }

    @Override
    public byte[] argument() {
      return argument.clone();
    }
  }

  /**
   * Runs {@code canister_inspect_message} of the call's target, non-replicated, on {@code
   * snapshot}; every change it makes is dropped. Empty when the call may enter the pool: the
   * module accepted it with {@code ic0.accept_message}, or exports no inspect hook. Otherwise the
   * rejection to answer with: {@link ErrorCode#CANISTER_REJECTED_MESSAGE} when it did not accept,
   * the trap's code when it trapped (including running out of its instructions).
   *
   * <p>Note (spec "Ingress message inspection"): a target that does not exist or holds no module
   * is refused before inspection by the caller's checks; here it is refused alike, so a caller
   * that skips those checks still admits nothing that cannot run.
   */
  public Optional<CallOutcome.Reject> inspectMessage(ReplicatedState snapshot, Inspection call) {
    CanisterId id = call.canisterId();
    Canister c = snapshot.canister(id).orElse(null);
    if (c == null) {
      return Optional.of(CallOutcome.reject(ErrorCode.CANISTER_NOT_FOUND,
          "Canister " + id + " not found"));
    }
    if (c.execution().isEmpty()) {
      return Optional.of(CallOutcome.reject(ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND,
          "Canister " + id + " contains no Wasm module"));
    }
    ExecutionState es = c.execution().get();
    var env = environments.environment(snapshot, c, c.system().cyclesBalance(),
        snapshot.batchTimeNs());
    ExecutionResult r = engine.execute(es.module(), es.wasmState(),
        new CanisterInput.InspectMessage(call.method(), call.argument(), call.sender()), env);
    if (r.trapped()) {
      return Optional.of(CallOutcome.reject(r.trap().get().code(),
          "Error from Canister " + id + ": " + r.trap().get().message()));
    }
    if (!r.messageAccepted()) {
      return Optional.of(CallOutcome.reject(ErrorCode.CANISTER_REJECTED_MESSAGE,
          "Canister " + id + " rejected the message"));
    }
    return Optional.empty();
  }

  /** One query's call graph, evaluated depth first. */
  private final class Evaluation {
    private final ReplicatedState snapshot;
    long instructions;

    Evaluation(ReplicatedState snapshot) {
      this.snapshot = snapshot;
    }

    CallOutcome call(Principal caller, Principal calleePrincipal, String method, byte[] argument,
        int depth, Optional<byte[]> certificate) {
      if (calleePrincipal.isManagementCanister()) {
        return management.query(snapshot, caller, method, argument, fees);
      }
      CanisterId id;
      try {
        id = new CanisterId(calleePrincipal);
      } catch (RuntimeException e) {
        return notFound(calleePrincipal);
      }
      Canister c = snapshot.canister(id).orElse(null);
      if (c == null) {
        return notFound(calleePrincipal);
      }
      RunStatus st = c.system().status();
      if (st instanceof RunStatus.Stopped) {
        return CallOutcome.reject(ErrorCode.CANISTER_STOPPED, "Canister " + id + " is stopped");
      }
      if (st instanceof RunStatus.Stopping) {
        return CallOutcome.reject(ErrorCode.CANISTER_STOPPING, "Canister " + id + " is stopping");
      }
      if (c.isEmpty()) {
        return CallOutcome.reject(ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND,
            "Canister " + id + " contains no Wasm module");
      }
      if (fees.isFrozen(c, BigInteger.ZERO)) {
        return CallOutcome.reject(ErrorCode.CANISTER_OUT_OF_CYCLES,
            "Canister " + id + " is out of cycles");
      }
      ExecutionState es = c.execution().get();
      MethodKind kind = es.module().methodKind(method)
          .filter(k -> k == MethodKind.COMPOSITE_QUERY).orElse(MethodKind.QUERY);
      boolean composite = kind == MethodKind.COMPOSITE_QUERY;
      CanisterInput.MethodCall input = new CanisterInput.MethodCall(kind, method, argument,
          caller, BigInteger.ZERO, false, certificate, 0, 0, CallerInfo.NONE);
      var env = environments.environment(snapshot, c, c.system().cyclesBalance(),
          snapshot.batchTimeNs());

      CanisterState state = es.wasmState();
      ExecutionResult r = engine.execute(es.module(), state, input, env);
      Optional<CallOutcome> answer = Optional.empty();
      ArrayDeque<OutgoingCall> pending = new ArrayDeque<>();
      while (true) {
        instructions += r.instructionsUsed();
        if (instructions > limits.maxInstructionsTotal()) {
          return answer.orElse(CallOutcome.reject(
              ErrorCode.QUERY_CALL_GRAPH_TOTAL_INSTRUCTION_LIMIT_EXCEEDED,
              "Query call graph exceeded its limit of " + limits.maxInstructionsTotal()
                  + " instructions"));
        }
        if (r.trapped()) {
          if (answer.isEmpty() && pending.isEmpty()) {
            return CallOutcome.reject(r.trap().get().code(),
                "Error from Canister " + id + ": " + r.trap().get().message());
          }
        } else {
          state = r.state();
          if (answer.isEmpty() && r.response().isPresent()) {
            CallResponse resp = r.response().get();
            answer = Optional.of(resp instanceof CallResponse.Reply rep
                ? CallOutcome.reply(rep.payload())
                : CallOutcome.canisterReject(((CallResponse.Reject) resp).message()));
          }
          if (composite) {
            pending.addAll(r.calls());
          }
        }
        if (pending.isEmpty()) {
          break;
        }
        OutgoingCall call = pending.poll();
        CallOutcome sub = depth + 1 > limits.maxCallDepth()
            ? CallOutcome.reject(ErrorCode.QUERY_CALL_GRAPH_TOO_DEEP,
                "Composite query call graph is deeper than " + limits.maxCallDepth())
            : call(id.principal(), call.callee(), call.method(), call.payload(), depth + 1,
                Optional.empty());
        ResponseContent content = sub instanceof CallOutcome.Reply rep
            ? new ResponseContent.Reply(rep.payload())
            : new ResponseContent.Reject(((CallOutcome.Reject) sub).code(),
                ((CallOutcome.Reject) sub).message());
        CanisterInput.Response resp = new CanisterInput.Response(call.callback(), content,
            BigInteger.ZERO, caller, BigInteger.ZERO, answer.isPresent(), true, 0, 0);
        r = engine.execute(es.module(), state, resp, env);
      }
      return answer.orElse(CallOutcome.reject(ErrorCode.CANISTER_DID_NOT_REPLY,
          "Canister " + id + " did not reply to the call"));
    }

    private CallOutcome notFound(Principal p) {
      return CallOutcome.reject(ErrorCode.CANISTER_NOT_FOUND, "Canister " + p + " not found");
    }
  }
}
