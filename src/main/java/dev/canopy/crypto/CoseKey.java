package dev.canopy.crypto;

import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.math.BigInteger;
import java.util.Objects;

/**
 * The COSE key inside a WebAuthn public key (RFC 9052 §7, RFC 9053, RFC 8230): one of the three
 * algorithms the spec allows for web authentication ("Web Authentication"), each as the key of
 * this package that verifies it.
 */
sealed interface CoseKey permits CoseKey.Es256, CoseKey.Rs256, CoseKey.EdDsa {
  /** ECDSA P-256 with SHA-256 (COSE alg -7, key type EC2 on curve 1). */
  record Es256(EcdsaPublicKey key) implements CoseKey {
    public Es256 {
      Objects.requireNonNull(key);
    }

    @Override
    public String displayName() {
      return "ECDSA P-256";
    }
  }

  /** RSASSA-PKCS1-v1_5 with SHA-256 (COSE alg -257, key type RSA). */
  record Rs256(RsaPkcs1PublicKey key) implements CoseKey {
    public Rs256 {
      Objects.requireNonNull(key);
    }

    @Override
    public String displayName() {
      return "RSA PKCS#1 v1.5 SHA-256, " + key.modulusBits() + " bits";
    }
  }

  /** Ed25519 (COSE alg -8, key type OKP on curve 6). */
  record EdDsa(Ed25519PublicKey key) implements CoseKey {
    public EdDsa {
      Objects.requireNonNull(key);
    }

    @Override
    public String displayName() {
      return "Ed25519";
    }
  }

  String displayName();

  // RFC 9052 §7.1 (common parameters), RFC 9053 §7 (EC2, OKP), RFC 8230 §4 (RSA).
  int LABEL_KTY = 1;
  int LABEL_ALG = 3;
  int LABEL_KEY_OPS = 4;
  int LABEL_CRV = -1;
  int LABEL_X = -2;
  int LABEL_Y = -3;
  int LABEL_RSA_N = -1;
  int LABEL_RSA_E = -2;
  int KTY_OKP = 1;
  int KTY_EC2 = 2;
  int KTY_RSA = 3;
  int ALG_ES256 = -7;
  int ALG_EDDSA = -8;
  int ALG_RS256 = -257;
  int CRV_P256 = 1;
  int CRV_ED25519 = 6;
  int KEY_OP_VERIFY = 2;

  /**
   * COSE keys have integer labels, so the decoder allows non-text keys; a key is a flat map (with
   * at most a short {@code key_ops} array), so a small depth suffices.
   */
  CborDecoder DECODER =
      CborDecoder.builder()
          .limits(new CborLimits(Der.MAX_INPUT_BYTES, 4, 256))
          .textKeysOnly(false)
          .build();

  /** Parses a COSE key; anything this replica cannot verify with is an {@link InvalidPublicKeyException}. */
  static CoseKey parse(byte[] cbor) {
    CborMap map;
    try {
      map = DECODER.decode(cbor).asMap("COSE key");
    } catch (InvalidInputException e) {
      throw invalid(InvalidPublicKeyException.Reason.MALFORMED,
          "the WebAuthn key's COSE key is not a CBOR map: " + e.getMessage());
    }
    BigInteger kty = integer(map, LABEL_KTY, "kty (1)");
    BigInteger alg = integer(map, LABEL_ALG, "alg (3)");
    if (kty == null || alg == null) {
      throw invalid(InvalidPublicKeyException.Reason.MALFORMED,
          "the WebAuthn key's COSE key lacks " + (kty == null ? "its key type (label 1)" : "its algorithm (label 3)"));
    }
    checkKeyOps(map);
    if (is(kty, KTY_EC2) && is(alg, ALG_ES256)) {
      requireCurve(map, CRV_P256, "P-256");
      byte[] x = coordinate(map, LABEL_X, "x (-2)");
      byte[] y = coordinate(map, LABEL_Y, "y (-3)");
      byte[] point = new byte[1 + 2 * EcdsaCurve.FIELD_BYTES];
      point[0] = 4;
      System.arraycopy(x, 0, point, 1, EcdsaCurve.FIELD_BYTES);
      System.arraycopy(y, 0, point, 1 + EcdsaCurve.FIELD_BYTES, EcdsaCurve.FIELD_BYTES);
      try {
        return new Es256(EcdsaPublicKey.fromUncompressedPoint(EcdsaCurve.P256, point));
      } catch (InvalidPublicKeyException e) {
        throw invalid(e.reason(), "the WebAuthn key's P-256 point is invalid: " + e.getMessage());
      }
    }
    if (is(kty, KTY_OKP) && is(alg, ALG_EDDSA)) {
      requireCurve(map, CRV_ED25519, "Ed25519");
      byte[] x = bytes(map, LABEL_X, "x (-2)");
      try {
        return new EdDsa(Ed25519PublicKey.fromRaw(x));
      } catch (InvalidPublicKeyException e) {
        throw invalid(e.reason(), "the WebAuthn key's Ed25519 key is invalid: " + e.getMessage());
      }
    }
    if (is(kty, KTY_RSA) && is(alg, ALG_RS256)) {
      byte[] n = bytes(map, LABEL_RSA_N, "n (-1)");
      byte[] e = bytes(map, LABEL_RSA_E, "e (-2)");
      try {
        return new Rs256(RsaPkcs1PublicKey.of(n, e, PublicKeyDer.WEBAUTHN_COSE_OID));
      } catch (InvalidPublicKeyException ex) {
        throw invalid(ex.reason(), "the WebAuthn key's RSA key is invalid: " + ex.getMessage());
      }
    }
    throw invalid(InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
        "the WebAuthn key is a COSE key of type " + kty + " for algorithm " + alg
            + "; supported are ES256 (type 2, alg -7, P-256), RS256 (type 3, alg -257) and EdDSA"
            + " (type 1, alg -8, Ed25519)");
  }

