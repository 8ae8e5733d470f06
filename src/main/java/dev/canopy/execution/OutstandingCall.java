package dev.canopy.execution;

import dev.canopy.types.Principal;
import dev.canopy.wasm.Callback;
import java.math.BigInteger;
import java.util.Objects;

/**
 * A registered callback of an outgoing call that has no response yet.
 *
 * @param reservedCycles set aside by call_perform for the response; credited back when it arrives
 * @param deadlineNs 0 for a guaranteed-response call
 */
public record OutstandingCall(
    long callbackId,
    long callContextId,
    Principal callee,
    String method,
    Callback callback,
    BigInteger attachedCycles,
    BigInteger reservedCycles,
    long deadlineNs) {
  public OutstandingCall {
    Objects.requireNonNull(callee);
    Objects.requireNonNull(method);
    Objects.requireNonNull(callback);
    Cycles.require(attachedCycles, "attached cycles");
    Cycles.require(reservedCycles, "reserved cycles");
  }
}
