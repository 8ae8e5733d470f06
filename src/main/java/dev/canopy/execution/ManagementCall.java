package dev.canopy.execution;

import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A call to the management canister {@code aaaaa-aa}, from an ingress message or a canister.
 *
 * @param caller the user or canister that called
 * @param argument the Candid argument
 * @param cycles attached cycles (0 for ingress)
 * @param origin where the answer goes
 * @param effectiveCanisterId the ingress request's effective canister id; empty for canister calls
 */
public record ManagementCall(
    Principal caller,
    String method,
    byte[] argument,
    java.math.BigInteger cycles,
    CallOrigin origin,
    Optional<CanisterId> effectiveCanisterId) {
  public ManagementCall {
    Objects.requireNonNull(caller);
    Objects.requireNonNull(method);
    argument = argument.clone();
    Cycles.require(cycles, "attached cycles");
    Objects.requireNonNull(origin);
    Objects.requireNonNull(effectiveCanisterId);
  }

  @Override
  public byte[] argument() {
    return argument.clone();
  }

  /** Whether a canister (not a user) made the call. */
  public boolean fromCanister() {
    return origin instanceof CallOrigin.Canister;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ManagementCall m && caller.equals(m.caller) && method.equals(m.method)
        && Arrays.equals(argument, m.argument) && cycles.equals(m.cycles)
        && origin.equals(m.origin) && effectiveCanisterId.equals(m.effectiveCanisterId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(caller, method, origin);
  }
}
