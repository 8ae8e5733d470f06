package dev.canopy.crypto;

import dev.canopy.crypto.InvalidAuthenticationException.Reason;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import java.util.List;

/**
 * Checks who sent a request (spec "Authentication"): the anonymous sender carries no credentials;
 * any other sender is the self-authenticating principal of {@code sender_pubkey}, and
 * {@code sender_sig} signs {@code "\x0Aic-request" · request_id} with the last delegated key (or
 * {@code sender_pubkey} itself).
 *
 * <p>Keys may be of any scheme of {@link UserPublicKey}; {@link UserSignatureVerifier} dispatches
 * on the key's type (plain, WebAuthn, canister signature).
 */
public final class RequestAuthentication {
  public static final byte[] REQUEST_DOMAIN = Hashing.domainSeparator("ic-request");
  public static final byte[] DELEGATION_DOMAIN = Hashing.domainSeparator("ic-request-auth-delegation");
  public static final int REQUEST_ID_BYTES = 32;

  private RequestAuthentication() {}

  /** What an authenticated request may do. Anonymous requests may target any canister. */
  public record Authorization(TargetRestriction targets, boolean queriesOnly) {
    public static final Authorization UNRESTRICTED = new Authorization(TargetRestriction.ALL, false);
  }

  /**
   * Verifies a request envelope's authentication.
   *
   * @param senderPublicKeyDer {@code sender_pubkey}, or null if absent
   * @param senderSignature {@code sender_sig}, or null if absent
   * @param delegations {@code sender_delegation}, or null if absent
   * @param requestId {@code hash_of_map(content)}
   * @param nowNs the replica's time in ns since 1970 (unsigned)
   */
  public static Authorization authenticate(
      Principal sender,
      byte[] senderPublicKeyDer,
      byte[] senderSignature,
      List<SignedDelegation> delegations,
      byte[] requestId,
      long nowNs,
      DelegationLimits limits) {
    return authenticate(sender, senderPublicKeyDer, senderSignature, delegations, requestId, nowNs,
        limits, UserSignatureVerifier.WITHOUT_ROOT_KEY, PublicKeyCache.none());
  }

  /**
   * As above, with {@code verifier} checking every signature (its root key decides which canister
   * signatures are valid).
   */
  public static Authorization authenticate(
      Principal sender,
      byte[] senderPublicKeyDer,
      byte[] senderSignature,
      List<SignedDelegation> delegations,
      byte[] requestId,
      long nowNs,
      DelegationLimits limits,
      UserSignatureVerifier verifier) {
    return authenticate(sender, senderPublicKeyDer, senderSignature, delegations, requestId, nowNs,
        limits, verifier, PublicKeyCache.none());
  }

  /** As above, parsing the request's keys through {@code keys}. */
  public static Authorization authenticate(
      Principal sender,
      byte[] senderPublicKeyDer,
      byte[] senderSignature,
      List<SignedDelegation> delegations,
      byte[] requestId,
      long nowNs,
      DelegationLimits limits,
      UserSignatureVerifier verifier,
      PublicKeyCache keys) {
    if (sender.isAnonymous()) {
      if (senderPublicKeyDer != null || senderSignature != null || delegations != null) {
        throw new InvalidAuthenticationException(
            Reason.ANONYMOUS_WITH_CREDENTIALS,
            "the anonymous sender must omit sender_pubkey, sender_sig and sender_delegation");
      }
      return Authorization.UNRESTRICTED;
    }
    if (senderPublicKeyDer == null || senderSignature == null) {
      throw new InvalidAuthenticationException(
          Reason.MISSING_CREDENTIALS,
          "sender " + sender.toText() + " is not anonymous, so the request needs"
              + (senderPublicKeyDer == null ? " sender_pubkey" : "")
              + (senderPublicKeyDer == null && senderSignature == null ? " and" : "")
              + (senderSignature == null ? " sender_sig" : ""));
    }
    verifySenderMatchesKey(sender, senderPublicKeyDer);
    DelegatedAuthority authority = DelegationChain.verify(
        senderPublicKeyDer, delegations == null ? List.of() : delegations, nowNs, limits, verifier, keys);
    verifyRequestSignature(authority.requestSigningKey(), requestId, senderSignature,
        delegations != null && !delegations.isEmpty(), verifier);
    return new Authorization(authority.targets(), authority.queriesOnly());
  }

  /** {@code sender == SHA-224(sender_pubkey) · 0x02}. */
  public static void verifySenderMatchesKey(Principal sender, byte[] senderPublicKeyDer) {
    Principal expected = Principal.selfAuthenticating(senderPublicKeyDer);
    if (!expected.equals(sender)) {
      throw new InvalidAuthenticationException(
          Reason.SENDER_MISMATCH,
          "sender " + sender.toText() + " is not the principal of sender_pubkey, which is "
              + expected.toText());
    }
  }

  /** {@code sender_sig} must sign {@code "\x0Aic-request" · request_id} under {@code key}. */
  public static void verifyRequestSignature(PublicKey key, byte[] requestId, byte[] signature) {
    if (!(key instanceof UserPublicKey user)) {
      throw new InvalidAuthenticationException(
          Reason.INVALID_KEY, "a " + key.algorithm().displayName() + " key cannot sign requests");
    }
    verifyRequestSignature(user, requestId, signature, false, UserSignatureVerifier.WITHOUT_ROOT_KEY);
  }

  private static void verifyRequestSignature(
      UserPublicKey key, byte[] requestId, byte[] signature, boolean delegated, UserSignatureVerifier verifier) {
    if (requestId.length != REQUEST_ID_BYTES) {
      throw new InvalidAuthenticationException(
          Reason.MALFORMED_REQUEST_ID, "a request id has 32 bytes, got " + requestId.length);
    }
    try {
      verifier.verify(key, Bytes.concat(REQUEST_DOMAIN, requestId), signature);
    } catch (InvalidSignatureException e) {
      throw new InvalidAuthenticationException(
          Reason.REQUEST_SIGNATURE_INVALID, -1,
          "sender_sig is not a valid " + key.schemeName() + " signature of request 0x"
              + Hex.encode(requestId) + " by "
              + (delegated ? "the key of the last delegation" : "sender_pubkey") + ": " + e.getMessage(),
          e);
    }
  }

  /** Parses a key that signs requests or delegations (any {@link UserPublicKey}, not BLS) through {@code keys}. */
  static UserPublicKey parseUserKey(PublicKeyCache keys, byte[] der, String field, int delegationIndex) {
    try {
      return keys.fromDer(der);
    } catch (InvalidPublicKeyException e) {
      throw new InvalidAuthenticationException(Reason.INVALID_KEY, delegationIndex, field + ": " + e.getMessage(), e);
    }
  }
}