  private static boolean is(BigInteger value, int expected) {
    return value.equals(BigInteger.valueOf(expected));
  }

  private static CborValue label(int label) {
    return label >= 0 ? CborValue.UnsignedInt.of(label) : CborValue.NegativeInt.of(label);
  }

  /** The integer at {@code label}, or null if absent. */
  private static BigInteger integer(CborMap map, int label, String what) {
    CborValue v = map.entries().get(label(label));
    if (v == null) {
      return null;
    }
    if (v instanceof CborValue.UnsignedInt u) {
      return u.value();
    }
    if (v instanceof CborValue.NegativeInt n) {
      return n.value();
    }
    throw invalid(InvalidPublicKeyException.Reason.MALFORMED,
        "the WebAuthn key's COSE parameter " + what + " must be an integer, got " + v.kindName());
  }

  private static byte[] bytes(CborMap map, int label, String what) {
    CborValue v = map.entries().get(label(label));
    if (v instanceof CborValue.ByteString b) {
      return b.bytes();
    }
    throw invalid(InvalidPublicKeyException.Reason.MALFORMED,
        "the WebAuthn key's COSE parameter " + what + " must be a byte string, got "
            + (v == null ? "nothing" : v.kindName()));
  }

  /** An EC2 coordinate: exactly 32 bytes, leading zeros kept (RFC 9053 §7.1.1). */
  private static byte[] coordinate(CborMap map, int label, String what) {
    CborValue v = map.entries().get(label(label));
    if (v instanceof CborValue.Bool) {
      throw invalid(InvalidPublicKeyException.Reason.NOT_CANONICAL,
          "the WebAuthn key's P-256 point is compressed (y is a sign bit); WebAuthn keys carry y");
    }
    byte[] b = bytes(map, label, what);
    if (b.length != EcdsaCurve.FIELD_BYTES) {
      throw invalid(InvalidPublicKeyException.Reason.MALFORMED,
          "the WebAuthn key's P-256 coordinate " + what + " has " + b.length + " bytes; it must have "
              + EcdsaCurve.FIELD_BYTES);
    }
    return b;
  }

  private static void requireCurve(CborMap map, int expected, String name) {
    BigInteger crv = integer(map, LABEL_CRV, "crv (-1)");
    if (crv == null || !is(crv, expected)) {
      throw invalid(crv == null ? InvalidPublicKeyException.Reason.MALFORMED
              : InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
          "the WebAuthn key must name curve " + expected + " (" + name + ") in crv (-1), got "
              + (crv == null ? "nothing" : crv));
    }
  }

  /** If {@code key_ops} is present, it must allow verification (RFC 9052 §7.1, Table 5). */
  private static void checkKeyOps(CborMap map) {
    CborValue ops = map.entries().get(label(LABEL_KEY_OPS));
    if (ops == null) {
      return;
    }
    if (ops instanceof CborArray array) {
      for (CborValue op : array.items()) {
        if (op.equals(CborValue.UnsignedInt.of(KEY_OP_VERIFY)) || op.equals(new CborValue.TextString("verify"))) {
          return;
        }
      }
    }
    throw invalid(InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
        "the WebAuthn key's key_ops (4) do not include verify (2)");
  }

  private static InvalidPublicKeyException invalid(InvalidPublicKeyException.Reason reason, String message) {
    return new InvalidPublicKeyException(reason, PublicKeyDer.WEBAUTHN_COSE_OID, message);
  }
}
