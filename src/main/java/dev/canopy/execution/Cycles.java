package dev.canopy.execution;

import java.math.BigInteger;

/** Cycle amounts: unsigned 128-bit, saturating at both ends (spec "Canister cycles"). */
public final class Cycles {
  public static final BigInteger MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

  private Cycles() {}

  /** {@code a + b}, at most {@link #MAX}. */
  public static BigInteger add(BigInteger a, BigInteger b) {
    return clamp(a.add(b));
  }

  /** {@code a − b}, at least 0. */
  public static BigInteger subtract(BigInteger a, BigInteger b) {
    return clamp(a.subtract(b));
  }

  /** The value forced into {@code [0, MAX]}. */
  public static BigInteger clamp(BigInteger v) {
    if (v.signum() < 0) {
      return BigInteger.ZERO;
    }
    return v.compareTo(MAX) > 0 ? MAX : v;
  }

  /** Checks that a value is a valid amount. */
  public static BigInteger require(BigInteger v, String what) {
    if (v == null || v.signum() < 0 || v.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(what + " must be a 128-bit unsigned amount of cycles: " + v);
    }
    return v;
  }
}
