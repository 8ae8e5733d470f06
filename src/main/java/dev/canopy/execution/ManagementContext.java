package dev.canopy.execution;

import dev.canopy.wasm.ExecutionEnvironment;
import dev.canopy.wasm.WasmEngine;
import java.util.Objects;

/**
 * What the management canister may use while it executes a call: the batch's time, height and
 * randomness, the engine (to load modules and run install, reinstall and upgrade), the fees, and
 * the execution environment a canister would see.
 *
 * @param randomness the batch's 32 random bytes; {@code raw_rand} should derive per-call bytes from
 *     them (e.g. SHA-256 of randomness, caller and a counter) so two calls differ
 * @param callIndexInRound position of this call among the management calls of the round, for such
 *     derivations
 */
public record ManagementContext(
    long batchTimeNs,
    long height,
    byte[] randomness,
    long callIndexInRound,
    WasmEngine engine,
    CyclesFees fees,
    EnvironmentFactory environments) {
  public ManagementContext {
    randomness = randomness.clone();
    Objects.requireNonNull(engine);
    Objects.requireNonNull(fees);
    Objects.requireNonNull(environments);
  }

  @Override
  public byte[] randomness() {
    return randomness.clone();
  }

  /** The environment to execute code of {@code canister} in, at the batch time. */
  public ExecutionEnvironment environmentFor(ReplicatedState state, Canister canister) {
    return environments.environment(state, canister, canister.system().cyclesBalance(),
        batchTimeNs);
  }
}
