package dev.canopy.crypto;

/** The signature schemes whose DER public keys this package understands (spec "Signatures"). */
public enum SignatureAlgorithm {
  ED25519("Ed25519", 64),
  ECDSA_P256("ECDSA P-256", 64),
  ECDSA_SECP256K1("ECDSA secp256k1", 64),
  /** BLS12-381 min-sig: the IC's subnet and root keys; never a user's request key ({@link UserPublicKey}). */
  BLS12_381("BLS12-381", BlsSignatureScheme.SIGNATURE_BYTES);

  private final String displayName;
  private final int signatureBytes;

  SignatureAlgorithm(String displayName, int signatureBytes) {
    this.displayName = displayName;
    this.signatureBytes = signatureBytes;
  }

  public String displayName() {
    return displayName;
  }

  public int signatureBytes() {
    return signatureBytes;
  }
}
