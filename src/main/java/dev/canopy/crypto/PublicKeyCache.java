package dev.canopy.crypto;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parsed public keys by their DER bytes: a sender who signs many requests has its key parsed and
 * its point validated once (about 50 µs for Ed25519, whose validation includes a subgroup check)
 * instead of once per request. (The sender's principal is not kept: it is one SHA-224 of the
 * bytes, about as cheap as a lookup here.)
 *
 * <p>Bounded: at most {@code maxKeys} entries, the least recently used going first. Only keys that
 * parse are kept; bytes that do not are parsed (and refused) every time. A hit returns the very
 * key that parsing these bytes returned before, so a cache never changes a result: {@link
 * UserPublicKey} instances are immutable and equal exactly when their DER bytes are. Thread-safe.
 */
public final class PublicKeyCache {
  /** Enough for the distinct senders of a busy node's recent requests. */
  public static final int DEFAULT_MAX_KEYS = 4096;

  private final int maxKeys;
  private final LinkedHashMap<Der, UserPublicKey> entries;
  private long hits;
  private long misses;

  /**
   * DER bytes as a map key. Comparable, so that even colliding hash codes (which a client can
   * choose) keep lookups logarithmic in the map's bins.
   */
  private record Der(byte[] bytes) implements Comparable<Der> {
    @Override
    public boolean equals(Object o) {
      return o instanceof Der other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(Der other) {
      return Arrays.compareUnsigned(bytes, other.bytes);
    }
  }

  /** A cache of up to {@code maxKeys} keys; 0 keeps none (every lookup parses). */
  public PublicKeyCache(int maxKeys) {
    if (maxKeys < 0) {
      throw new IllegalArgumentException("maxKeys must not be negative");
    }
    this.maxKeys = maxKeys;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Der, UserPublicKey> eldest) {
        return size() > PublicKeyCache.this.maxKeys;
      }
    };
  }

  private static final PublicKeyCache NONE = new PublicKeyCache(0);

  /** A cache that keeps nothing: the behaviour of parsing each time. */
  public static PublicKeyCache none() {
    return NONE;
  }

  /** {@link UserPublicKey#fromDer}, remembered: the same key, or the same exception. */
  public UserPublicKey fromDer(byte[] der) {
    if (maxKeys == 0) {
      return UserPublicKey.fromDer(der);
    }
    Der key = new Der(der);
    synchronized (entries) {
      UserPublicKey known = entries.get(key);
      if (known != null) {
        hits++;
        return known;
      }
      misses++;
    }
    // Parsed outside the lock: two threads may parse the same new key, and both get equal keys.
    byte[] copy = der.clone();
    UserPublicKey parsed = UserPublicKey.fromDer(copy);
    synchronized (entries) {
      entries.putIfAbsent(new Der(copy), parsed);
    }
    return parsed;
  }

  /** Keys held now; never more than {@code maxKeys}. */
  public int size() {
    synchronized (entries) {
      return entries.size();
    }
  }

  /** Lookups answered from the cache, and lookups that parsed. */
  public record Stats(long hits, long misses) {}

  public Stats stats() {
    synchronized (entries) {
      return new Stats(hits, misses);
    }
  }
}
