package dev.canopy.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.canopy.statesync.StateSyncLimits;
import dev.canopy.statesync.StateSyncManifest;

/**
 * The {@code canopy.replica.catch-up} section: how far behind a replica of a subnet of several may
 * fall and still catch up from its peers' blocks, and how it fetches a checkpoint's state from
 * them when it is further behind (catch-up packages and state sync).
 *
 * @param retainHeights finalized heights a replica keeps below its latest for peers that lag
 * @param chunkBytes the state sync chunk size; part of what replicas sign, so the same on all
 * @param maxStateBytes the largest checkpoint this replica fetches
 * @param maxChunksInFlight chunk requests outstanding at once
 * @param requestTimeoutMs how long a peer has to answer a chunk request before another is asked
 * @param maxSyncMs how long one state sync may take before it is given up
 * @param queryIntervalMs how often a replica asks its peers for a newer catch-up package
 * @param stallMs a replica that has not executed a height for this long while a newer catch-up
 *     package exists fetches its state even if it is less than half the retained window behind
 * @param maxServedChunksPerSecond chunk and package requests one peer may make per second of this
 *     replica; more are dropped
 */
public record CatchUpSettings(
    int retainHeights,
    int chunkBytes,
    long maxStateBytes,
    int maxChunksInFlight,
    long requestTimeoutMs,
    long maxSyncMs,
    long queryIntervalMs,
    long stallMs,
    int maxServedChunksPerSecond) {

  public CatchUpSettings {
    positive("retain-heights", retainHeights);
    if (chunkBytes < StateSyncManifest.MIN_CHUNK_BYTES
        || chunkBytes > StateSyncManifest.MAX_CHUNK_BYTES) {
      throw new NodeConfigException("canopy.replica.catch-up.chunk-bytes", "must be in ["
          + StateSyncManifest.MIN_CHUNK_BYTES + ", " + StateSyncManifest.MAX_CHUNK_BYTES + "]");
    }
    positive("max-state-bytes", maxStateBytes);
    long maxBytes = Math.min(StateSyncLimits.MAX_STATE_BYTES,
        (long) chunkBytes * (StateSyncManifest.MAX_CHUNKS - 1));
    if (maxStateBytes > maxBytes) {
      throw new NodeConfigException("canopy.replica.catch-up.max-state-bytes", "must be at most "
          + maxBytes + " with chunks of " + chunkBytes + " bytes (a manifest lists at most "
          + StateSyncManifest.MAX_CHUNKS + " chunks)");
    }
    positive("max-chunks-in-flight", maxChunksInFlight);
    if (maxChunksInFlight > 64) {
      throw new NodeConfigException("canopy.replica.catch-up.max-chunks-in-flight",
          "must be at most 64");
    }
    positive("request-timeout-ms", requestTimeoutMs);
    positive("max-sync-ms", maxSyncMs);
    positive("query-interval-ms", queryIntervalMs);
    positive("stall-ms", stallMs);
    positive("max-served-chunks-per-second", maxServedChunksPerSecond);
  }

  /** The defaults of conf/application.conf. */
  public static CatchUpSettings defaults() {
    return new CatchUpSettings(1_000, StateSyncManifest.DEFAULT_CHUNK_BYTES, 1L << 30, 4, 5_000,
        600_000, 1_000, 3_000, 200);
  }

  /** Reads {@code canopy.replica.catch-up}; absent, the defaults (an older configuration file). */
  public static CatchUpSettings from(Config config) {
    String path = "canopy.replica.catch-up";
    if (!config.hasPath(path)) {
      return defaults();
    }
    try {
      Config c = config.getConfig(path);
      return new CatchUpSettings(
          c.getInt("retain-heights"),
          Math.toIntExact(c.getMemorySize("chunk-bytes").toBytes()),
          c.getMemorySize("max-state-bytes").toBytes(),
          c.getInt("max-chunks-in-flight"),
          c.getLong("request-timeout-ms"),
          c.getLong("max-sync-ms"),
          c.getLong("query-interval-ms"),
          c.getLong("stall-ms"),
          c.getInt("max-served-chunks-per-second"));
    } catch (ConfigException | ArithmeticException e) {
      throw new NodeConfigException(path, "invalid: " + e.getMessage(), e);
    }
  }

  /** The fetching side's limits for one state sync. */
  public StateSyncLimits syncLimits() {
    return new StateSyncLimits(maxStateBytes, maxChunksInFlight, requestTimeoutMs, 3, maxSyncMs);
  }

  private static void positive(String key, long value) {
    if (value <= 0) {
      throw new NodeConfigException("canopy.replica.catch-up." + key,
          "must be positive, got " + value);
    }
  }
}
