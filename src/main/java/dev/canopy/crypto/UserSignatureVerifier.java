package dev.canopy.crypto;

import java.util.Objects;
import java.util.Optional;

/**
 * Verifies a signature by any {@link UserPublicKey} (spec "Signatures"): plain Ed25519 and ECDSA
 * signatures, WebAuthn assertions, and canister signatures, whose certificates are checked
 * against a root key. Thread-safe and immutable.
 */
public final class UserSignatureVerifier {
  /** A verifier with no root key: canister signatures are {@link InvalidSignatureException.Reason#UNVERIFIABLE}. */
  public static final UserSignatureVerifier WITHOUT_ROOT_KEY =
      new UserSignatureVerifier(Optional.empty(), VerifiedSignatureCache.none());

  private final Optional<CanisterSignatureVerifier> canisterSignatures;
  private final VerifiedSignatureCache verified;

  private UserSignatureVerifier(Optional<CanisterSignatureVerifier> canisterSignatures,
      VerifiedSignatureCache verified) {
    this.canisterSignatures = canisterSignatures;
    this.verified = verified;
  }

  /** The same verifier, which checks a plain signature only if {@code cache} has not seen it verify. */
  public UserSignatureVerifier withVerifiedCache(VerifiedSignatureCache cache) {
    return new UserSignatureVerifier(canisterSignatures, Objects.requireNonNull(cache));
  }

  /**
   * A verifier whose canister signatures must carry certificates valid under {@code rootKeyDer} (a
   * DER BLS12-381 key): on a replica, its own subnet's root key.
   */
  public static UserSignatureVerifier forRootKey(byte[] rootKeyDer) {
    return new UserSignatureVerifier(Optional.of(CanisterSignatureVerifier.forRootKey(rootKeyDer)),
        VerifiedSignatureCache.none());
  }

  public static UserSignatureVerifier of(CanisterSignatureVerifier canisterSignatures) {
    return new UserSignatureVerifier(Optional.of(Objects.requireNonNull(canisterSignatures)),
        VerifiedSignatureCache.none());
  }

  /**
   * Throws an {@link InvalidSignatureException} unless {@code signature} is {@code key}'s signature
   * of {@code payload} (the domain separator followed by the message).
   */
  public void verify(UserPublicKey key, byte[] payload, byte[] signature) {
    if (key instanceof PublicKey plain) {
      verified.verify(plain, payload, signature);
    } else if (key instanceof WebAuthnPublicKey webAuthn) {
      WebAuthnVerifier.verify(webAuthn, payload, signature);
    } else {
      CanisterSignaturePublicKey canister = (CanisterSignaturePublicKey) key;
      canisterSignatures
          .orElseThrow(() -> new InvalidSignatureException(
              InvalidSignatureException.Reason.UNVERIFIABLE,
              "canister signatures cannot be checked here: this verifier has no root key to check"
                  + " their certificates against"))
          .verify(canister, payload, signature);
    }
  }
}
