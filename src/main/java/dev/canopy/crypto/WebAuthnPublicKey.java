package dev.canopy.crypto;

import dev.canopy.types.Hex;
import java.util.Arrays;

/**
 * A WebAuthn public key (spec "Web Authentication"): DER {@code SubjectPublicKeyInfo} with OID
 * 1.3.6.1.4.1.56387.1.1 whose BIT STRING is the authenticator's COSE key, as the browser returned
 * it from {@code navigator.credentials.create()}. The COSE key is ECDSA P-256 (ES256), RSA PKCS#1
 * v1.5 with SHA-256 (RS256) or Ed25519 (EdDSA).
 *
 * <p>Note: the DER bytes are kept as received, not re-encoded: the sender's principal hashes
 * them, and COSE has no single canonical form that every authenticator writes.
 */
public final class WebAuthnPublicKey implements UserPublicKey {
  public static final String OID = PublicKeyDer.WEBAUTHN_COSE_OID;

  private final byte[] der;
  private final byte[] cose;
  private final CoseKey key;

  private WebAuthnPublicKey(byte[] der, byte[] cose, CoseKey key) {
    this.der = der;
    this.cose = cose;
    this.key = key;
  }

  /** Parses the DER key and its COSE key; anything unacceptable is an {@link InvalidPublicKeyException}. */
  public static WebAuthnPublicKey fromDer(byte[] der) {
    byte[] cose = PublicKeyDer.wrappedKeyBytes(der, OID, "a WebAuthn key");
    return new WebAuthnPublicKey(der.clone(), cose, CoseKey.parse(cose));
  }

  /** Wraps the COSE key an authenticator returned (a CBOR map) in DER. */
  public static WebAuthnPublicKey fromCose(byte[] cose) {
    return fromDer(PublicKeyDer.wrapKeyBytes(OID, cose));
  }

  CoseKey coseKey() {
    return key;
  }

  /** The COSE key's algorithm: "ECDSA P-256", "RSA PKCS#1 v1.5 SHA-256, 2048 bits" or "Ed25519". */
  public String algorithmName() {
    return key.displayName();
  }

  public byte[] cose() {
    return cose.clone();
  }

  @Override
  public byte[] toDer() {
    return der.clone();
  }

  @Override
  public String schemeName() {
    return "WebAuthn (" + key.displayName() + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WebAuthnPublicKey k && Arrays.equals(der, k.der);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(der);
  }

  @Override
  public String toString() {
    return "WebAuthnPublicKey[" + key.displayName() + ", " + Hex.encode(cose) + "]";
  }
}
