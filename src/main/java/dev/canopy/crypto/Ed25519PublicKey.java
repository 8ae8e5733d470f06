package dev.canopy.crypto;

import dev.canopy.types.Hex;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** An Ed25519 public key (RFC 8032), DER-encoded per RFC 8410. */
public final class Ed25519PublicKey implements PublicKey, UserPublicKey {
  public static final int RAW_BYTES = 32;
  public static final int SIGNATURE_BYTES = 64;
  static final String OID = "1.3.101.112";
  /** {@code SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING }} with a zero key: 44 bytes. */
  static final byte[] DER_TEMPLATE = Der.sequence(Der.sequence(Der.oid(OID)), Der.bitString(new byte[RAW_BYTES]));

  private final byte[] raw;
  private final byte[] der;
  // Decoded once: verification then skips point decompression.
  private final Ed25519.PublicPoint point;

  private Ed25519PublicKey(byte[] raw, Ed25519.PublicPoint point) {
    this.raw = raw;
    this.point = point;
    this.der = Arrays.copyOf(DER_TEMPLATE, DER_TEMPLATE.length);
    System.arraycopy(raw, 0, der, DER_TEMPLATE.length - RAW_BYTES, RAW_BYTES);
  }

  /**
   * The key from its 32-byte encoding.
   *
   * <p>Note: the point must decode canonically, lie on the curve and have prime order (no small
   * order or torsion component); RFC 8032 keys made by any honest implementation always do.
   */
  public static Ed25519PublicKey fromRaw(byte[] raw) {
    if (raw.length != RAW_BYTES) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.MALFORMED,
          OID,
          "an Ed25519 public key has " + RAW_BYTES + " bytes, got " + raw.length);
    }
    byte[] copy = raw.clone();
    Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(copy, 0);
    if (point == null) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.INVALID_POINT,
          OID,
          "the Ed25519 public key " + Hex.encode(copy)
              + " is not a valid point of prime order on edwards25519");
    }
    return new Ed25519PublicKey(copy, point);
  }

  @Override
  public SignatureAlgorithm algorithm() {
    return SignatureAlgorithm.ED25519;
  }

  @Override
  public String schemeName() {
    return SignatureAlgorithm.ED25519.displayName();
  }

  @Override
  public byte[] toDer() {
    return der.clone();
  }

  @Override
  public byte[] rawBytes() {
    return raw.clone();
  }

  @Override
  public boolean isValidSignature(byte[] message, byte[] signature) {
    return signature.length == SIGNATURE_BYTES
        && Ed25519.verify(signature, 0, point, message, 0, message.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ed25519PublicKey other && Arrays.equals(raw, other.raw);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(raw);
  }

  @Override
  public String toString() {
    return "Ed25519PublicKey[" + Hex.encode(raw) + "]";
  }
}
