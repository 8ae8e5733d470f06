package dev.canopy.crypto.dkg;

import dev.canopy.crypto.dkg.DkgException.Reason;
import java.math.BigInteger;
import java.util.random.RandomGenerator;

/**
 * A receiver's DKG decryption key: the scalar {@code d} in [1, r-1] behind a
 * {@link DkgEncryptionPublicKey}. Secret; {@link #toString()} shows only the public key.
 *
 * <p>Note: a node keeps this key apart from its Ed25519 signing key. Using one key for both would
 * tie the secrecy of every share ever sent to the node to its signing key, and the complaint proof
 * (a Chaum-Pedersen proof about {@code d}) would then be a statement about the signing key too.
 */
public final class DkgDecryptionKey {
  public static final int BYTES = Group.SCALAR_BYTES;

  private final BigInteger scalar;
  private final DkgEncryptionPublicKey publicKey;

  private DkgDecryptionKey(BigInteger scalar) {
    this.scalar = scalar;
    this.publicKey = DkgEncryptionPublicKey.fromPoint(Group.g1Times(scalar).to_affine());
  }

  /** A new key from {@code random}: a {@link java.security.SecureRandom} in production, seeded in tests. */
  public static DkgDecryptionKey generate(RandomGenerator random) {
    return new DkgDecryptionKey(Group.randomNonZeroScalar(random));
  }

  /** The key from its 32-byte big-endian scalar, which must lie in [1, r-1]. */
  public static DkgDecryptionKey fromBytes(byte[] bigEndian) {
    if (bigEndian.length != BYTES) {
      throw new DkgException(
          Reason.MALFORMED, "a DKG decryption key has " + BYTES + " bytes, got " + bigEndian.length);
    }
    BigInteger scalar = new BigInteger(1, bigEndian);
    if (scalar.signum() == 0 || scalar.compareTo(Group.R) >= 0) {
      throw new DkgException(Reason.MALFORMED, "a DKG decryption key must lie in [1, r-1]");
    }
    return new DkgDecryptionKey(scalar);
  }

  /** The 32-byte big-endian scalar. Secret: store it only where private keys belong. */
  public byte[] toBytes() {
    return Group.scalarBytes(scalar);
  }

  public DkgEncryptionPublicKey publicKey() {
    return publicKey;
  }

  BigInteger scalar() {
    return scalar;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DkgDecryptionKey k && scalar.equals(k.scalar);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "DkgDecryptionKey[public key " + publicKey + "]";
  }
}
