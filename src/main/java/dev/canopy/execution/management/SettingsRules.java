package dev.canopy.execution.management;

import dev.canopy.execution.CanisterSettings;
import dev.canopy.execution.SystemState;
import dev.canopy.execution.management.ManagementTypes.EnvironmentVariable;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ranges of {@code canister_settings} (spec "IC method create_canister") and how a settings
 * argument applies to a canister: over the defaults at creation, over the current settings in
 * {@code update_settings} (omitted fields unchanged).
 */
final class SettingsRules {
  static final BigInteger MAX_NAT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  static final BigInteger MAX_NAT128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
  static final BigInteger MAX_WASM_MEMORY_BYTES =
      BigInteger.valueOf(CanisterSettings.MAX_WASM_MEMORY_LIMIT_BYTES);
  /** Signed 64-bit fields of the state model; the spec allows up to 2^64-1. */
  static final BigInteger MAX_LONG = BigInteger.valueOf(Long.MAX_VALUE);

  private SettingsRules() {}

  /** Controllers and settings after a settings argument is applied. */
  record Applied(List<Principal> controllers, CanisterSettings settings) {}

  /**
   * Checks every present field of {@code s}.
   *
   * @throws ManagementReject IC0408 for too many controllers and bad environment variables (the
   *     reference replica decodes these bounded), IC0504 for numbers out of range
   */
  static void validate(String method, ManagementTypes.CanisterSettings s) {
    if (s.controllers() != null && s.controllers().size() > SystemState.MAX_CONTROLLERS) {
      throw ManagementReject.invalidPayload("Error decoding candid: " + method
          + ": controllers: The number of elements exceeds maximum allowed "
          + SystemState.MAX_CONTROLLERS);
    }
    checkRange("ComputeAllocation", s.computeAllocation(), BigInteger.valueOf(100), "[0..100]");
    // Note: the state model keeps these in signed longs; values beyond 2^63-1 (292 billion
    // years, 8 EiB) are refused rather than wrapped.
    checkRange("MemoryAllocation", s.memoryAllocation(), MAX_LONG, "[0..2^63-1]");
    checkRange("Freezing threshold", s.freezingThreshold(), MAX_LONG, "[0..2^63-1]");
    checkRange("Reserved cycles limit", s.reservedCyclesLimit(), MAX_NAT128, "[0..2^128-1]");
    checkRange("Minimum incoming canister call cycles", s.minimumIncomingCanisterCallCycles(),
        MAX_NAT128, "[0..2^128-1]");
    checkRange("Wasm memory limit", s.wasmMemoryLimit(), MAX_WASM_MEMORY_BYTES, "[0..2^48]");
    checkRange("Wasm memory threshold", s.wasmMemoryThreshold(), MAX_WASM_MEMORY_BYTES,
        "[0..2^48]");
    if (s.environmentVariables() != null) {
      checkEnvironment(s.environmentVariables());
    }
  }

  /** The settings of a new canister: the spec's defaults, controllers {@code [caller]}. */
  static Applied forCreation(ManagementTypes.CanisterSettings s, Principal caller) {
    return apply(s, List.of(caller), CanisterSettings.DEFAULT);
  }

  /** {@code current} with the present fields of {@code s}; call {@link #validate} first. */
  static Applied apply(ManagementTypes.CanisterSettings s, List<Principal> controllers,
      CanisterSettings current) {
    CanisterSettings n = current;
    if (s.computeAllocation() != null) {
      n = n.withComputeAllocationPercent(s.computeAllocation().intValueExact());
    }
    if (s.memoryAllocation() != null) {
      n = n.withMemoryAllocationBytes(s.memoryAllocation().longValueExact());
    }
    if (s.freezingThreshold() != null) {
      n = n.withFreezingThresholdSeconds(s.freezingThreshold().longValueExact());
    }
    if (s.reservedCyclesLimit() != null) {
      n = n.withReservedCyclesLimit(s.reservedCyclesLimit());
    }
    if (s.minimumIncomingCanisterCallCycles() != null) {
      n = n.withMinimumIncomingCanisterCallCycles(s.minimumIncomingCanisterCallCycles());
    }
    if (s.logVisibility() != null) {
      n = n.withLogVisibility(s.logVisibility());
    }
    if (s.snapshotVisibility() != null) {
      n = n.withSnapshotVisibility(s.snapshotVisibility());
    }
    if (s.statusVisibility() != null) {
      n = n.withStatusVisibility(s.statusVisibility());
    }
    if (s.wasmMemoryLimit() != null) {
      n = n.withWasmMemoryLimitBytes(s.wasmMemoryLimit().longValueExact());
    }
    if (s.wasmMemoryThreshold() != null) {
      n = n.withWasmMemoryThresholdBytes(s.wasmMemoryThreshold().longValueExact());
    }
    if (s.environmentVariables() != null) {
      TreeMap<String, String> vars = new TreeMap<>();
      for (EnvironmentVariable v : s.environmentVariables()) {
        vars.put(v.name(), v.value());
      }
      n = n.withEnvironmentVariables(vars);
    }
    // Controllers form a set: duplicates collapse; the order is the principals' order.
    List<Principal> ctl = s.controllers() != null
        ? List.copyOf(new TreeSet<>(s.controllers())) : controllers;
    return new Applied(ctl, n);
  }

  private static void checkRange(String what, BigInteger value, BigInteger max, String range) {
    if (value != null && value.compareTo(max) > 0) {
      throw ManagementReject.contractViolation(
          what + " expected to be in the range " + range + ", got " + value);
    }
  }

  private static void checkEnvironment(List<EnvironmentVariable> vars) {
    int max = CanisterSettings.MAX_ENVIRONMENT_VARIABLES;
    int maxBytes = CanisterSettings.MAX_ENVIRONMENT_VARIABLE_BYTES;
    if (vars.size() > max) {
      throw ManagementReject.invalidPayload("Too many environment variables: " + vars.size()
          + " (max: " + max + ")");
    }
    TreeSet<String> names = new TreeSet<>();
    for (EnvironmentVariable v : vars) {
      if (v.name().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
        throw ManagementReject.invalidPayload("Environment variable name \"" + v.name()
            + "\" exceeds the maximum allowed length of " + maxBytes + ".");
      }
      if (v.value().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
        throw ManagementReject.invalidPayload("Environment variable value \"" + v.value()
            + "\" exceeds the maximum allowed length of " + maxBytes + ".");
      }
      if (!names.add(v.name())) {
        throw ManagementReject.invalidPayload("Duplicate environment variable name \""
            + v.name() + "\": each name must be unique.");
      }
    }
  }
}
