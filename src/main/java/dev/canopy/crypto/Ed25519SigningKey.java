package dev.canopy.crypto;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** An Ed25519 private key: the 32-byte seed of RFC 8032. Signing is deterministic. */
public final class Ed25519SigningKey implements SigningKey {
  public static final int SEED_BYTES = 32;

  private final byte[] seed;
  private final Ed25519PublicKey publicKey;
  // The raw public key, derived once: signing with it skips a scalar multiplication per signature.
  private final byte[] publicKeyRaw;

  private Ed25519SigningKey(byte[] seed) {
    this.seed = seed;
    byte[] pk = new byte[Ed25519PublicKey.RAW_BYTES];
    Ed25519.generatePublicKey(seed, 0, pk, 0);
    this.publicKey = Ed25519PublicKey.fromRaw(pk);
    this.publicKeyRaw = pk;
  }

  /** A new key from {@code random}: a {@link java.security.SecureRandom} in production, a seeded one in tests. */
  public static Ed25519SigningKey generate(RandomGenerator random) {
    byte[] seed = new byte[SEED_BYTES];
    random.nextBytes(seed);
    return new Ed25519SigningKey(seed);
  }

  public static Ed25519SigningKey fromSeed(byte[] seed) {
    if (seed.length != SEED_BYTES) {
      throw new InvalidPrivateKeyException(
          "an Ed25519 private key has " + SEED_BYTES + " bytes, got " + seed.length);
    }
    return new Ed25519SigningKey(seed.clone());
  }

  /** The 32-byte seed. Secret. */
  public byte[] seed() {
    return seed.clone();
  }

  @Override
  public Ed25519PublicKey publicKey() {
    return publicKey;
  }

  @Override
  public byte[] sign(byte[] message) {
    byte[] signature = new byte[Ed25519PublicKey.SIGNATURE_BYTES];
    // Note: the same signature as signing with the seed alone (RFC 8032 §5.1.6 derives A from the
    // seed); passing A saves half the cost, which matters because the node signs every query answer.
    Ed25519.sign(seed, 0, publicKeyRaw, 0, message, 0, message.length, signature, 0);
    return signature;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ed25519SigningKey other && Arrays.equals(seed, other.seed);
  }

  @Override
  public int hashCode() {
    return publicKey.hashCode();
  }

  @Override
  public String toString() {
    return "Ed25519SigningKey[public key " + publicKey + "]";
  }
}
