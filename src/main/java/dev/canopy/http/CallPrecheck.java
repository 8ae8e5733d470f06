package dev.canopy.http;

import dev.canopy.execution.Canister;
import dev.canopy.execution.CyclesFees;
import dev.canopy.execution.QueryExecutor;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.execution.RunStatus;
import dev.canopy.ingress.CallContent;
import dev.canopy.ingress.NonReplicatedRejection;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.Optional;

/**
 * The checks a call to a canister must pass against the latest state before it enters the ingress
 * pool (spec "Request submission": the target exists, is non-empty, running and not frozen).
 * Failing one is a non-replicated rejection, answered with 200 and a reject body.
 *
 * <p>A call that passes those checks is then shown to the canister's {@code
 * canister_inspect_message}, if its module exports one (spec "Ingress message inspection"); calls
 * to the management canister are not inspected.
 */
public final class CallPrecheck {
  private CallPrecheck() {}

  /** The state checks, then {@code canister_inspect_message} run by {@code executor}. */
  public static Optional<NonReplicatedRejection> check(
      ReplicatedState state, CyclesFees fees, QueryExecutor executor, CallContent call) {
    Principal callee = call.canisterId();
    Optional<NonReplicatedRejection> refusal = check(state, fees, callee);
    if (refusal.isPresent() || callee.isManagementCanister()) {
      return refusal;
    }
    return executor
        .inspectMessage(state, new QueryExecutor.Inspection(
            call.sender(), new CanisterId(callee), call.methodName(), call.arg()))
        .map(reject -> new NonReplicatedRejection(reject.code().code(),
            reject.errorCode().orElse(ErrorCode.CANISTER_REJECTED_MESSAGE).text(),
            reject.message()));
  }

  /** The state checks alone. */
  public static Optional<NonReplicatedRejection> check(
      ReplicatedState state, CyclesFees fees, Principal callee) {
    if (callee.isManagementCanister()) {
      return Optional.empty();
    }
    Optional<Canister> found = state.canister(new CanisterId(callee));
    if (found.isEmpty()) {
      return reject(ErrorCode.CANISTER_NOT_FOUND, "Canister " + callee + " not found");
    }
    Canister c = found.get();
    RunStatus status = c.system().status();
    if (status instanceof RunStatus.Stopped) {
      return reject(ErrorCode.CANISTER_STOPPED, "Canister " + callee + " is stopped");
    }
    if (status instanceof RunStatus.Stopping) {
      return reject(ErrorCode.CANISTER_STOPPING, "Canister " + callee + " is stopping");
    }
    if (c.isEmpty()) {
      return reject(ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND,
          "Canister " + callee + " is empty: it contains no Wasm module");
    }
    if (fees.isFrozen(c, BigInteger.ZERO)) {
      return reject(ErrorCode.CANISTER_OUT_OF_CYCLES, "Canister " + callee + " is out of cycles");
    }
    return Optional.empty();
  }

  private static Optional<NonReplicatedRejection> reject(ErrorCode code, String message) {
    return Optional.of(
        new NonReplicatedRejection(code.rejectCode().code(), code.text(), message));
  }
}
