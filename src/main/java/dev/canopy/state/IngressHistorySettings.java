package dev.canopy.state;

/**
 * Bounds and retention of the request status history.
 *
 * @param outcomeRetentionNanos how long a {@code replied} or {@code rejected} status stays readable
 *     after it was set (and never less than until the call's {@code ingress_expiry}); spec
 *     "Overview of canister calling": calls should stay in replied or rejected for 5 minutes
 * @param doneRetentionNanos how long a {@code done} status stays after it was set (and never less
 *     than until the call's {@code ingress_expiry}, to prevent replays)
 * @param maxEntryCount how many calls the history may remember
 * @param maxSizeBytes how many bytes (replies, reject messages, fixed parts) it may hold
 */
public record IngressHistorySettings(
    long outcomeRetentionNanos, long doneRetentionNanos, int maxEntryCount, long maxSizeBytes) {
  public static final long FIVE_MINUTES_NANOS = 5L * 60 * 1_000_000_000L;

  /**
   * The largest entry count a configuration may ask for: each call keeps about 0.5-1 KB of heap
   * (entry, persistent map and index nodes, the certified tree's cached digests; see
   * IngressHistoryBench), so this is already several GB.
   */
  public static final int MAX_ENTRY_COUNT_LIMIT = 10_000_000;

  /**
   * 5 minutes for outcomes and for {@code done}, 500,000 calls (about 1,650 calls/s sustained),
   * 1 GiB; as {@code canopy.replica.ingress-history} in conf/application.conf.
   */
  public static final IngressHistorySettings DEFAULT =
      new IngressHistorySettings(FIVE_MINUTES_NANOS, FIVE_MINUTES_NANOS, 500_000, 1L << 30);

  public IngressHistorySettings {
    if (outcomeRetentionNanos < 0 || doneRetentionNanos < 0) {
      throw new IllegalArgumentException("retention times cannot be negative");
    }
    if (maxEntryCount < 1 || maxSizeBytes < 1) {
      throw new IllegalArgumentException("the history must be able to hold at least one call");
    }
  }

  public IngressHistorySettings withMaxEntryCount(int value) {
    return new IngressHistorySettings(outcomeRetentionNanos, doneRetentionNanos, value, maxSizeBytes);
  }

  public IngressHistorySettings withMaxSizeBytes(long value) {
    return new IngressHistorySettings(outcomeRetentionNanos, doneRetentionNanos, maxEntryCount, value);
  }
}
