package dev.canopy.state;

import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.Objects;

/**
 * The id a request names in its URL: an effective canister id ({@code /api/../canister/<ecid>/..})
 * or an effective subnet id ({@code /api/../subnet/<esid>/..}); spec "Effective canister id".
 */
public record EffectiveId(Kind kind, Principal id) {
  public enum Kind {
    CANISTER,
    SUBNET
  }

  public EffectiveId {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
  }

  public static EffectiveId canister(CanisterId id) {
    return new EffectiveId(Kind.CANISTER, id.principal());
  }

  public static EffectiveId subnet(SubnetId id) {
    return new EffectiveId(Kind.SUBNET, id.principal());
  }

  public boolean isCanister() {
    return kind == Kind.CANISTER;
  }

  /** Approximate bytes in memory, for the history's byte bound. */
  long sizeBytes() {
    return 1 + id.length();
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + id;
  }
}
