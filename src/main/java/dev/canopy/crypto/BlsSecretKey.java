package dev.canopy.crypto;

import java.math.BigInteger;
import supranational.blst.P2;
import supranational.blst.SecretKey;

/** A BLS12-381 secret key: a scalar in [1, r-1]. {@link #toString()} never shows it. */
public final class BlsSecretKey {
  /** The order r of G1, G2 and the scalar field. */
  public static final BigInteger GROUP_ORDER =
      new BigInteger("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", 16);
  public static final int MIN_SEED_BYTES = 32;
  public static final int SCALAR_BYTES = 32;

  private final BigInteger scalar;
  private final SecretKey blstKey;

  private BlsSecretKey(BigInteger scalar) {
    this.scalar = scalar;
    this.blstKey = new SecretKey();
    blstKey.from_bendian(Bytes.fixedBigEndian(scalar, SCALAR_BYTES));
  }

  /**
   * The key that KeyGen of draft-irtf-cfrg-bls-signature derives from {@code seed} (blst's
   * {@code keygen}): the same seed always gives the same key.
   */
  public static BlsSecretKey fromSeed(byte[] seed) {
    BlsNative.ensureLoaded();
    if (seed.length < MIN_SEED_BYTES) {
      throw new InvalidPrivateKeyException(
          "a BLS key seed needs at least " + MIN_SEED_BYTES + " bytes, got " + seed.length);
    }
    SecretKey sk = new SecretKey();
    sk.keygen(seed);
    return new BlsSecretKey(new BigInteger(1, sk.to_bendian()));
  }

  /** The key with the given scalar, which must lie in [1, r-1]. */
  public static BlsSecretKey fromScalar(BigInteger scalar) {
    BlsNative.ensureLoaded();
    if (scalar.signum() <= 0 || scalar.compareTo(GROUP_ORDER) >= 0) {
      throw new InvalidPrivateKeyException("a BLS12-381 secret scalar must lie in [1, r-1]");
    }
    return new BlsSecretKey(scalar);
  }

  /** The key from its 32-byte big-endian scalar. */
  public static BlsSecretKey fromBytes(byte[] bigEndian) {
    if (bigEndian.length != SCALAR_BYTES) {
      throw new InvalidPrivateKeyException(
          "a BLS12-381 secret key has " + SCALAR_BYTES + " bytes, got " + bigEndian.length);
    }
    return fromScalar(new BigInteger(1, bigEndian));
  }

  public BigInteger scalar() {
    return scalar;
  }

  /** The 32-byte big-endian scalar. Secret: store it only where private keys belong. */
  public byte[] toBytes() {
    return Bytes.fixedBigEndian(scalar, SCALAR_BYTES);
  }

  public BlsPublicKey publicKey() {
    return BlsPublicKey.fromPoint(new P2(blstKey));
  }

  public byte[] sign(byte[] message) {
    return BlsSignatureScheme.sign(this, message);
  }

  SecretKey blstKey() {
    return blstKey;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlsSecretKey other && scalar.equals(other.scalar);
  }

  @Override
  public int hashCode() {
    return scalar.hashCode();
  }

  @Override
  public String toString() {
    return "BlsSecretKey[public key " + publicKey() + "]";
  }
}
