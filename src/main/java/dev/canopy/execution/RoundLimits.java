package dev.canopy.execution;

/**
 * Bounds of one round.
 *
 * @param instructionsPerRound the round stops starting new messages once this many instructions
 *     were used; what is left waits for the next round
 * @param maxInnerRounds inner rounds (each lets every canister run a few messages and delivers
 *     what they sent) per round
 * @param messagesPerCanisterPerInnerRound how many messages a canister runs in one inner round
 * @param maxInputQueueLength messages per (source, canister) queue; more are rejected
 * @param maxManagementQueueLength management calls waiting; more are rejected
 */
public record RoundLimits(
    long instructionsPerRound,
    int maxInnerRounds,
    int messagesPerCanisterPerInnerRound,
    int maxInputQueueLength,
    int maxManagementQueueLength) {
  public RoundLimits {
    if (instructionsPerRound <= 0 || maxInnerRounds <= 0 || messagesPerCanisterPerInnerRound <= 0
        || maxInputQueueLength <= 0 || maxManagementQueueLength <= 0) {
      throw new IllegalArgumentException("round limits must be positive");
    }
  }

  /** 50 billion instructions, 1,000 inner rounds, 1 message per canister each, queues of 500. */
  public static RoundLimits defaults() {
    return new RoundLimits(50_000_000_000L, 1_000, 1, 500, 10_000);
  }

  public RoundLimits withInstructionsPerRound(long n) {
    return new RoundLimits(n, maxInnerRounds, messagesPerCanisterPerInnerRound,
        maxInputQueueLength, maxManagementQueueLength);
  }

  public RoundLimits withMaxInputQueueLength(int n) {
    return new RoundLimits(instructionsPerRound, maxInnerRounds, messagesPerCanisterPerInnerRound,
        n, maxManagementQueueLength);
  }
}
