package dev.canopy.state;

import dev.canopy.types.RequestId;
import dev.canopy.types.Principal;
import java.util.Objects;

/**
 * One call in the request status history: its status, who sent it and where to (for the
 * read_state access rule), its {@code ingress_expiry}, and the batch times that drive pruning.
 * Immutable: every change makes a new entry, so the tree builder can tell an unchanged entry by
 * identity.
 *
 * @param statusSinceNanos batch time at which {@code status} was set
 */
public record IngressEntry(
    RequestStatus status,
    Principal sender,
    EffectiveId effectiveId,
    long ingressExpiryNanos,
    long statusSinceNanos) {
  /** Request id, sender, effective id, expiry and times, as counted against the byte bound. */
  static final long FIXED_SIZE_BYTES = RequestId.LENGTH_BYTES + Principal.MAX_LENGTH_BYTES + 2 * 8L;

  public IngressEntry {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(sender, "sender");
    Objects.requireNonNull(effectiveId, "effectiveId");
  }

  /** What this entry counts against {@link IngressHistorySettings#maxSizeBytes()}. */
  public long sizeBytes() {
    return FIXED_SIZE_BYTES + effectiveId.sizeBytes() + status.payloadBytes();
  }

  IngressEntry withStatus(RequestStatus newStatus, long nowNanos) {
    return new IngressEntry(newStatus, sender, effectiveId, ingressExpiryNanos, nowNanos);
  }
}
