package dev.canopy.crypto;

/**
 * A public key as the IC encodes it: DER {@code SubjectPublicKeyInfo} (spec "Signatures").
 *
 * <p>Instances are valid by construction: the point is on its curve (and, for BLS, in the
 * prime-order subgroup and not the identity), and {@link #toDer()} is the one canonical encoding,
 * so two keys are equal exactly when their DER bytes are.
 */
public sealed interface PublicKey permits Ed25519PublicKey, EcdsaPublicKey, BlsPublicKey {
  /** Parses and validates a DER public key; anything else is an {@link InvalidPublicKeyException}. */
  static PublicKey fromDer(byte[] der) {
    return PublicKeyDer.parse(der);
  }

  SignatureAlgorithm algorithm();

  /** The canonical DER encoding (a copy). */
  byte[] toDer();

  /**
   * The key without its DER wrapping: 32 bytes (Ed25519), 65 bytes {@code 04 ‖ x ‖ y} (ECDSA) or
   * 96 bytes compressed G2 (BLS).
   */
  byte[] rawBytes();

  /** Whether {@code signature} is this key's signature of {@code message}; never throws for bad input. */
  boolean isValidSignature(byte[] message, byte[] signature);

  /**
   * Like {@link #isValidSignature} but explains a failure: a signature of the wrong length is
   * {@link InvalidSignatureException.Reason#MALFORMED}, a wrong one {@code DOES_NOT_VERIFY}.
   */
  default void verify(byte[] message, byte[] signature) {
    int expected = algorithm().signatureBytes();
    if (signature.length != expected) {
      throw new InvalidSignatureException(
          InvalidSignatureException.Reason.MALFORMED,
          "a " + algorithm().displayName() + " signature has " + expected + " bytes, got "
              + signature.length);
    }
    if (!isValidSignature(message, signature)) {
      throw new InvalidSignatureException(
          InvalidSignatureException.Reason.DOES_NOT_VERIFY,
          "the " + algorithm().displayName() + " signature does not verify under the given key");
    }
  }
}
