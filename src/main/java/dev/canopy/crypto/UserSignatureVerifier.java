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
  public static final UserSignatureVerifier WITHOUT_ROOT_KEY = new UserSignatureVerifier(Optional.empty());

  private final Optional<CanisterSignatureVerifier> canisterSignatures;

  private UserSignatureVerifier(Optional<CanisterSignatureVerifier> canisterSignatures) {
    this.canisterSignatures = canisterSignatures;
  }

  /**
   * A verifier whose canister signatures must carry certificates valid under {@code rootKeyDer} (a
   * DER BLS12-381 key): on a replica, its own subnet's root key.
   */
  public static UserSignatureVerifier forRootKey(byte[] rootKeyDer) {
    return new UserSignatureVerifier(Optional.of(CanisterSignatureVerifier.forRootKey(rootKeyDer)));
  }

  public static UserSignatureVerifier of(CanisterSignatureVerifier canisterSignatures) {
    return new UserSignatureVerifier(Optional.of(Objects.requireNonNull(canisterSignatures)));
  }

  /**
   * Throws an {@link InvalidSignatureException} unless {@code signature} is {@code key}'s signature
   * of {@code payload} (the domain separator followed by the message).
   */
  public void verify(UserPublicKey key, byte[] payload, byte[] signature) {
    if (key instanceof PublicKey plain) {
      plain.verify(payload, signature);
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
