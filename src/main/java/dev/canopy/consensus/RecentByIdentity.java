package dev.canopy.consensus;

import java.util.function.Function;

/**
 * What a function gave for the last few keys, remembered by the key's identity: for values that
 * are costly to compute from immutable objects handled many times in a row (a block's hash, a
 * block proposal's encoding), where comparing by value would cost as much as computing. It changes
 * no result: the function must be pure. Thread-safe; at most {@code capacity} entries.
 */
final class RecentByIdentity<K, V> {
  private final Object[] recent;
  private final Function<K, V> compute;

  RecentByIdentity(int capacity, Function<K, V> compute) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.recent = new Object[2 * capacity];
    this.compute = compute;
  }

  @SuppressWarnings("unchecked")
  V get(K key) {
    synchronized (recent) {
      for (int i = 0; i < recent.length; i += 2) {
        if (recent[i] == key) {
          return (V) recent[i + 1];
        }
      }
    }
    V value = compute.apply(key);
    synchronized (recent) {
      System.arraycopy(recent, 0, recent, 2, recent.length - 2);
      recent[0] = key;
      recent[1] = value;
    }
    return value;
  }
}
