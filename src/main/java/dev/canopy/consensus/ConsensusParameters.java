package dev.canopy.consensus;

/**
 * Timing and size limits of consensus; the same on every replica of a subnet.
 *
 * <p>Note: the block maker of rank r waits {@code r · unitDelayMs} after its round starts, and a
 * notary supports a rank-r block after {@code initialNotaryDelayMs + r · unitDelayMs} (the
 * Δ_prop and Δ_ntry of arXiv 2109.05419, §3), so the lowest-ranked live maker's block usually wins.
 *
 * <p>Note (busy rounds): with {@code busyNotaryDelayMs < initialNotaryDelayMs}, a round whose
 * block carries messages need not last the whole initial notary delay: a notary that keeps up
 * supports such a block of rank r after {@code busyNotaryDelayMs + r · unitDelayMs}, and an empty
 * block still after {@code initialNotaryDelayMs + r · unitDelayMs}; a block maker with nothing to
 * propose waits until its empty block could be supported, so a call that arrives meanwhile goes
 * into this round's block. An idle subnet stays paced by the initial notary delay. Only liveness
 * and latency depend on these delays, never safety (Note in {@link ConsensusStep}).
 *
 * @param unitDelayMs how much longer each next rank waits to propose and to be notarized
 * @param initialNotaryDelayMs the least time a round lasts; paces an idle subnet
 * @param busyNotaryDelayMs the least time a round whose block carries messages lasts; equal to
 *     {@code initialNotaryDelayMs} for no busy rounds
 * @param maxClockDriftMs how far ahead of the validator's clock a block's time may be
 * @param maxBlockMessages most ingress messages in a block
 * @param maxBlockPayloadBytes most payload bytes in a block
 * @param retainHeights finalized heights kept below the last delivered one (for lagging peers)
 * @param maxHeightsAhead how far above the finalized height unvalidated artifacts are accepted
 * @param maxUnvalidatedArtifacts bound on the unvalidated section
 * @param maxNotarizationLagHeights the notary pauses when this far above the finalized height
 * @param maxRetransmitArtifacts most artifacts one retransmission answer carries
 */
public record ConsensusParameters(
    long unitDelayMs,
    long initialNotaryDelayMs,
    long busyNotaryDelayMs,
    long maxClockDriftMs,
    int maxBlockMessages,
    int maxBlockPayloadBytes,
    int retainHeights,
    int maxHeightsAhead,
    int maxUnvalidatedArtifacts,
    int maxNotarizationLagHeights,
    int maxRetransmitArtifacts) {

  public ConsensusParameters {
    if (unitDelayMs < 0 || initialNotaryDelayMs <= 0 || maxClockDriftMs < 0) {
      throw new IllegalArgumentException("delays must not be negative and a round must take some time");
    }
    if (busyNotaryDelayMs <= 0 || busyNotaryDelayMs > initialNotaryDelayMs) {
      throw new IllegalArgumentException("busyNotaryDelayMs must be in (0, initialNotaryDelayMs]");
    }
    if (maxBlockMessages < 0 || maxBlockMessages > ArtifactCodec.MAX_MESSAGES_PER_BLOCK) {
      throw new IllegalArgumentException("maxBlockMessages must be in [0, " + ArtifactCodec.MAX_MESSAGES_PER_BLOCK + "]");
    }
    if (maxBlockPayloadBytes < 0 || maxBlockPayloadBytes > ArtifactCodec.MAX_ARTIFACT_BYTES / 2) {
      throw new IllegalArgumentException("maxBlockPayloadBytes out of range");
    }
    if (retainHeights < 1 || maxHeightsAhead < 1 || maxUnvalidatedArtifacts < 1
        || maxNotarizationLagHeights < 1 || maxRetransmitArtifacts < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  /** Values for a subnet on one machine or a LAN: rounds of about a third of a second. */
  public static ConsensusParameters defaults() {
    return new ConsensusParameters(500, 300, 300, 2_000, 1_000, 1 << 20, 64, 200, 10_000, 50, 500);
  }

  /** These delays, without busy rounds. */
  public ConsensusParameters withDelays(long unitDelayMs, long initialNotaryDelayMs) {
    return new ConsensusParameters(unitDelayMs, initialNotaryDelayMs, initialNotaryDelayMs, maxClockDriftMs,
        maxBlockMessages, maxBlockPayloadBytes, retainHeights, maxHeightsAhead, maxUnvalidatedArtifacts,
        maxNotarizationLagHeights, maxRetransmitArtifacts);
  }

  /** Busy rounds: a block with messages may be supported after {@code busyNotaryDelayMs}. */
  public ConsensusParameters withBusyNotaryDelay(long busyNotaryDelayMs) {
    return new ConsensusParameters(unitDelayMs, initialNotaryDelayMs, busyNotaryDelayMs, maxClockDriftMs,
        maxBlockMessages, maxBlockPayloadBytes, retainHeights, maxHeightsAhead, maxUnvalidatedArtifacts,
        maxNotarizationLagHeights, maxRetransmitArtifacts);
  }

  public ConsensusParameters withBlockLimits(int maxBlockMessages, int maxBlockPayloadBytes) {
    return new ConsensusParameters(unitDelayMs, initialNotaryDelayMs, busyNotaryDelayMs, maxClockDriftMs,
        maxBlockMessages, maxBlockPayloadBytes, retainHeights, maxHeightsAhead, maxUnvalidatedArtifacts,
        maxNotarizationLagHeights, maxRetransmitArtifacts);
  }

  public ConsensusParameters withRetainHeights(int retainHeights) {
    return new ConsensusParameters(unitDelayMs, initialNotaryDelayMs, busyNotaryDelayMs, maxClockDriftMs,
        maxBlockMessages, maxBlockPayloadBytes, retainHeights, maxHeightsAhead, maxUnvalidatedArtifacts,
        maxNotarizationLagHeights, maxRetransmitArtifacts);
  }

  /** Whether a round whose block carries messages may be shorter than an empty one. */
  public boolean busyRounds() {
    return busyNotaryDelayMs < initialNotaryDelayMs;
  }

  long blockMakerDelayMs(int rank) {
    return rank * unitDelayMs;
  }

  long notaryDelayMs(int rank) {
    return initialNotaryDelayMs + rank * unitDelayMs;
  }

  /** How long after its round starts a notary may support a block of this rank (see the class Note). */
  long notaryDelayMs(int rank, boolean busy) {
    return (busy ? busyNotaryDelayMs : initialNotaryDelayMs) + rank * unitDelayMs;
  }
}
