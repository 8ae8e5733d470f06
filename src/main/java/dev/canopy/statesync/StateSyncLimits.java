package dev.canopy.statesync;

/**
 * Bounds on one state sync, on the fetching side.
 *
 * @param maxStateBytes largest checkpoint this replica fetches (and holds whole in memory)
 * @param maxChunksInFlight chunk (or manifest) requests outstanding at once, over all peers
 * @param requestTimeoutMs how long a peer has to answer one request before it goes to another
 * @param maxTimeoutsPerPeer a peer that lets this many requests time out is not asked again
 * @param maxSyncMs how long the whole sync may take before it is given up
 */
public record StateSyncLimits(
    long maxStateBytes,
    int maxChunksInFlight,
    long requestTimeoutMs,
    int maxTimeoutsPerPeer,
    long maxSyncMs) {
  /** The largest state one byte array holds, with room for the array header. */
  public static final long MAX_STATE_BYTES = Integer.MAX_VALUE - 64L;

  public StateSyncLimits {
    if (maxStateBytes < 1 || maxStateBytes > MAX_STATE_BYTES) {
      throw new IllegalArgumentException("maxStateBytes must be in [1, " + MAX_STATE_BYTES + "]");
    }
    if (maxChunksInFlight < 1 || maxChunksInFlight > 1024 || requestTimeoutMs < 1
        || maxTimeoutsPerPeer < 1 || maxSyncMs < 1) {
      throw new IllegalArgumentException("state sync limits must be positive"
          + " (and at most 1024 chunks in flight)");
    }
  }

  public static StateSyncLimits defaults() {
    return new StateSyncLimits(1L << 30, 4, 5_000, 3, 600_000);
  }

  /** The most chunks of {@code chunkBytes} a manifest within these limits lists. */
  public int maxChunks(int chunkBytes) {
    long chunks = (maxStateBytes + chunkBytes - 1) / chunkBytes;
    return (int) Math.min(chunks, StateSyncManifest.MAX_CHUNKS);
  }
}
