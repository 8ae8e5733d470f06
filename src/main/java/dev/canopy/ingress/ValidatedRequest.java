package dev.canopy.ingress;

import dev.canopy.crypto.TargetRestriction;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import java.util.Objects;
import java.util.Optional;

/**
 * A request that passed {@link IngressValidator}: authenticated, inside its expiry window, sent to
 * a matching effective canister id.
 *
 * @param envelope the request as decoded
 * @param targets the canisters its delegation chain permits (all, without delegations)
 * @param queriesOnly whether a delegation restricted it to queries
 * @param managementTarget for calls and queries to the management canister, the canister the
 *     argument names (whose controllers the caller must check); empty otherwise, and for
 *     {@code create_canister}-like methods that name none
 * @param <C> the kind of content
 */
public record ValidatedRequest<C extends RequestContent>(
    Envelope<C> envelope,
    TargetRestriction targets,
    boolean queriesOnly,
    Optional<Principal> managementTarget) {
  public ValidatedRequest {
    Objects.requireNonNull(envelope, "envelope");
    Objects.requireNonNull(targets, "targets");
    Objects.requireNonNull(managementTarget, "managementTarget");
  }

  public C content() {
    return envelope.content();
  }

  public RequestId requestId() {
    return envelope.content().requestId();
  }
}
