package dev.canopy.crypto;

import java.util.Arrays;
import java.util.Map;

/**
 * Parses DER {@code SubjectPublicKeyInfo} into a {@link PublicKey}, naming the algorithm it saw
 * when it cannot accept one.
 */
final class PublicKeyDer {
  static final String WEBAUTHN_COSE_OID = "1.3.6.1.4.1.56387.1.1";
  static final String CANISTER_SIGNATURE_OID = "1.3.6.1.4.1.56387.1.2";

  /** Names for OIDs a client might plausibly send, so that an error says what was seen. */
  private static final Map<String, String> KNOWN_UNSUPPORTED =
      Map.of(
          WEBAUTHN_COSE_OID, "WebAuthn (DER-wrapped COSE) keys",
          CANISTER_SIGNATURE_OID, "canister-signature keys",
          "1.3.101.113", "Ed448 keys",
          "1.3.101.110", "X25519 keys",
          "1.2.840.113549.1.1.1", "RSA keys",
          "1.2.840.10040.4.1", "DSA keys");

  private static final Map<String, String> KNOWN_CURVES =
      Map.of(
          "1.3.132.0.34", "P-384",
          "1.3.132.0.35", "P-521",
          "1.2.840.10045.3.1.1", "P-192",
          "1.3.132.0.33", "P-224");

  private PublicKeyDer() {}

