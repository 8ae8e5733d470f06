package dev.canopy.wasm;

import java.util.Optional;

/**
 * Rewrites a validated module before compilation; the engine's metering step. The rewritten
 * module exports the mutable i64 global {@code __canopy_instructions_left} and the mutable i32
 * global {@code __canopy_call_depth}.
 */
@FunctionalInterface
public interface ModuleInstrumenter {
  byte[] instrument(byte[] wasm);

  /**
   * A name for this rewriter's output: two rewriters with the same key give identical bytes for
   * the same module, so the engine may reuse compiled code cached under it without rewriting the
   * module again. Empty (the default) when unknown; the engine then keys its cache by the
   * rewritten bytes.
   */
  default Optional<String> outputKey() {
    return Optional.empty();
  }

  /** No rewriting: only System API calls are counted. For tests of the engine itself. */
  ModuleInstrumenter NONE = wasm -> wasm;
}
