package dev.canopy.wasm.instrument;

/**
 * A well-formed module that uses a Wasm feature the instrumenter refuses (threads and atomics,
 * exception handling, GC and typed function references, memory64, relaxed SIMD).
 */
public final class UnsupportedWasmFeatureException extends InvalidWasmException {
  public UnsupportedWasmFeatureException(String message) {
    super(message);
  }

  static UnsupportedWasmFeatureException at(int offset, String feature) {
    return new UnsupportedWasmFeatureException(
        "unsupported Wasm feature: " + feature + " (at byte offset " + offset + ")");
  }
}
