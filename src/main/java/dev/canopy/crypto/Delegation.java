package dev.canopy.crypto;

import dev.canopy.types.Principal;
import dev.canopy.types.RepresentationIndependentHash;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code delegation} map of a signed delegation (spec "Authentication"): the key delegated
 * to, its expiry, and optional restrictions to target canisters and to queries.
 *
 * <p>Fields hold what the request carried; {@link DelegationChain} judges them (so that an error
 * can name the delegation at fault).
 *
 * @param pubkey DER public key of the delegate
 * @param expirationNs expiry in nanoseconds since 1970, an unsigned 64-bit nat
 * @param targets the canisters the delegation is restricted to, if present
 * @param permissions {@code "queries"} or {@code "all"}, if present
 */
public record Delegation(
    byte[] pubkey, long expirationNs, Optional<List<Principal>> targets, Optional<String> permissions) {
  public static final String PERMISSIONS_QUERIES = "queries";
  public static final String PERMISSIONS_ALL = "all";

  public Delegation {
    pubkey = Objects.requireNonNull(pubkey, "pubkey").clone();
    targets = Objects.requireNonNull(targets, "targets").map(List::copyOf);
    Objects.requireNonNull(permissions, "permissions");
  }

  /** A delegation with neither targets nor permissions. */
  public static Delegation of(byte[] pubkey, long expirationNs) {
    return new Delegation(pubkey, expirationNs, Optional.empty(), Optional.empty());
  }

  @Override
  public byte[] pubkey() {
    return pubkey.clone();
  }

  /** The delegation as the map that is hashed: absent fields are absent. */
  public Map<String, Object> toHashableMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("pubkey", pubkey);
    map.put("expiration", new BigInteger(Long.toUnsignedString(expirationNs)));
    targets.ifPresent(t -> map.put("targets", t.stream().map(Principal::toBytes).toList()));
    permissions.ifPresent(p -> map.put("permissions", p));
    return map;
  }

  /** {@code hash_of_map(delegation)}. */
  public byte[] representationIndependentHash() {
    return RepresentationIndependentHash.hashOfMap(toHashableMap());
  }

  /** What the delegating key signs: {@code "\x1Aic-request-auth-delegation" · hash_of_map(delegation)}. */
  public byte[] signedBytes() {
    return Bytes.concat(RequestAuthentication.DELEGATION_DOMAIN, representationIndependentHash());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Delegation d
        && Arrays.equals(pubkey, d.pubkey)
        && expirationNs == d.expirationNs
        && targets.equals(d.targets)
        && permissions.equals(d.permissions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(pubkey), expirationNs, targets, permissions);
  }

  @Override
  public String toString() {
    return "Delegation[pubkey=" + dev.canopy.types.Hex.encode(pubkey) + ", expirationNs="
        + Long.toUnsignedString(expirationNs) + ", targets=" + targets + ", permissions="
        + permissions + "]";
  }
}
