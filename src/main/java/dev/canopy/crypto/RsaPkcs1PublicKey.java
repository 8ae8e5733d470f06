package dev.canopy.crypto;

import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import java.math.BigInteger;
import java.security.MessageDigest;

/**
 * An RSA public key that verifies RSASSA-PKCS1-v1_5 signatures with SHA-256 (RFC 8017 §8.2.2),
 * the RSA scheme of WebAuthn keys (spec "Web Authentication"; COSE algorithm RS256).
 *
 * <p>Verification re-encodes the expected message representative (EMSA-PKCS1-v1_5, §9.2) and
 * compares it with {@code s^e mod n} byte for byte, as RFC 8017 recommends; nothing of the
 * decrypted block is parsed.
 *
 * <p>Note: the modulus has 2048 to 8192 bits and the exponent is odd and below 2^33, the bounds
 * of the Internet Computer's own RSA verifier; the exponent bound also bounds the cost of a
 * verification that a client can make the replica perform.
 */
final class RsaPkcs1PublicKey {
  static final int MIN_MODULUS_BITS = 2048;
  static final int MAX_MODULUS_BITS = 8192;
  static final int MAX_EXPONENT_BITS = 33;

  /** DER of DigestInfo { sha256 (2.16.840.1.101.3.4.2.1), NULL } up to the 32 hash bytes. */
  private static final byte[] SHA256_DIGEST_INFO_PREFIX =
      Hex.decode("3031300d060960864801650304020105000420");

  private final BigInteger modulus;
  private final BigInteger exponent;
  private final int modulusBytes;

  private RsaPkcs1PublicKey(BigInteger modulus, BigInteger exponent) {
    this.modulus = modulus;
    this.exponent = exponent;
    this.modulusBytes = (modulus.bitLength() + 7) / 8;
  }

  /**
   * The key from its big-endian modulus {@code n} and exponent {@code e} (as COSE carries them);
   * an unacceptable key is an {@link InvalidPublicKeyException} naming the OID of {@code context}.
   */
  static RsaPkcs1PublicKey of(byte[] n, byte[] e, String contextOid) {
    BigInteger modulus = new BigInteger(1, n);
    BigInteger exponent = new BigInteger(1, e);
    int bits = modulus.bitLength();
    if (bits < MIN_MODULUS_BITS || bits > MAX_MODULUS_BITS) {
      throw invalid(contextOid, "an RSA modulus has " + MIN_MODULUS_BITS + " to " + MAX_MODULUS_BITS
          + " bits, got " + bits);
    }
    if (!modulus.testBit(0)) {
      throw invalid(contextOid, "the RSA modulus is even");
    }
    if (exponent.bitLength() > MAX_EXPONENT_BITS || exponent.compareTo(BigInteger.valueOf(3)) < 0
        || !exponent.testBit(0)) {
      throw invalid(contextOid, "the RSA exponent must be odd, at least 3 and below 2^"
          + MAX_EXPONENT_BITS + "; got " + (exponent.bitLength() > 64
              ? "a number of " + exponent.bitLength() + " bits" : exponent.toString()));
    }
    return new RsaPkcs1PublicKey(modulus, exponent);
  }

  private static InvalidPublicKeyException invalid(String oid, String message) {
    return new InvalidPublicKeyException(InvalidPublicKeyException.Reason.MALFORMED, oid, message);
  }

  int modulusBits() {
    return modulus.bitLength();
  }

  /** The signature's length RFC 8017 demands: the modulus's length in bytes. */
  int signatureBytes() {
    return modulusBytes;
  }

  /** Whether {@code signature} is an RSASSA-PKCS1-v1_5 SHA-256 signature of {@code message}. */
  boolean isValidSignature(byte[] message, byte[] signature) {
    if (signature.length != modulusBytes) {
      return false;
    }
    BigInteger s = new BigInteger(1, signature);
    if (s.compareTo(modulus) >= 0) {
      return false;
    }
    byte[] recovered = Bytes.fixedBigEndian(s.modPow(exponent, modulus), modulusBytes);
    return MessageDigest.isEqual(recovered, encode(Hashing.sha256(message)));
  }

  /** EMSA-PKCS1-v1_5: {@code 00 01 FF…FF 00 · DigestInfo}, as long as the modulus. */
  private byte[] encode(byte[] hash) {
    byte[] em = new byte[modulusBytes];
    int t = SHA256_DIGEST_INFO_PREFIX.length + hash.length;
    em[1] = 0x01;
    for (int i = 2; i < modulusBytes - t - 1; i++) {
      em[i] = (byte) 0xff;
    }
    System.arraycopy(SHA256_DIGEST_INFO_PREFIX, 0, em, modulusBytes - t, SHA256_DIGEST_INFO_PREFIX.length);
    System.arraycopy(hash, 0, em, modulusBytes - hash.length, hash.length);
    return em;
  }

  @Override
  public String toString() {
    return "RsaPkcs1PublicKey[" + modulus.bitLength() + " bits, e=" + exponent + "]";
  }
}
