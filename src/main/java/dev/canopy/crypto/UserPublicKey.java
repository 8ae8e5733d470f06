package dev.canopy.crypto;

/**
 * A key that may sign requests and delegations (spec "Signatures", "Authentication"): a plain
 * Ed25519 or ECDSA key, a WebAuthn key (DER-wrapped COSE), or a canister-signature key. Each is
 * DER {@code SubjectPublicKeyInfo}, and its DER bytes are what the sender's self-authenticating
 * principal hashes. {@link UserSignatureVerifier} verifies signatures by any of them.
 */
public sealed interface UserPublicKey
    permits Ed25519PublicKey, EcdsaPublicKey, WebAuthnPublicKey, CanisterSignaturePublicKey {
  /**
   * Parses a DER key and checks it may sign requests; anything else is an {@link
   * InvalidPublicKeyException} (a BLS key is {@link InvalidPublicKeyException.Reason#UNSUPPORTED_ALGORITHM}).
   */
  static UserPublicKey fromDer(byte[] der) {
    String oid = PublicKeyDer.algorithmOidOrNull(der);
    if (PublicKeyDer.WEBAUTHN_COSE_OID.equals(oid)) {
      return WebAuthnPublicKey.fromDer(der);
    }
    if (PublicKeyDer.CANISTER_SIGNATURE_OID.equals(oid)) {
      return CanisterSignaturePublicKey.fromDer(der);
    }
    PublicKey key = PublicKey.fromDer(der);
    if (key instanceof UserPublicKey user) {
      return user;
    }
    throw new InvalidPublicKeyException(
        InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
        oid,
        "a " + key.algorithm().displayName() + " key cannot sign requests; use Ed25519, ECDSA"
            + " (P-256, secp256k1), a WebAuthn key or a canister-signature key");
  }

  /** The DER encoding the request carried (a copy). */
  byte[] toDer();

  /** The scheme, for messages: "Ed25519", "WebAuthn (ECDSA P-256)", "canister signature". */
  String schemeName();
}
