package dev.canopy.crypto;

/**
 * A private key that signs requests, delegations or node messages. {@link #toString()} shows only
 * the public key; the private bytes leave only through {@link #toPem()}.
 */
public sealed interface SigningKey permits Ed25519SigningKey, EcdsaSigningKey {
  PublicKey publicKey();

  /** The signature of {@code message} (a domain separator, if any, is part of the message). */
  byte[] sign(byte[] message);

  /** The key as dfx writes it: PKCS#8 "PRIVATE KEY" (Ed25519) or SEC1 "EC PRIVATE KEY" (ECDSA). */
  default String toPem() {
    return PrivateKeyPem.write(this);
  }

  /** Reads a PEM private key in the formats {@link #toPem()} and dfx write; see {@link PrivateKeyPem}. */
  static SigningKey fromPem(String pem) {
    return PrivateKeyPem.read(pem);
  }
}
