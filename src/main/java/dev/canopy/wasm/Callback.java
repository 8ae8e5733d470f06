package dev.canopy.wasm;

import java.util.Optional;

/**
 * The callbacks of an outgoing call: table indices of functions of type {@code (env: i32) -> ()}
 * and their env values (spec "Inter-canister method calls").
 */
public record Callback(
    long replyFunction, long replyEnv, long rejectFunction, long rejectEnv,
    Optional<Cleanup> cleanup) {

  /** The optional cleanup callback, run only if the reply or reject callback trapped. */
  public record Cleanup(long function, long env) {}

  public Callback withCleanup(Cleanup c) {
    return new Callback(replyFunction, replyEnv, rejectFunction, rejectEnv, Optional.of(c));
  }
}
