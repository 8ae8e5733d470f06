package dev.canopy.crypto;

import dev.canopy.types.Hashing;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.random.RandomGenerator;

/**
 * A random stream fully determined by its seed: block i is {@code SHA-256(seed · i)} (i as 8
 * bytes big-endian). For replicated decisions (randomness from the random beacon) and tests; not
 * for secrets that need fresh entropy, which come from {@link java.security.SecureRandom}.
 *
 * <p>Not thread-safe: every user holds its own instance.
 */
public final class DeterministicRandom implements RandomGenerator {
  public static final int MIN_SEED_BYTES = 16;

  private final byte[] seed;
  private final MessageDigest sha256 = Hashing.sha256Digest();
  private long counter;
  private final byte[] block = new byte[32];
  private int used = block.length;

  public DeterministicRandom(byte[] seed) {
    if (seed.length < MIN_SEED_BYTES) {
      throw new IllegalArgumentException(
          "a seed needs at least " + MIN_SEED_BYTES + " bytes, got " + seed.length);
    }
    this.seed = seed.clone();
  }

  /** A stream seeded from a number, for tests that print their seed. */
  public static DeterministicRandom fromSeed(long seed) {
    return new DeterministicRandom(ByteBuffer.allocate(16).putLong(0x63616e6f70792d31L).putLong(seed).array());
  }

  @Override
  public void nextBytes(byte[] out) {
    for (int i = 0; i < out.length; i++) {
      if (used == block.length) {
        refill();
      }
      out[i] = block[used++];
    }
  }

  @Override
  public long nextLong() {
    byte[] eight = new byte[8];
    nextBytes(eight);
    return ByteBuffer.wrap(eight).getLong();
  }

  private void refill() {
    sha256.update(seed);
    sha256.update(ByteBuffer.allocate(8).putLong(counter++).array());
    try {
      sha256.digest(block, 0, block.length);
    } catch (java.security.DigestException e) {
      throw new IllegalStateException(e);
    }
    used = 0;
  }
}
