package dev.canopy.crypto;

/**
 * Bounds on a delegation chain (spec "Authentication": at most 20 delegations, at most 1000
 * targets each).
 */
public record DelegationLimits(int maxDelegations, int maxTargetsPerDelegation) {
  public static final DelegationLimits SPEC = new DelegationLimits(20, 1000);

  public DelegationLimits {
    if (maxDelegations < 0 || maxTargetsPerDelegation < 0) {
      throw new IllegalArgumentException("limits must not be negative");
    }
  }
}
