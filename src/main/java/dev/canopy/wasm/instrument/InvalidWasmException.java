package dev.canopy.wasm.instrument;

import dev.canopy.types.InvalidInputException;

/** A Wasm module that cannot be decoded or instrumented: malformed bytes, or a refused feature. */
public class InvalidWasmException extends InvalidInputException {
  public InvalidWasmException(String message) {
    super(message);
  }

  static InvalidWasmException at(int offset, String message) {
    return new InvalidWasmException(message + " (at byte offset " + offset + ")");
  }
}
