package dev.canopy.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.canopy.state.IngressHistorySettings;

/**
 * The {@code canopy.replica} section: the subnet's canister range, consensus pacing, checkpoints
 * and the synchronous call wait.
 *
 * @param firstCanisterIndex index of the first canister id of the subnet's one range
 * @param lastCanisterIndex index of the last canister id of that range (inclusive)
 * @param roundIntervalMs the least time a consensus round takes (its notary delay): paces blocks;
 *     a subnet of one with calls waiting closes rounds at each tick instead, and a subnet of several
 *     notarizes blocks that carry calls after a busy delay ({@link ConsensusActor})
 * @param consensusTickMs how often the consensus actor looks at its pool when nothing arrives
 * @param busyRounds a subnet of several: how soon a block that carries calls is notarized, and the
 *     back-pressure on it ({@code canopy.replica.busy-rounds})
 * @param checkpointEveryHeights a snapshot of the replicated state every this many heights
 * @param syncCallTimeoutMs how long {@code /api/v3|v4/.../call} waits for a certified outcome
 *     before answering 202
 * @param maxSyncCallWaiters synchronous calls that may wait at once; more get 202 at once
 * @param catchUp retained heights, catch-up packages and state sync ({@code canopy.replica.catch-up})
 * @param ingressHistory bounds of the request status history ({@code
 *     canopy.replica.ingress-history}); part of the genesis state, so the same on every replica
 */
public record ReplicaSettings(
    long firstCanisterIndex,
    long lastCanisterIndex,
    long roundIntervalMs,
    long consensusTickMs,
    BusyRounds busyRounds,
    long checkpointEveryHeights,
    long syncCallTimeoutMs,
    int maxSyncCallWaiters,
    CatchUpSettings catchUp,
    IngressHistorySettings ingressHistory) {
  public ReplicaSettings {
    if (firstCanisterIndex < 0 || lastCanisterIndex < firstCanisterIndex) {
      throw new NodeConfigException(
          "canopy.replica.canister-range", "first-index must be ≥ 0 and ≤ last-index");
    }
    positive("canopy.replica.round-interval-ms", roundIntervalMs);
    positive("canopy.replica.consensus-tick-ms", consensusTickMs);
    if (busyRounds.delayMs() > roundIntervalMs) {
      throw new NodeConfigException("canopy.replica.busy-rounds.delay-ms",
          "must be at most round-interval-ms (" + roundIntervalMs + "), got " + busyRounds.delayMs());
    }
    positive("canopy.replica.checkpoint-every-heights", checkpointEveryHeights);
    positive("canopy.replica.sync-call-timeout-ms", syncCallTimeoutMs);
    positive("canopy.replica.max-sync-call-waiters", maxSyncCallWaiters);
    if (checkpointEveryHeights > Integer.MAX_VALUE) {
      throw new NodeConfigException(
          "canopy.replica.checkpoint-every-heights", "must be at most " + Integer.MAX_VALUE);
    }
  }

  /** Reads {@code canopy.replica}; a missing key or a wrong type names the key. */
  public static ReplicaSettings from(Config config) {
    try {
      return new ReplicaSettings(
          config.getLong("canopy.replica.canister-range.first-index"),
          config.getLong("canopy.replica.canister-range.last-index"),
          config.getLong("canopy.replica.round-interval-ms"),
          config.getLong("canopy.replica.consensus-tick-ms"),
          busyRounds(config),
          config.getLong("canopy.replica.checkpoint-every-heights"),
          config.getLong("canopy.replica.sync-call-timeout-ms"),
          config.getInt("canopy.replica.max-sync-call-waiters"),
          CatchUpSettings.from(config),
          ingressHistory(config));
    } catch (ConfigException e) {
      throw new NodeConfigException("canopy.replica", "invalid: " + e.getMessage(), e);
    }
  }

  /**
   * Busy rounds of a subnet of several replicas (see {@link ConsensusActor}): a block that carries
   * calls is notarized after {@code delayMs} instead of the round interval, while this replica's
   * certified state is at most {@code maxUncertifiedHeights} below its notarized height (beyond
   * that it waits the round interval: the back-pressure that keeps execution and certification
   * from falling behind consensus). Only timing depends on them, never what is agreed, so replicas
   * of one subnet may differ in them.
   */
  public record BusyRounds(long delayMs, int maxUncertifiedHeights) {
    /** What a configuration file without the section gets. */
    public static final BusyRounds DEFAULT = new BusyRounds(5, 1);
    /** More would let consensus run ahead of execution by more than a checkpoint's worth of work. */
    public static final int MAX_UNCERTIFIED_HEIGHTS_LIMIT = 100;

    public BusyRounds {
      positive("canopy.replica.busy-rounds.delay-ms", delayMs);
      if (maxUncertifiedHeights < 0 || maxUncertifiedHeights > MAX_UNCERTIFIED_HEIGHTS_LIMIT) {
        throw new NodeConfigException("canopy.replica.busy-rounds.max-uncertified-heights",
            "must be in [0, " + MAX_UNCERTIFIED_HEIGHTS_LIMIT + "], got " + maxUncertifiedHeights);
      }
    }
  }

  /** Reads {@code canopy.replica.busy-rounds}; absent (an older configuration file), {@link BusyRounds#DEFAULT}. */
  static BusyRounds busyRounds(Config config) {
    String path = "canopy.replica.busy-rounds";
    if (!config.hasPath(path)) {
      return BusyRounds.DEFAULT;
    }
    Config c = config.getConfig(path);
    return new BusyRounds(c.getLong("delay-ms"), c.getInt("max-uncertified-heights"));
  }

  /**
   * Reads {@code canopy.replica.ingress-history}; absent (an older configuration file), {@link
   * IngressHistorySettings#DEFAULT}. Retention times stay the spec's 5 minutes.
   */
  static IngressHistorySettings ingressHistory(Config config) {
    String path = "canopy.replica.ingress-history";
    if (!config.hasPath(path)) {
      return IngressHistorySettings.DEFAULT;
    }
    Config c = config.getConfig(path);
    long count = c.getLong("max-entry-count");
    long bytes = c.getMemorySize("max-size-bytes").toBytes();
    positive(path + ".max-entry-count", count);
    positive(path + ".max-size-bytes", bytes);
    if (count > IngressHistorySettings.MAX_ENTRY_COUNT_LIMIT) {
      throw new NodeConfigException(path + ".max-entry-count",
          "must be at most " + IngressHistorySettings.MAX_ENTRY_COUNT_LIMIT);
    }
    return IngressHistorySettings.DEFAULT.withMaxEntryCount((int) count).withMaxSizeBytes(bytes);
  }

  private static void positive(String key, long value) {
    if (value <= 0) {
      throw new NodeConfigException(key, "must be positive, got " + value);
    }
  }
}
