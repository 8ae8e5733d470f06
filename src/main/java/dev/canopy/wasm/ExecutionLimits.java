package dev.canopy.wasm;

/**
 * Limits of one execution. Defaults follow the Internet Computer's resource limits
 * ({@code docs/references/resource-limits.md}).
 *
 * @param instructionsPerUpdate update calls, callbacks, heartbeats and timers
 * @param instructionsPerQuery queries and composite queries
 * @param instructionsPerInstall install, reinstall and upgrade (pre_upgrade, start and post_upgrade together)
 * @param instructionsPerInspectMessage canister_inspect_message
 * @param maxWasmMemoryBytes the Wasm heap; Chicory caps it below 2 GiB (32,767 pages)
 * @param maxStableMemoryBytes stable memory
 * @param maxReplyBytesReplicated a reply in replicated mode
 * @param maxReplyBytesNonReplicated a reply to a non-replicated query
 * @param maxCallPayloadBytes the argument of an outgoing call
 * @param maxCallTimeoutSeconds bound on {@code call_with_best_effort_response} (MAX_CALL_TIMEOUT)
 * @param maxLogRecordBytes a {@code debug_print} or trap message is trimmed to this size
 * @param maxCallDepth Wasm call nesting; deeper recursion traps cleanly
 * @param systemApiBaseInstructions instructions charged for every System API call
 * @param systemApiInstructionsPerByte instructions charged per byte a System API call copies
 */
public record ExecutionLimits(
    long instructionsPerUpdate,
    long instructionsPerQuery,
    long instructionsPerInstall,
    long instructionsPerInspectMessage,
    long maxWasmMemoryBytes,
    long maxStableMemoryBytes,
    int maxReplyBytesReplicated,
    int maxReplyBytesNonReplicated,
    int maxCallPayloadBytes,
    int maxCallTimeoutSeconds,
    int maxLogRecordBytes,
    int maxCallDepth,
    long systemApiBaseInstructions,
    long systemApiInstructionsPerByte) {

  public ExecutionLimits {
    if (instructionsPerUpdate <= 0 || instructionsPerQuery <= 0 || instructionsPerInstall <= 0
        || instructionsPerInspectMessage <= 0) {
      throw new IllegalArgumentException("instruction limits must be positive");
    }
    if (maxWasmMemoryBytes < 0 || maxStableMemoryBytes < 0 || maxCallDepth <= 0) {
      throw new IllegalArgumentException("memory limits and call depth must be positive");
    }
  }

  /** 40 billion per update, 5 billion per query, 300 billion per install, 200 million per inspect. */
  public static ExecutionLimits internetComputerDefaults() {
    return new ExecutionLimits(
        40_000_000_000L,
        5_000_000_000L,
        300_000_000_000L,
        200_000_000L,
        4L << 30,
        500L << 30,
        2 << 20,
        3 << 20,
        10 << 20,
        300,
        4 * 1024,
        10_000,
        20,
        1);
  }

  public ExecutionLimits withInstructionsPerUpdate(long n) {
    return new ExecutionLimits(n, instructionsPerQuery, instructionsPerInstall,
        instructionsPerInspectMessage, maxWasmMemoryBytes, maxStableMemoryBytes,
        maxReplyBytesReplicated, maxReplyBytesNonReplicated, maxCallPayloadBytes,
        maxCallTimeoutSeconds, maxLogRecordBytes, maxCallDepth, systemApiBaseInstructions,
        systemApiInstructionsPerByte);
  }

  public ExecutionLimits withMaxWasmMemoryBytes(long n) {
    return new ExecutionLimits(instructionsPerUpdate, instructionsPerQuery, instructionsPerInstall,
        instructionsPerInspectMessage, n, maxStableMemoryBytes,
        maxReplyBytesReplicated, maxReplyBytesNonReplicated, maxCallPayloadBytes,
        maxCallTimeoutSeconds, maxLogRecordBytes, maxCallDepth, systemApiBaseInstructions,
        systemApiInstructionsPerByte);
  }

  public ExecutionLimits withMaxStableMemoryBytes(long n) {
    return new ExecutionLimits(instructionsPerUpdate, instructionsPerQuery, instructionsPerInstall,
        instructionsPerInspectMessage, maxWasmMemoryBytes, n,
        maxReplyBytesReplicated, maxReplyBytesNonReplicated, maxCallPayloadBytes,
        maxCallTimeoutSeconds, maxLogRecordBytes, maxCallDepth, systemApiBaseInstructions,
        systemApiInstructionsPerByte);
  }

  public ExecutionLimits withMaxCallDepth(int n) {
    return new ExecutionLimits(instructionsPerUpdate, instructionsPerQuery, instructionsPerInstall,
        instructionsPerInspectMessage, maxWasmMemoryBytes, maxStableMemoryBytes,
        maxReplyBytesReplicated, maxReplyBytesNonReplicated, maxCallPayloadBytes,
        maxCallTimeoutSeconds, maxLogRecordBytes, n, systemApiBaseInstructions,
        systemApiInstructionsPerByte);
  }
}
