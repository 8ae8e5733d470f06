package dev.canopy.crypto;

import dev.canopy.types.Hashing;
import java.math.BigInteger;
import java.util.random.RandomGenerator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * An ECDSA private key on P-256 or secp256k1. Signatures are over SHA-256 of the message, with the
 * nonce of RFC 6979 (deterministic: no randomness at signing time), as 64 bytes {@code r ‖ s}.
 *
 * <p>Note: on secp256k1 the signature is normalized to low {@code s}, as Bitcoin-derived tools
 * and the IC's own secp256k1 library produce it; verifiers accept either form.
 */
public final class EcdsaSigningKey implements SigningKey {
  private final EcdsaCurve curve;
  private final BigInteger scalar;
  private final EcdsaPublicKey publicKey;

  private EcdsaSigningKey(EcdsaCurve curve, BigInteger scalar) {
    this.curve = curve;
    this.scalar = scalar;
    this.publicKey =
        EcdsaPublicKey.fromPoint(curve, new FixedPointCombMultiplier().multiply(curve.domain().getG(), scalar));
  }

  /** A new key from {@code random}: a {@link java.security.SecureRandom} in production, a seeded one in tests. */
  public static EcdsaSigningKey generate(EcdsaCurve curve, RandomGenerator random) {
    byte[] candidate = new byte[EcdsaCurve.FIELD_BYTES];
    // Rejection sampling keeps the scalar uniform in [1, n-1]; it almost never loops.
    while (true) {
      random.nextBytes(candidate);
      BigInteger d = new BigInteger(1, candidate);
      if (d.signum() > 0 && d.compareTo(curve.order()) < 0) {
        return new EcdsaSigningKey(curve, d);
      }
    }
  }

  /** The key with the given 32-byte big-endian private scalar, which must lie in [1, n-1]. */
  public static EcdsaSigningKey fromPrivateScalar(EcdsaCurve curve, byte[] bigEndian) {
    if (bigEndian.length == 0 || bigEndian.length > EcdsaCurve.FIELD_BYTES) {
      throw new InvalidPrivateKeyException(
          "an " + curve.displayName() + " private key has at most " + EcdsaCurve.FIELD_BYTES
              + " bytes, got " + bigEndian.length);
    }
    BigInteger d = new BigInteger(1, bigEndian);
    if (d.signum() == 0 || d.compareTo(curve.order()) >= 0) {
      throw new InvalidPrivateKeyException(
          "an " + curve.displayName() + " private key must lie in [1, n-1] for the curve order n");
    }
    return new EcdsaSigningKey(curve, d);
  }

  public EcdsaCurve curve() {
    return curve;
  }

  /** The 32-byte big-endian private scalar. Secret. */
  public byte[] privateScalar() {
    return Bytes.fixedBigEndian(scalar, 32);
  }

  @Override
  public EcdsaPublicKey publicKey() {
    return publicKey;
  }

  @Override
  public byte[] sign(byte[] message) {
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(scalar, curve.domain()));
    BigInteger[] rs = signer.generateSignature(Hashing.sha256(message));
    BigInteger s = rs[1];
    if (curve == EcdsaCurve.SECP256K1 && s.compareTo(curve.halfOrder()) > 0) {
      s = curve.order().subtract(s);
    }
    byte[] out = new byte[EcdsaPublicKey.SIGNATURE_BYTES];
    System.arraycopy(Bytes.fixedBigEndian(rs[0], 32), 0, out, 0, 32);
    System.arraycopy(Bytes.fixedBigEndian(s, 32), 0, out, 32, 32);
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EcdsaSigningKey other && curve == other.curve && scalar.equals(other.scalar);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "EcdsaSigningKey[public key " + publicKey + "]";
  }
}
