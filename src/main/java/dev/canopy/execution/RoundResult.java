package dev.canopy.execution;

import java.util.Objects;

/**
 * The state after a round and what the round did.
 *
 * @param messagesExecuted canister executions (messages, callbacks and system tasks) that ran
 * @param managementCallsExecuted management canister calls that ran
 * @param leftoverMessages messages still queued (for the next round)
 */
public record RoundResult(
    ReplicatedState state,
    long instructionsUsed,
    int messagesExecuted,
    int managementCallsExecuted,
    int innerRounds,
    int leftoverMessages) {
  public RoundResult {
    Objects.requireNonNull(state);
  }
}
