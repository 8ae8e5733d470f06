package dev.canopy.wasm;

import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the system tells one execution about the canister and the moment: identity, controllers,
 * status, version, cycles, the batch time, the root key and environment variables.
 *
 * @param balanceCycles the balance the canister sees (after the execution reserve is set aside)
 * @param freezingLimitCycles idle cycles burned over the freezing threshold
 * @param reservedBalanceCycles cycles reserved for resource payments
 * @param timeNs the batch time; constant within an execution
 */
public record ExecutionEnvironment(
    CanisterId canisterId,
    SubnetId subnetId,
    int subnetNodeCount,
    List<Principal> controllers,
    CanisterStatus status,
    long canisterVersion,
    BigInteger balanceCycles,
    BigInteger freezingLimitCycles,
    BigInteger reservedBalanceCycles,
    long timeNs,
    byte[] rootKey,
    SortedMap<String, String> environmentVariables) {

  public ExecutionEnvironment {
    Objects.requireNonNull(canisterId);
    Objects.requireNonNull(subnetId);
    controllers = List.copyOf(controllers);
    Objects.requireNonNull(status);
    requireCycles(balanceCycles);
    requireCycles(freezingLimitCycles);
    requireCycles(reservedBalanceCycles);
    rootKey = rootKey.clone();
    environmentVariables = new TreeMap<>(environmentVariables);
  }

  private static void requireCycles(BigInteger c) {
    if (c.signum() < 0 || c.bitLength() > 128) {
      throw new IllegalArgumentException("cycles must fit in 128 unsigned bits: " + c);
    }
  }

  /** A copy with another time and version (each message has its own). */
  public ExecutionEnvironment at(long timeNs, long canisterVersion) {
    return new ExecutionEnvironment(canisterId, subnetId, subnetNodeCount, controllers, status,
        canisterVersion, balanceCycles, freezingLimitCycles, reservedBalanceCycles, timeNs,
        rootKey, environmentVariables);
  }

  /** A copy with another balance. */
  public ExecutionEnvironment withBalance(BigInteger balance) {
    return new ExecutionEnvironment(canisterId, subnetId, subnetNodeCount, controllers, status,
        canisterVersion, balance, freezingLimitCycles, reservedBalanceCycles, timeNs, rootKey,
        environmentVariables);
  }

  /** {@code balance − max(freezing_limit − reserved_balance, 0)}, at least 0 (spec "Canister cycles"). */
  public BigInteger liquidBalance(BigInteger balance) {
    BigInteger locked = freezingLimitCycles.subtract(reservedBalanceCycles).max(BigInteger.ZERO);
    return balance.subtract(locked).max(BigInteger.ZERO);
  }
}
