package dev.canopy.crypto;

import dev.canopy.crypto.InvalidAuthenticationException.Reason;
import dev.canopy.types.Principal;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Verifies {@code sender_delegation} (spec "Authentication"): each delegation is signed, over
 * {@code "\x1Aic-request-auth-delegation" · hash_of_map(delegation)}, by the key before it
 * ({@code sender_pubkey} for the first); none has expired; no key appears twice; targets
 * intersect; {@code "queries"} anywhere restricts the whole chain.
 */
public final class DelegationChain {
  private DelegationChain() {}

  /**
   * Verifies the chain that starts at {@code senderPublicKeyDer}.
   *
   * @param nowNs the replica's current time in nanoseconds since 1970 (unsigned); passed in so
   *     that the decision is deterministic
   * @return the key that must sign the request and the restrictions the chain imposes
   * @throws InvalidAuthenticationException naming the delegation at fault
   */
  public static DelegatedAuthority verify(
      byte[] senderPublicKeyDer, List<SignedDelegation> chain, long nowNs, DelegationLimits limits) {
    return verify(senderPublicKeyDer, chain, nowNs, limits, UserSignatureVerifier.WITHOUT_ROOT_KEY,
        PublicKeyCache.none());
  }

  /** As above, with {@code verifier} checking each delegation's signature, whatever its key's scheme. */
  public static DelegatedAuthority verify(
      byte[] senderPublicKeyDer,
      List<SignedDelegation> chain,
      long nowNs,
      DelegationLimits limits,
      UserSignatureVerifier verifier) {
    return verify(senderPublicKeyDer, chain, nowNs, limits, verifier, PublicKeyCache.none());
  }

  /** As above, with the chain's keys parsed through {@code keys}. */
  public static DelegatedAuthority verify(
      byte[] senderPublicKeyDer,
      List<SignedDelegation> chain,
      long nowNs,
      DelegationLimits limits,
      UserSignatureVerifier verifier,
      PublicKeyCache keys) {
    if (chain.size() > limits.maxDelegations()) {
      throw new InvalidAuthenticationException(
          Reason.TOO_MANY_DELEGATIONS,
          "the request carries " + chain.size() + " delegations; at most " + limits.maxDelegations()
              + " are allowed");
    }
    UserPublicKey signer = RequestAuthentication.parseUserKey(keys, senderPublicKeyDer, "sender_pubkey", -1);
    String signerName = "sender_pubkey";
    // Keys compared by their DER bytes, which the principal hashes too: parsing rejects non-canonical
    // DER for plain keys; WebAuthn and canister-signature keys are compared as the client wrote them.
    TreeSet<byte[]> seenKeys = new TreeSet<>(Arrays::compareUnsigned);
    seenKeys.add(signer.toDer());
    TargetRestriction targets = TargetRestriction.ALL;
    boolean queriesOnly = false;
    for (int i = 0; i < chain.size(); i++) {
      Delegation delegation = chain.get(i).delegation();
      String name = "sender_delegation[" + i + "]";
      if (delegation.permissions().isPresent()) {
        String p = delegation.permissions().get();
        if (p.equals(Delegation.PERMISSIONS_QUERIES)) {
          queriesOnly = true;
        } else if (!p.equals(Delegation.PERMISSIONS_ALL)) {
          throw new InvalidAuthenticationException(
              Reason.INVALID_PERMISSIONS, i,
              name + " has permissions \"" + abbreviate(p) + "\"; only \"queries\" or \"all\" are allowed",
              null);
        }
      }
      if (delegation.targets().isPresent()) {
        List<Principal> t = delegation.targets().get();
        if (t.size() > limits.maxTargetsPerDelegation()) {
          throw new InvalidAuthenticationException(
              Reason.TOO_MANY_TARGETS, i,
              name + " lists " + t.size() + " targets; at most " + limits.maxTargetsPerDelegation()
                  + " are allowed",
              null);
        }
        targets = targets.intersect(t);
      }
      if (Long.compareUnsigned(delegation.expirationNs(), nowNs) < 0) {
        throw new InvalidAuthenticationException(
            Reason.DELEGATION_EXPIRED, i,
            name + " expired at " + describeTime(delegation.expirationNs()) + "; the replica's time is "
                + describeTime(nowNs) + " (request a fresh delegation, or check the client's clock)",
            null);
      }
      try {
        verifier.verify(signer, delegation.signedBytes(), chain.get(i).signature());
      } catch (InvalidSignatureException e) {
        throw new InvalidAuthenticationException(
            Reason.DELEGATION_SIGNATURE_INVALID, i,
            name + " is not signed by the key of " + signerName + " (" + signer.schemeName()
                + "); its signature must cover \"\\x1Aic-request-auth-delegation\" · hash_of_map(delegation): "
                + e.getMessage(),
            e);
      }
      UserPublicKey delegate = RequestAuthentication.parseUserKey(keys, delegation.pubkey(), name + ".delegation.pubkey", i);
      if (!seenKeys.add(delegate.toDer())) {
        String what = delegate.equals(signer)
            ? name + " delegates from a key to itself"
            : name + " delegates to a key that already appears earlier in the chain (a cycle)";
        throw new InvalidAuthenticationException(
            Reason.REPEATED_KEY, i, what + "; every key may appear only once", null);
      }
      signer = delegate;
      signerName = name + ".delegation.pubkey";
    }
    return new DelegatedAuthority(signer, targets, queriesOnly);
  }

  /** {@code 2023-06-01T00:00:00Z (1685577600000000000 ns)}. */
  static String describeTime(long unsignedNs) {
    String ns = Long.toUnsignedString(unsignedNs);
    if (unsignedNs < 0) {
      return ns + " ns";
    }
    return Instant.ofEpochSecond(unsignedNs / 1_000_000_000L, unsignedNs % 1_000_000_000L) + " (" + ns + " ns)";
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
