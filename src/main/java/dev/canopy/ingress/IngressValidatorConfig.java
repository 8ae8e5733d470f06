package dev.canopy.ingress;

import dev.canopy.types.CanisterId;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.crypto.DelegationLimits;
import dev.canopy.crypto.UserSignatureVerifier;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What {@link IngressValidator} needs to know about its node.
 *
 * @param subnetId this node's subnet, the only effective subnet id its subnet endpoints serve
 * @param canisterRanges the subnet's canister ranges; an effective canister id outside all of them
 *     is refused (spec "Effective canister id": it "must be contained in the canister ranges of a
 *     subnet"; on development instances, of this node's subnet)
 * @param subnetAdmins principals that may call {@code create_canister} by ingress
 * @param provisionalApiEnabled whether the IC Provisional API ({@code provisional_*}) is open to
 *     every caller, as on development instances
 * @param expiry the accepted {@code ingress_expiry} window
 * @param delegationLimits bounds on delegation chains
 * @param signatureVerifier verifies request and delegation signatures; its root key (the node's
 *     own) decides which canister signatures are valid
 */
public record IngressValidatorConfig(
    Optional<SubnetId> subnetId,
    List<CanisterIdRange> canisterRanges,
    SortedSet<Principal> subnetAdmins,
    boolean provisionalApiEnabled,
    IngressExpiry expiry,
    DelegationLimits delegationLimits,
    UserSignatureVerifier signatureVerifier) {
  public IngressValidatorConfig {
    Objects.requireNonNull(subnetId, "subnetId");
    canisterRanges = List.copyOf(canisterRanges);
    subnetAdmins = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(subnetAdmins));
    Objects.requireNonNull(expiry, "expiry");
    Objects.requireNonNull(delegationLimits, "delegationLimits");
    Objects.requireNonNull(signatureVerifier, "signatureVerifier");
  }

  public static Builder builder() {
    return new Builder();
  }

  public boolean hosts(Principal effectiveCanisterId) {
    for (CanisterIdRange r : canisterRanges) {
      if (r.contains(effectiveCanisterId)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Defaults: a development instance (provisional API open), the reference expiry window, and no
   * root key (so canister signatures are refused until {@link Builder#rootKeyDer} names one).
   */
  public static final class Builder {
    private Optional<SubnetId> subnetId = Optional.empty();
    private final List<CanisterIdRange> canisterRanges = new ArrayList<>();
    private final SortedSet<Principal> subnetAdmins = new TreeSet<>();
    private boolean provisionalApiEnabled = true;
    private IngressExpiry expiry = IngressExpiry.REFERENCE;
    private DelegationLimits delegationLimits = DelegationLimits.SPEC;
    private UserSignatureVerifier signatureVerifier = UserSignatureVerifier.WITHOUT_ROOT_KEY;
    private dev.canopy.crypto.VerifiedSignatureCache verifiedSignatures =
        dev.canopy.crypto.VerifiedSignatureCache.none();

    public Builder subnetId(SubnetId value) {
      subnetId = Optional.of(value);
      return this;
    }

    public Builder canisterRange(Principal start, Principal end) {
      canisterRanges.add(new CanisterIdRange(new CanisterId(start), new CanisterId(end)));
      return this;
    }

    public Builder canisterRanges(Collection<CanisterIdRange> ranges) {
      canisterRanges.addAll(ranges);
      return this;
    }

    public Builder subnetAdmin(Principal admin) {
      subnetAdmins.add(admin);
      return this;
    }

    public Builder provisionalApiEnabled(boolean enabled) {
      provisionalApiEnabled = enabled;
      return this;
    }

    public Builder expiry(IngressExpiry value) {
      expiry = value;
      return this;
    }

    public Builder delegationLimits(DelegationLimits value) {
      delegationLimits = value;
      return this;
    }

    /** The root key (DER BLS12-381) that canister signatures' certificates must verify under. */
    public Builder rootKeyDer(byte[] value) {
      signatureVerifier = UserSignatureVerifier.forRootKey(value);
      return this;
    }

    /** Plain signatures that verified before (in {@code cache}) are not verified again. */
    public Builder verifiedSignatures(dev.canopy.crypto.VerifiedSignatureCache cache) {
      verifiedSignatures = cache;
      return this;
    }

    public IngressValidatorConfig build() {
      return new IngressValidatorConfig(
          subnetId,
          canisterRanges, subnetAdmins, provisionalApiEnabled, expiry, delegationLimits,
          signatureVerifier.withVerifiedCache(verifiedSignatures));
    }
  }
}
