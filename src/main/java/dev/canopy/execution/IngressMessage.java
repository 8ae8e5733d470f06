package dev.canopy.execution;

import dev.canopy.state.EffectiveId;
import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import java.util.Arrays;
import java.util.Objects;

/**
 * A validated ingress update call as a finalized batch carries it (spec "Request submission":
 * an accepted call becomes a call message with no cycles).
 *
 * @param canisterId the callee; {@link CanisterId#MANAGEMENT} for the management canister
 * @param effectiveId the effective canister id of the request's URL
 */
public record IngressMessage(
    RequestId requestId,
    Principal sender,
    CanisterId canisterId,
    String method,
    byte[] argument,
    long ingressExpiryNs,
    EffectiveId effectiveId) {
  public IngressMessage {
    Objects.requireNonNull(requestId);
    Objects.requireNonNull(sender);
    Objects.requireNonNull(canisterId);
    Objects.requireNonNull(method);
    argument = argument.clone();
    Objects.requireNonNull(effectiveId);
  }

  @Override
  public byte[] argument() {
    return argument.clone();
  }

  int sizeBytes() {
    return argument.length + method.length();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IngressMessage m && requestId.equals(m.requestId)
        && sender.equals(m.sender) && canisterId.equals(m.canisterId) && method.equals(m.method)
        && Arrays.equals(argument, m.argument) && ingressExpiryNs == m.ingressExpiryNs
        && effectiveId.equals(m.effectiveId);
  }

  @Override
  public int hashCode() {
    return requestId.hashCode();
  }
}
