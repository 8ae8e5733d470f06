package dev.canopy.wasm;

import dev.canopy.types.InvalidInputException;

/**
 * A canister module that the spec's "WebAssembly module requirements" reject; {@link #reason()}
 * says which requirement, the message says where.
 */
public final class InvalidModuleException extends InvalidInputException {
  /** Which requirement the module breaks. */
  public enum Reason {
    /** Not a Wasm binary (nor gzip of one), or a binary that does not decode or validate. */
    MALFORMED,
    /** The gzip stream is broken or inflates beyond the size limit. */
    BAD_GZIP,
    /** Too large, too many functions, globals, methods or custom sections. */
    TOO_LARGE,
    /** A 64-bit memory (memory64): not supported yet. */
    MEMORY64_UNSUPPORTED,
    /** More than one memory, or a memory, table or global import. */
    BAD_MEMORY,
    /** An import that is not one of the {@code ic0} System API functions, or has the wrong type. */
    BAD_IMPORT,
    /** A {@code canister_*} export that the spec does not allow, or one with the wrong type. */
    BAD_EXPORT,
    /** Two exported methods with the same name. */
    DUPLICATE_METHOD,
    /** An {@code icp:} custom section that is not {@code icp:public} or {@code icp:private}. */
    BAD_CUSTOM_SECTION
  }

  private final Reason reason;

  public InvalidModuleException(Reason reason, String message) {
    super("invalid canister module: " + message);
    this.reason = reason;
  }

  public InvalidModuleException(Reason reason, String message, Throwable cause) {
    super("invalid canister module: " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
