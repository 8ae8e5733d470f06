package dev.canopy.execution.management;

import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.DefiniteCanisterSettings;
import dev.canopy.execution.management.ManagementTypes.EnvironmentVariable;
import dev.canopy.execution.management.ManagementTypes.Visibility;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The ranges and defaults of {@code canister_settings} (spec "IC method create_canister"), and how
 * {@code update_settings} merges a partial settings record into a canister's settings.
 *
 * @param maxControllers at most this many controllers (the spec's 10)
 * @param maxAllowedViewers at most this many principals in an {@code allowed_viewers} list
 * @param maxEnvironmentVariables the implementation-defined limit on environment variables
 * @param maxEnvironmentVariableNameBytes limit on a variable name, in UTF-8 bytes
 * @param maxEnvironmentVariableValueBytes limit on a variable value, in UTF-8 bytes
 */
public record CanisterSettingsRules(int maxControllers, int maxAllowedViewers,
    int maxEnvironmentVariables, int maxEnvironmentVariableNameBytes,
    int maxEnvironmentVariableValueBytes) {

  public static final BigInteger DEFAULT_FREEZING_THRESHOLD_SECONDS = BigInteger.valueOf(2_592_000);
  public static final BigInteger DEFAULT_RESERVED_CYCLES_LIMIT =
      BigInteger.valueOf(5_000_000_000_000L);
  static final BigInteger MAX_NAT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  static final BigInteger MAX_NAT128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
  static final BigInteger MAX_WASM_MEMORY_BYTES = BigInteger.ONE.shiftLeft(48);

  /** The spec's limits; environment-variable limits as the Internet Computer configures them. */
  public static CanisterSettingsRules internetComputerDefaults() {
    return new CanisterSettingsRules(10, 10, 20, 128, 128);
  }

  /**
   * Checks every present field of {@code s}.
   *
   * @throws ManagementReject IC0408 for too many controllers or viewers and bad environment
   *     variables (the reference decodes these bounded), IC0504 for numbers out of range
   */
  public void validate(String method, CanisterSettings s) {
    if (s.controllers() != null && s.controllers().size() > maxControllers) {
      throw ManagementReject.invalidPayload("Error decoding candid: " + method
          + ": controllers: The number of elements exceeds maximum allowed " + maxControllers);
    }
    checkViewers(method, "log_visibility", s.logVisibility());
    checkViewers(method, "snapshot_visibility", s.snapshotVisibility());
    checkViewers(method, "status_visibility", s.statusVisibility());
    checkRange("ComputeAllocation", s.computeAllocation(), BigInteger.valueOf(100), "[0..100]");
    checkRange("MemoryAllocation", s.memoryAllocation(), MAX_NAT64, "[0..2^64-1]");
    checkRange("Freezing threshold", s.freezingThreshold(), MAX_NAT64, "[0..2^64-1]");
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

  /** The settings of a new canister: {@code s} with the spec's defaults for omitted fields. */
  public DefiniteCanisterSettings withDefaults(CanisterSettings s, Principal caller) {
    return new DefiniteCanisterSettings(
        s.controllers() != null ? unique(s.controllers()) : List.of(caller),
        orElse(s.computeAllocation(), BigInteger.ZERO),
        orElse(s.memoryAllocation(), BigInteger.ZERO),
        orElse(s.freezingThreshold(), DEFAULT_FREEZING_THRESHOLD_SECONDS),
        orElse(s.reservedCyclesLimit(), DEFAULT_RESERVED_CYCLES_LIMIT),
        orElse(s.minimumIncomingCanisterCallCycles(), BigInteger.ZERO),
        orElse(s.logVisibility(), Visibility.CONTROLLERS),
        orElse(s.snapshotVisibility(), Visibility.CONTROLLERS),
        orElse(s.statusVisibility(), Visibility.CONTROLLERS),
        orElse(s.wasmMemoryLimit(), BigInteger.ZERO),
        orElse(s.wasmMemoryThreshold(), BigInteger.ZERO),
        s.environmentVariables() != null ? sortedByName(s.environmentVariables()) : List.of());
  }

  /** {@code current} with the present fields of {@code update} (spec "update_settings"). */
  public DefiniteCanisterSettings merge(DefiniteCanisterSettings current, CanisterSettings update) {
    return new DefiniteCanisterSettings(
        update.controllers() != null ? unique(update.controllers()) : current.controllers(),
        orElse(update.computeAllocation(), current.computeAllocation()),
        orElse(update.memoryAllocation(), current.memoryAllocation()),
        orElse(update.freezingThreshold(), current.freezingThreshold()),
        orElse(update.reservedCyclesLimit(), current.reservedCyclesLimit()),
        orElse(update.minimumIncomingCanisterCallCycles(),
            current.minimumIncomingCanisterCallCycles()),
        orElse(update.logVisibility(), current.logVisibility()),
        orElse(update.snapshotVisibility(), current.snapshotVisibility()),
        orElse(update.statusVisibility(), current.statusVisibility()),
        orElse(update.wasmMemoryLimit(), current.wasmMemoryLimit()),
        orElse(update.wasmMemoryThreshold(), current.wasmMemoryThreshold()),
        update.environmentVariables() != null ? sortedByName(update.environmentVariables())
            : current.environmentVariables());
  }

  private void checkViewers(String method, String field, Visibility v) {
    if (v instanceof Visibility.AllowedViewers a && a.viewers().size() > maxAllowedViewers) {
      throw ManagementReject.invalidPayload("Error decoding candid: " + method + ": " + field
          + ": The number of elements exceeds maximum allowed " + maxAllowedViewers);
    }
  }

  private static void checkRange(String what, BigInteger value, BigInteger max, String range) {
    if (value != null && value.compareTo(max) > 0) {
      throw ManagementReject.contractViolation(
          what + " expected to be in the range " + range + ", got " + value);
    }
  }

  private void checkEnvironment(List<EnvironmentVariable> vars) {
    if (vars.size() > maxEnvironmentVariables) {
      throw ManagementReject.invalidPayload("Too many environment variables: " + vars.size()
          + " (max: " + maxEnvironmentVariables + ")");
    }
    TreeSet<String> names = new TreeSet<>();
    for (EnvironmentVariable v : vars) {
      if (utf8Length(v.name()) > maxEnvironmentVariableNameBytes) {
        throw ManagementReject.invalidPayload("Environment variable name \"" + v.name()
            + "\" exceeds the maximum allowed length of " + maxEnvironmentVariableNameBytes + ".");
      }
      if (utf8Length(v.value()) > maxEnvironmentVariableValueBytes) {
        throw ManagementReject.invalidPayload("Environment variable value \"" + v.value()
            + "\" exceeds the maximum allowed length of " + maxEnvironmentVariableValueBytes
            + ".");
      }
      if (!names.add(v.name())) {
        throw ManagementReject.invalidPayload(
            "Duplicate environment variable name \"" + v.name() + "\": each name must be unique.");
      }
    }
  }

  private static int utf8Length(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  private static <T> T orElse(T value, T fallback) {
    return value != null ? value : fallback;
  }

  /** Controllers are a set: duplicates collapse, order is the principals' order. */
  private static List<Principal> unique(List<Principal> ps) {
    return List.copyOf(new TreeSet<>(ps));
  }

  private static List<EnvironmentVariable> sortedByName(List<EnvironmentVariable> vars) {
    List<EnvironmentVariable> out = new ArrayList<>(vars);
    out.sort(java.util.Comparator.comparing(EnvironmentVariable::name));
    return List.copyOf(out);
  }
}
