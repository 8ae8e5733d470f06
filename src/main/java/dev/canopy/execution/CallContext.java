package dev.canopy.execution;

import java.math.BigInteger;
import java.util.Objects;

/**
 * One open call context (spec "Call contexts"): where the answer goes, whether it still needs
 * one, the cycles still available to accept, and whether the canister was uninstalled under it.
 *
 * @param instructionsUsed instructions spent in this context so far (performance_counter 1)
 */
public record CallContext(
    long id,
    CallOrigin origin,
    boolean needsToRespond,
    BigInteger availableCycles,
    boolean deleted,
    long instructionsUsed) {
  public CallContext {
    Objects.requireNonNull(origin);
    Cycles.require(availableCycles, "available cycles");
  }

  public CallContext answered() {
    return new CallContext(id, origin, false, BigInteger.ZERO, deleted, instructionsUsed);
  }

  public CallContext withAvailableCycles(BigInteger cycles) {
    return new CallContext(id, origin, needsToRespond, cycles, deleted, instructionsUsed);
  }

  public CallContext markDeleted() {
    return new CallContext(id, origin, false, BigInteger.ZERO, true, instructionsUsed);
  }

  public CallContext addInstructions(long n) {
    return new CallContext(id, origin, needsToRespond, availableCycles, deleted,
        instructionsUsed + n);
  }
}
