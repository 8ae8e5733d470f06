package dev.canopy.crypto;

import dev.canopy.types.Hex;
import java.util.Arrays;
import supranational.blst.P2;
import supranational.blst.P2_Affine;

/**
 * A BLS12-381 public key: a compressed G2 point of 96 bytes, in DER as the IC writes subnet and
 * root keys (spec "Certification": 37-byte prefix, 133 bytes in total).
 */
public final class BlsPublicKey implements PublicKey {
  public static final int RAW_BYTES = BlsSignatureScheme.PUBLIC_KEY_BYTES;
  /** Algorithm OID 1.3.6.1.4.1.44668.5.3.1.2.1 (BLS12-381 G2 key). */
  static final String OID = "1.3.6.1.4.1.44668.5.3.1.2.1";
  /** Curve OID 1.3.6.1.4.1.44668.5.3.2.1, carried as the AlgorithmIdentifier's parameters. */
  static final String CURVE_OID = "1.3.6.1.4.1.44668.5.3.2.1";
  /** Note: agent-js's {@code extractDER} demands exactly these 37 bytes, so they are fixed, not re-derived. */
  static final byte[] DER_PREFIX =
      Hex.decode("308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100");
  public static final int DER_BYTES = 133;

  private final byte[] compressed;
  private final P2_Affine affine;

  private BlsPublicKey(byte[] compressed, P2_Affine affine) {
    this.compressed = compressed;
    this.affine = affine;
  }

  /** The key from its 96-byte compressed G2 encoding; checks subgroup membership and rejects the identity. */
  public static BlsPublicKey fromCompressed(byte[] bytes) {
    BlsNative.ensureLoaded();
    if (bytes.length != RAW_BYTES) {
      throw invalid(
          InvalidPublicKeyException.Reason.MALFORMED,
          "a BLS12-381 public key has " + RAW_BYTES + " bytes, got " + bytes.length);
    }
    if ((bytes[0] & 0x80) == 0) {
      throw invalid(
          InvalidPublicKeyException.Reason.NOT_CANONICAL,
          "a BLS12-381 public key must be a compressed G2 point (first bit set)");
    }
    P2_Affine point;
    try {
      point = new P2_Affine(bytes);
    } catch (RuntimeException e) { // blst: "BLST_ERROR: bad point encoding", "not on curve"
      throw invalid(
          InvalidPublicKeyException.Reason.INVALID_POINT,
          "the BLS12-381 public key is not a point of G2 (" + e.getMessage() + ")");
    }
    if (point.is_inf()) {
      throw invalid(
          InvalidPublicKeyException.Reason.INVALID_POINT,
          "the BLS12-381 public key is the point at infinity");
    }
    if (!point.in_group()) {
      throw invalid(
          InvalidPublicKeyException.Reason.INVALID_POINT,
          "the BLS12-381 public key is not in the prime-order subgroup of G2");
    }
    return new BlsPublicKey(bytes.clone(), point);
  }

  static BlsPublicKey fromPoint(P2 point) {
    if (point.is_inf()) {
      throw invalid(
          InvalidPublicKeyException.Reason.INVALID_POINT,
          "the BLS12-381 public key is the point at infinity");
    }
    return new BlsPublicKey(point.compress(), point.to_affine());
  }

  private static InvalidPublicKeyException invalid(InvalidPublicKeyException.Reason reason, String message) {
    return new InvalidPublicKeyException(reason, OID, message);
  }

  P2_Affine affine() {
    return affine;
  }

  P2 point() {
    return affine.to_jacobian();
  }

  @Override
  public SignatureAlgorithm algorithm() {
    return SignatureAlgorithm.BLS12_381;
  }

  @Override
  public byte[] toDer() {
    byte[] der = Arrays.copyOf(DER_PREFIX, DER_BYTES);
    System.arraycopy(compressed, 0, der, DER_PREFIX.length, RAW_BYTES);
    return der;
  }

  @Override
  public byte[] rawBytes() {
    return compressed.clone();
  }

  @Override
  public boolean isValidSignature(byte[] message, byte[] signature) {
    return BlsSignatureScheme.verify(this, message, signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlsPublicKey other && Arrays.equals(compressed, other.compressed);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(compressed);
  }

  @Override
  public String toString() {
    return "BlsPublicKey[" + Hex.encode(compressed) + "]";
  }
}
