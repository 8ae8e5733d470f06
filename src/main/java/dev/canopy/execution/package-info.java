/**
 * The deterministic core of a subnet's execution: the replicated state ({@link
 * dev.canopy.execution.ReplicatedState}: canisters with their system state, call contexts and
 * input queues, the request status history), one round of execution per finalized batch ({@link
 * dev.canopy.execution.RoundExecutor}), non-replicated queries against a snapshot ({@link
 * dev.canopy.execution.QueryExecutor}), the state hash and checkpoints ({@link
 * dev.canopy.execution.StateCodec}), and the seam to the management canister ({@link
 * dev.canopy.execution.ManagementCanister}).
 *
 * <p>Pure Java: no Pekko, no I/O, no clock. The node wraps it in actors and persistence.
 */
package dev.canopy.execution;