  static PublicKey parse(byte[] der) {
    String algorithmOid = null;
    try {
      Der.Reader top = Der.Reader.of(der);
      Der.Reader spki = top.enter(Der.SEQUENCE);
      top.expectEnd("the public key");
      Der.Reader algorithm = spki.enter(Der.SEQUENCE);
      algorithmOid = algorithm.readOid();
      return switch (algorithmOid) {
        case Ed25519PublicKey.OID -> parseEd25519(der, algorithm, spki);
        case EcdsaCurve.EC_PUBLIC_KEY_OID -> parseEcdsa(der, algorithm, spki);
        case BlsPublicKey.OID -> parseBls(der);
        default -> throw unsupported(algorithmOid);
      };
    } catch (Der.MalformedDerException e) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.MALFORMED,
          algorithmOid,
          "the public key is not valid DER SubjectPublicKeyInfo: " + e.getMessage());
    }
  }

  private static InvalidPublicKeyException unsupported(String oid) {
    String known = KNOWN_UNSUPPORTED.get(oid);
    String what = known != null ? known + " (OID " + oid + ")" : "keys with algorithm OID " + oid;
    if (oid.equals(WEBAUTHN_COSE_OID) || oid.equals(CANISTER_SIGNATURE_OID)) {
      return new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
          oid,
          what + " authenticate only requests and delegations (UserPublicKey.fromDer); here an"
              + " Ed25519, ECDSA P-256, ECDSA secp256k1 or BLS12-381 key is expected");
    }
    return new InvalidPublicKeyException(
        InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
        oid,
        what + " are not supported; supported are Ed25519, ECDSA P-256, ECDSA secp256k1 and"
            + " BLS12-381 keys, and for requests WebAuthn and canister-signature keys");
  }

  /** The algorithm OID of a DER SubjectPublicKeyInfo, or null if it is not well formed that far. */
  static String algorithmOidOrNull(byte[] der) {
    try {
      Der.Reader top = Der.Reader.of(der);
      return top.enter(Der.SEQUENCE).enter(Der.SEQUENCE).readOid();
    } catch (Der.MalformedDerException e) {
      return null;
    }
  }

  /**
   * The BIT STRING contents of {@code SEQUENCE { SEQUENCE { OID oid }, BIT STRING }}: the shape of
   * the IC's own key types (DER-wrapped COSE, canister signatures), whose AlgorithmIdentifier has
   * no parameters (spec "Web Authentication", "Canister signatures").
   */
  static byte[] wrappedKeyBytes(byte[] der, String oid, String what) {
    try {
      Der.Reader top = Der.Reader.of(der);
      Der.Reader spki = top.enter(Der.SEQUENCE);
      top.expectEnd(what);
      Der.Reader algorithm = spki.enter(Der.SEQUENCE);
      String actual = algorithm.readOid();
      if (!actual.equals(oid)) {
        throw new InvalidPublicKeyException(
            InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM, actual,
            what + " must have algorithm OID " + oid + ", got " + actual);
      }
      if (algorithm.hasMore()) {
        throw notCanonical(oid, what + "'s AlgorithmIdentifier must have no parameters");
      }
      byte[] bytes = spki.readBitStringBytes();
      spki.expectEnd(what);
      return bytes;
    } catch (Der.MalformedDerException e) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.MALFORMED, oid,
          what + " is not valid DER SubjectPublicKeyInfo: " + e.getMessage());
    }
  }

  /** {@code SEQUENCE { SEQUENCE { OID oid }, BIT STRING bytes }}. */
  static byte[] wrapKeyBytes(String oid, byte[] bytes) {
    return Der.sequence(Der.sequence(Der.oid(oid)), Der.bitString(bytes));
  }

  private static PublicKey parseEd25519(byte[] der, Der.Reader algorithm, Der.Reader spki)
      throws Der.MalformedDerException {
    // RFC 8410 §3: the parameters MUST be absent.
    if (algorithm.hasMore()) {
      throw notCanonical(Ed25519PublicKey.OID, "an Ed25519 key's AlgorithmIdentifier must have no parameters");
    }
    byte[] raw = spki.readBitStringBytes();
    spki.expectEnd("the Ed25519 key");
    Ed25519PublicKey key = Ed25519PublicKey.fromRaw(raw);
    requireCanonical(der, key, Ed25519PublicKey.OID);
    return key;
  }

  private static PublicKey parseEcdsa(byte[] der, Der.Reader algorithm, Der.Reader spki)
      throws Der.MalformedDerException {
    if (!algorithm.hasMore() || algorithm.peekTag() != Der.OID) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
          EcdsaCurve.EC_PUBLIC_KEY_OID,
          "an ECDSA key must name its curve by OID (explicit or implicit curve parameters are not"
              + " supported)");
    }
    String curveOid = algorithm.readOid();
    algorithm.expectEnd("the ECDSA curve OID");
    EcdsaCurve curve = EcdsaCurve.byOid(curveOid);
    if (curve == null) {
      String name = KNOWN_CURVES.get(curveOid);
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
          EcdsaCurve.EC_PUBLIC_KEY_OID,
          "ECDSA keys on curve " + (name != null ? name + " (OID " + curveOid + ")" : "OID " + curveOid)
              + " are not supported; supported are P-256 (1.2.840.10045.3.1.7) and secp256k1"
              + " (1.3.132.0.10)");
    }
    byte[] point = spki.readBitStringBytes();
    spki.expectEnd("the ECDSA key");
    EcdsaPublicKey key = EcdsaPublicKey.fromUncompressedPoint(curve, point);
    requireCanonical(der, key, EcdsaCurve.EC_PUBLIC_KEY_OID);
    return key;
  }

  private static PublicKey parseBls(byte[] der) {
    if (der.length != BlsPublicKey.DER_BYTES
        || !Arrays.equals(der, 0, BlsPublicKey.DER_PREFIX.length, BlsPublicKey.DER_PREFIX, 0, BlsPublicKey.DER_PREFIX.length)) {
      throw notCanonical(
          BlsPublicKey.OID,
          "a BLS12-381 key in DER must be the 37-byte prefix 308182…036100 followed by the"
              + " 96-byte key (133 bytes); got " + der.length + " bytes with a different header");
    }
    return BlsPublicKey.fromCompressed(Arrays.copyOfRange(der, BlsPublicKey.DER_PREFIX.length, der.length));
  }

  private static void requireCanonical(byte[] der, PublicKey key, String oid) {
    if (!Arrays.equals(der, key.toDer())) {
      throw notCanonical(oid, "the " + key.algorithm().displayName() + " key is not in canonical DER");
    }
  }

  private static InvalidPublicKeyException notCanonical(String oid, String message) {
    return new InvalidPublicKeyException(InvalidPublicKeyException.Reason.NOT_CANONICAL, oid, message);
  }
}
