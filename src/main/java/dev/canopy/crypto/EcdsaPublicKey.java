package dev.canopy.crypto;

import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An ECDSA public key on P-256 or secp256k1 (RFC 5480 DER, uncompressed point), verifying
 * SHA-256 signatures encoded as 64 bytes {@code r ‖ s}.
 *
 * <p>Note: both low and high {@code s} verify. The spec ("Ed25519 and ECDSA signatures") has no
 * low-s rule and the IC's own verifier accepts high s; a request's id does not cover its
 * signature, so malleability cannot change which request runs.
 */
public final class EcdsaPublicKey implements PublicKey, UserPublicKey {
  public static final int SIGNATURE_BYTES = 64;

  private final EcdsaCurve curve;
  private final byte[] uncompressed;
  private final byte[] der;
  private final ECPublicKeyParameters parameters;

  private EcdsaPublicKey(EcdsaCurve curve, byte[] uncompressed, ECPoint point) {
    this.curve = curve;
    this.uncompressed = uncompressed;
    this.parameters = new ECPublicKeyParameters(point, curve.domain());
    this.der =
        Der.sequence(
            Der.sequence(Der.oid(EcdsaCurve.EC_PUBLIC_KEY_OID), Der.oid(curve.oid())),
            Der.bitString(uncompressed));
  }

  /** The key from its SEC1 uncompressed point {@code 04 ‖ x ‖ y}; validates that it is on the curve. */
  public static EcdsaPublicKey fromUncompressedPoint(EcdsaCurve curve, byte[] point) {
    if (point.length == 33 && (point[0] == 2 || point[0] == 3)) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.NOT_CANONICAL,
          EcdsaCurve.EC_PUBLIC_KEY_OID,
          "the " + curve.displayName() + " public key is a compressed point; the IC requires the"
              + " uncompressed form 04 ‖ x ‖ y (65 bytes)");
    }
    if (point.length != EcdsaCurve.UNCOMPRESSED_POINT_BYTES || point[0] != 4) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.MALFORMED,
          EcdsaCurve.EC_PUBLIC_KEY_OID,
          "an uncompressed " + curve.displayName() + " point has 65 bytes starting with 04; got "
              + point.length + " bytes" + (point.length > 0 ? String.format(" starting with %02x", point[0]) : ""));
    }
    ECPoint decoded;
    try {
      decoded = curve.domain().getCurve().decodePoint(point);
    } catch (IllegalArgumentException e) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.INVALID_POINT,
          EcdsaCurve.EC_PUBLIC_KEY_OID,
          "the " + curve.displayName() + " public key " + Hex.encode(point) + " is not on the curve");
    }
    // Cofactor 1 on both curves: on the curve and not infinity means in the group.
    if (decoded.isInfinity() || !decoded.isValid()) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.INVALID_POINT,
          EcdsaCurve.EC_PUBLIC_KEY_OID,
          "the " + curve.displayName() + " public key is not a valid point");
    }
    return new EcdsaPublicKey(curve, point.clone(), decoded.normalize());
  }

  static EcdsaPublicKey fromPoint(EcdsaCurve curve, ECPoint point) {
    ECPoint normalized = point.normalize();
    return new EcdsaPublicKey(curve, normalized.getEncoded(false), normalized);
  }

  ECPoint point() {
    return parameters.getQ();
  }

  public EcdsaCurve curve() {
    return curve;
  }

  @Override
  public SignatureAlgorithm algorithm() {
    return curve.algorithm();
  }

  @Override
  public String schemeName() {
    return curve.algorithm().displayName();
  }

  @Override
  public byte[] toDer() {
    return der.clone();
  }

  @Override
  public byte[] rawBytes() {
    return uncompressed.clone();
  }

  @Override
  public boolean isValidSignature(byte[] message, byte[] signature) {
    if (signature.length != SIGNATURE_BYTES) {
      return false;
    }
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
    // ECDSASigner rejects r or s outside [1, n-1] itself.
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, parameters);
    return verifier.verifySignature(Hashing.sha256(message), r, s);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EcdsaPublicKey other
        && curve == other.curve
        && Arrays.equals(uncompressed, other.uncompressed);
  }

  @Override
  public int hashCode() {
    return 31 * curve.hashCode() + Arrays.hashCode(uncompressed);
  }

  @Override
  public String toString() {
    return "EcdsaPublicKey[" + curve.displayName() + ", " + Hex.encode(uncompressed) + "]";
  }
}
