package dev.canopy.types.cbor;

/**
 * Bounds the decoder enforces before it allocates anything.
 *
 * @param maxSizeBytes the largest input accepted
 * @param maxDepth how deeply arrays, maps and tags may nest (the top item is depth 1)
 * @param maxItemCount how many data items the whole input may hold (each string, integer, array
 *     and map counts one)
 */
public record CborLimits(int maxSizeBytes, int maxDepth, int maxItemCount) {
  /** Decoding recurses once per level, so this bounds the stack the decoder can use. */
  public static final int MAX_DEPTH_CEILING = 1024;

  /**
   * Room for a 2 MiB ingress payload with its envelope, and for certificates of deep state trees
   * (a state tree nests forks under a handful of labels, the deepest being the
   * {@code /request_status} bit trie, about log2 n deep for hashed request ids: well under 256).
   */
  public static final CborLimits DEFAULT = new CborLimits(4 * 1024 * 1024, 256, 1 << 20);

  public CborLimits {
    if (maxSizeBytes < 1) {
      throw new IllegalArgumentException("maxSizeBytes must be positive: " + maxSizeBytes);
    }
    if (maxDepth < 1 || maxDepth > MAX_DEPTH_CEILING) {
      throw new IllegalArgumentException(
          "maxDepth must be within 1.." + MAX_DEPTH_CEILING + ": " + maxDepth);
    }
    if (maxItemCount < 1) {
      throw new IllegalArgumentException("maxItemCount must be positive: " + maxItemCount);
    }
  }

  public CborLimits withMaxSizeBytes(int value) {
    return new CborLimits(value, maxDepth, maxItemCount);
  }

  public CborLimits withMaxDepth(int value) {
    return new CborLimits(maxSizeBytes, value, maxItemCount);
  }

  public CborLimits withMaxItemCount(int value) {
    return new CborLimits(maxSizeBytes, maxDepth, value);
  }
}
