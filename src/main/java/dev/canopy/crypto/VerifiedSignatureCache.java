package dev.canopy.crypto;

import dev.canopy.types.Hashing;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The (public key, message, signature) triples that verified here before, so that the same
 * signature is checked once, not once per look: a call is verified when a client sends it, when
 * a peer gossips it and when a block carries it, and the replicas of a subnet that run in one
 * process ({@code canopy start --replicas 4}) each meet every call.
 *
 * <p>Only plain signatures ({@link PublicKey}: Ed25519, ECDSA, BLS, and BLS signature shares) are
 * kept, whose validity is a pure function of the triple (consensus checks its node signatures and
 * beacon shares through here too); a hit answers exactly what verifying again would, so a cache never
 * changes a verdict. A triple enters only after this process verified it itself; failures are
 * not kept. Entries are SHA-256 digests of the length-prefixed triple (32 bytes each), at most
 * {@code maxEntries}, the least recently used going first. Thread-safe.
 *
 * <p>Note (trust): one process is one trust domain, so the replicas of a subnet in one process
 * share {@link #processWide()} (a replica in another process verifies every call itself, since
 * nothing of this cache crosses a process). Nothing a peer sends can put an entry here: only a
 * verification that succeeded in this process does.
 */
public final class VerifiedSignatureCache {
  /** About a minute of a busy subnet's calls; 64 Ki digests take a few MiB. */
  public static final int DEFAULT_MAX_ENTRIES = 65_536;

  private static final byte[] DOMAIN = Hashing.domainSeparator("canopy-verified-signature");
  private static final VerifiedSignatureCache PROCESS_WIDE = new VerifiedSignatureCache(DEFAULT_MAX_ENTRIES);
  private static final VerifiedSignatureCache NONE = new VerifiedSignatureCache(0);

  private final int maxEntries;
  private final LinkedHashMap<ByteBuffer, Boolean> entries;
  private long hits;
  private long misses;

  /** A cache of up to {@code maxEntries} triples; 0 keeps none (every signature is verified). */
  public VerifiedSignatureCache(int maxEntries) {
    if (maxEntries < 0) {
      throw new IllegalArgumentException("maxEntries must not be negative");
    }
    this.maxEntries = maxEntries;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Boolean> eldest) {
        return size() > VerifiedSignatureCache.this.maxEntries;
      }
    };
  }

  /** The cache every replica of this process shares (see the class Note). */
  public static VerifiedSignatureCache processWide() {
    return PROCESS_WIDE;
  }

  /** A cache that keeps nothing. */
  public static VerifiedSignatureCache none() {
    return NONE;
  }

  /** {@link PublicKey#verify}, skipped for a triple that verified here before. */
  public void verify(PublicKey key, byte[] message, byte[] signature) {
    if (maxEntries == 0) {
      key.verify(message, signature);
      return;
    }
    ByteBuffer digest = digest(key.toDer(), message, signature);
    if (known(digest)) {
      return;
    }
    key.verify(message, signature); // throws if it does not verify: nothing is kept
    remember(digest);
  }

  /** {@link PublicKey#isValidSignature}, answered from the cache for a triple that verified here before. */
  public boolean isValid(PublicKey key, byte[] message, byte[] signature) {
    if (maxEntries == 0) {
      return key.isValidSignature(message, signature);
    }
    ByteBuffer digest = digest(key.toDer(), message, signature);
    if (known(digest)) {
      return true;
    }
    boolean valid = key.isValidSignature(message, signature);
    if (valid) {
      remember(digest);
    }
    return valid;
  }

  /**
   * {@link ThresholdBls#verifyShare}, answered from the cache for a share that verified here
   * before (the share's index is part of what is kept).
   */
  public boolean isValidShare(ThresholdBls.PublicKeyShare key, byte[] message, ThresholdBls.SignatureShare share) {
    if (maxEntries == 0) {
      return ThresholdBls.verifyShare(key, message, share);
    }
    byte[] keyId = Bytes.concat(ByteBuffer.allocate(Integer.BYTES).putInt(key.index()).array(), key.key().toDer());
    ByteBuffer digest = digest(keyId, message, share.signature());
    if (known(digest)) {
      return share.index() == key.index();
    }
    boolean valid = ThresholdBls.verifyShare(key, message, share);
    if (valid) {
      remember(digest);
    }
    return valid;
  }

  private boolean known(ByteBuffer digest) {
    synchronized (entries) {
      if (entries.get(digest) != null) {
        hits++;
        return true;
      }
      misses++;
      return false;
    }
  }

  private void remember(ByteBuffer digest) {
    synchronized (entries) {
      entries.put(digest, Boolean.TRUE);
    }
  }

  private static ByteBuffer digest(byte[] key, byte[] message, byte[] signature) {
    MessageDigest sha = Hashing.sha256Digest();
    sha.update(DOMAIN);
    for (byte[] part : new byte[][] {key, message, signature}) {
      sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(part.length).array());
      sha.update(part);
    }
    return ByteBuffer.wrap(sha.digest());
  }

  /** Triples held now; never more than {@code maxEntries}. */
  public int size() {
    synchronized (entries) {
      return entries.size();
    }
  }

  /** Verifications answered from the cache, and verifications done. */
  public record Stats(long hits, long misses) {}

  public Stats stats() {
    synchronized (entries) {
      return new Stats(hits, misses);
    }
  }
}
