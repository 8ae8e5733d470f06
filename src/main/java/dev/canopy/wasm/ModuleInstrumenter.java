package dev.canopy.wasm;

/**
 * Rewrites a validated module before compilation; the engine's metering step. The rewritten
 * module exports the mutable i64 global {@code __canopy_instructions_left} and the mutable i32
 * global {@code __canopy_call_depth}.
 */
@FunctionalInterface
public interface ModuleInstrumenter {
  byte[] instrument(byte[] wasm);

  /** No rewriting: only System API calls are counted. For tests of the engine itself. */
  ModuleInstrumenter NONE = wasm -> wasm;
}
