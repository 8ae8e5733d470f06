package dev.canopy.execution;

import java.math.BigInteger;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A canister's settings other than its controllers ({@code canister_settings} in ic.did). The
 * controllers live in {@link SystemState} because they change on their own path.
 *
 * @param freezingThresholdSeconds seconds of idle burn the balance must cover
 * @param computeAllocationPercent 0-100
 * @param memoryAllocationBytes 0 means best effort
 * @param reservedCyclesLimit upper bound of the reserved balance
 * @param wasmMemoryLimitBytes 0 means no limit (at most 2^48)
 * @param wasmMemoryThresholdBytes for {@code canister_on_low_wasm_memory}
 * @param minimumIncomingCanisterCallCycles calls from other canisters must attach at least this
 * @param environmentVariables at most {@link #MAX_ENVIRONMENT_VARIABLES}
 */
public record CanisterSettings(
    long freezingThresholdSeconds,
    int computeAllocationPercent,
    long memoryAllocationBytes,
    BigInteger reservedCyclesLimit,
    long wasmMemoryLimitBytes,
    long wasmMemoryThresholdBytes,
    LogVisibility logVisibility,
    LogVisibility snapshotVisibility,
    LogVisibility statusVisibility,
    BigInteger minimumIncomingCanisterCallCycles,
    SortedMap<String, String> environmentVariables) {
  public static final long DEFAULT_FREEZING_THRESHOLD_SECONDS = 2_592_000L;
  public static final BigInteger DEFAULT_RESERVED_CYCLES_LIMIT = BigInteger.valueOf(5_000_000_000_000L);
  public static final long MAX_WASM_MEMORY_LIMIT_BYTES = 1L << 48;
  public static final int MAX_ENVIRONMENT_VARIABLES = 20;
  public static final int MAX_ENVIRONMENT_VARIABLE_BYTES = 128;

  /** The defaults of {@code create_canister} (spec "IC method create_canister"). */
  public static final CanisterSettings DEFAULT = new CanisterSettings(
      DEFAULT_FREEZING_THRESHOLD_SECONDS, 0, 0, DEFAULT_RESERVED_CYCLES_LIMIT, 0, 0,
      LogVisibility.CONTROLLERS, LogVisibility.CONTROLLERS, LogVisibility.CONTROLLERS,
      BigInteger.ZERO, new TreeMap<>());

  public CanisterSettings {
    if (freezingThresholdSeconds < 0) {
      throw new IllegalArgumentException("freezing threshold cannot be negative");
    }
    if (computeAllocationPercent < 0 || computeAllocationPercent > 100) {
      throw new IllegalArgumentException("compute allocation is 0-100");
    }
    if (memoryAllocationBytes < 0) {
      throw new IllegalArgumentException("memory allocation cannot be negative");
    }
    Cycles.require(reservedCyclesLimit, "reserved_cycles_limit");
    if (wasmMemoryLimitBytes < 0 || wasmMemoryLimitBytes > MAX_WASM_MEMORY_LIMIT_BYTES) {
      throw new IllegalArgumentException("wasm_memory_limit is 0-2^48");
    }
    if (wasmMemoryThresholdBytes < 0) {
      throw new IllegalArgumentException("wasm_memory_threshold cannot be negative");
    }
    Objects.requireNonNull(logVisibility);
    Objects.requireNonNull(snapshotVisibility);
    Objects.requireNonNull(statusVisibility);
    Cycles.require(minimumIncomingCanisterCallCycles, "minimum_incoming_canister_call_cycles");
    environmentVariables = Collections.unmodifiableSortedMap(new TreeMap<>(environmentVariables));
    if (environmentVariables.size() > MAX_ENVIRONMENT_VARIABLES) {
      throw new IllegalArgumentException("at most " + MAX_ENVIRONMENT_VARIABLES
          + " environment variables");
    }
  }

  public CanisterSettings withFreezingThresholdSeconds(long v) {
    return new CanisterSettings(v, computeAllocationPercent, memoryAllocationBytes,
        reservedCyclesLimit, wasmMemoryLimitBytes, wasmMemoryThresholdBytes, logVisibility,
        snapshotVisibility, statusVisibility, minimumIncomingCanisterCallCycles,
        environmentVariables);
  }

  public CanisterSettings withComputeAllocationPercent(int v) {
    return new CanisterSettings(freezingThresholdSeconds, v, memoryAllocationBytes,
        reservedCyclesLimit, wasmMemoryLimitBytes, wasmMemoryThresholdBytes, logVisibility,
        snapshotVisibility, statusVisibility, minimumIncomingCanisterCallCycles,
        environmentVariables);
  }

  public CanisterSettings withMemoryAllocationBytes(long v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent, v,
        reservedCyclesLimit, wasmMemoryLimitBytes, wasmMemoryThresholdBytes, logVisibility,
        snapshotVisibility, statusVisibility, minimumIncomingCanisterCallCycles,
        environmentVariables);
  }

  public CanisterSettings withReservedCyclesLimit(BigInteger v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent,
        memoryAllocationBytes, v, wasmMemoryLimitBytes, wasmMemoryThresholdBytes, logVisibility,
        snapshotVisibility, statusVisibility, minimumIncomingCanisterCallCycles,
        environmentVariables);
  }

  public CanisterSettings withWasmMemoryLimitBytes(long v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent,
        memoryAllocationBytes, reservedCyclesLimit, v, wasmMemoryThresholdBytes, logVisibility,
        snapshotVisibility, statusVisibility, minimumIncomingCanisterCallCycles,
        environmentVariables);
  }

  public CanisterSettings withWasmMemoryThresholdBytes(long v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent,
        memoryAllocationBytes, reservedCyclesLimit, wasmMemoryLimitBytes, v, logVisibility,
        snapshotVisibility, statusVisibility, minimumIncomingCanisterCallCycles,
        environmentVariables);
  }

  public CanisterSettings withLogVisibility(LogVisibility v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent,
        memoryAllocationBytes, reservedCyclesLimit, wasmMemoryLimitBytes,
        wasmMemoryThresholdBytes, v, snapshotVisibility, statusVisibility,
        minimumIncomingCanisterCallCycles, environmentVariables);
  }

  public CanisterSettings withSnapshotVisibility(LogVisibility v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent,
        memoryAllocationBytes, reservedCyclesLimit, wasmMemoryLimitBytes,
        wasmMemoryThresholdBytes, logVisibility, v, statusVisibility,
        minimumIncomingCanisterCallCycles, environmentVariables);
  }

  public CanisterSettings withStatusVisibility(LogVisibility v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent,
        memoryAllocationBytes, reservedCyclesLimit, wasmMemoryLimitBytes,
        wasmMemoryThresholdBytes, logVisibility, snapshotVisibility, v,
        minimumIncomingCanisterCallCycles, environmentVariables);
  }

  public CanisterSettings withMinimumIncomingCanisterCallCycles(BigInteger v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent,
        memoryAllocationBytes, reservedCyclesLimit, wasmMemoryLimitBytes,
        wasmMemoryThresholdBytes, logVisibility, snapshotVisibility, statusVisibility, v,
        environmentVariables);
  }

  public CanisterSettings withEnvironmentVariables(SortedMap<String, String> v) {
    return new CanisterSettings(freezingThresholdSeconds, computeAllocationPercent,
        memoryAllocationBytes, reservedCyclesLimit, wasmMemoryLimitBytes,
        wasmMemoryThresholdBytes, logVisibility, snapshotVisibility, statusVisibility,
        minimumIncomingCanisterCallCycles, v);
  }
}
