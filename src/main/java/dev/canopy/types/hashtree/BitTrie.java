package dev.canopy.types.hashtree;

import java.util.List;

/**
 * The bit-trie shape of a node's forks, for nodes whose labels all have the same length (the
 * request ids under {@code /request_status}): the forks split the labels on their first differing
 * bit, most significant bit of the first byte first, 0 to the left, 1 to the right, and a bit on
 * which all labels below a fork agree makes no fork (single-child paths are collapsed). So the
 * forks depend only on the set of labels, not on how many there are or in which order they came,
 * and with random labels the depth is about log2 n.
 *
 * <p>Note (spec "Certification › Lookup"): for labels of one length, bit order is unsigned
 * byte-lexicographic order, so the labels still increase from left to right, as {@code
 * well_formed} and {@code find_label} require; any fork shape with that property is a valid
 * encoding of the same labeled data (the root hash differs between shapes, the lookups do not).
 */
public final class BitTrie {
  /** {@link #firstDifferingBit} of equal keys. */
  public static final int NONE = -1;

  private BitTrie() {}

  /** Bit {@code index} of {@code key}, counting from the most significant bit of byte 0. */
  public static boolean bit(byte[] key, int index) {
    return (key[index >>> 3] & (0x80 >>> (index & 7))) != 0;
  }

  /** The first bit on which two keys of the same length differ, or {@link #NONE} if they are equal. */
  public static int firstDifferingBit(byte[] a, byte[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "bit-trie labels have one length, got " + a.length + " and " + b.length + " bytes");
    }
    for (int i = 0; i < a.length; i++) {
      int x = (a[i] ^ b[i]) & 0xff;
      if (x != 0) {
        return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
      }
    }
    return NONE;
  }

  /**
   * The forks over labeled subtrees in strictly increasing label order, built from scratch: the
   * reference the incremental structures ({@code RequestStatusTrie}) must agree with.
   */
  static HashTree forks(List<HashTree.Labeled> sorted) {
    return forks(sorted, 0, sorted.size());
  }

  private static HashTree forks(List<HashTree.Labeled> sorted, int from, int to) {
    if (to == from) {
      return HashTree.EMPTY;
    }
    if (to - from == 1) {
      return sorted.get(from);
    }
    // Sorted labels: the first bit on which any of them differ is where the first and last do.
    byte[] first = sorted.get(from).label().rawBytes();
    int split = firstDifferingBit(first, sorted.get(to - 1).label().rawBytes());
    if (split == NONE) {
      throw new IllegalArgumentException("labels must be distinct: " + sorted.get(from).label());
    }
    int mid = from + 1;
    while (!bit(sorted.get(mid).label().rawBytes(), split)) {
      mid++;
    }
    return new HashTree.Fork(forks(sorted, from, mid), forks(sorted, mid, to));
  }
}
