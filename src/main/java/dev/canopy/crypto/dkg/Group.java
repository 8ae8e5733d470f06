package dev.canopy.crypto.dkg;

import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.DkgException.Reason;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import supranational.blst.P1;
import supranational.blst.P1_Affine;
import supranational.blst.P2;
import supranational.blst.P2_Affine;

/**
 * Scalar-field and group arithmetic of BLS12-381 the DKG needs, over blst. blst's {@code mult}
 * and {@code add} change their receiver, so every method here works on copies.
 */
final class Group {
  static final BigInteger R = BlsSecretKey.GROUP_ORDER;
  static final int SCALAR_BYTES = 32;
  static final int G1_BYTES = BlsSignatureScheme.SIGNATURE_BYTES;
  static final int G2_BYTES = BlsSignatureScheme.PUBLIC_KEY_BYTES;

  private Group() {}

  static {
    // Loads blst's native library (and fails with the crypto package's clear error if it cannot).
    BlsSecretKey.fromScalar(BigInteger.ONE);
  }

  static BigInteger randomNonZeroScalar(RandomGenerator random) {
    return ThresholdBls.randomNonZeroScalar(random);
  }

  static byte[] scalarBytes(BigInteger scalar) {
    byte[] raw = scalar.toByteArray();
    byte[] out = new byte[SCALAR_BYTES];
    int copy = Math.min(raw.length, SCALAR_BYTES);
    System.arraycopy(raw, raw.length - copy, out, SCALAR_BYTES - copy, copy);
    return out;
  }

  /** {@code g1^scalar}. */
  static P1 g1Times(BigInteger scalar) {
    return P1.generator().mult(scalar.mod(R));
  }

  /** {@code g2^scalar}. */
  static P2 g2Times(BigInteger scalar) {
    return P2.generator().mult(scalar.mod(R));
  }

  static P1 times(P1_Affine point, BigInteger scalar) {
    return new P1(point).mult(scalar.mod(R));
  }

  static P2 times(P2_Affine point, BigInteger scalar) {
    return new P2(point).mult(scalar.mod(R));
  }

  /**
   * A compressed G1 point: canonical encoding, on the curve, in the prime-order subgroup, not the
   * identity (an identity or small-order key would make a shared secret predictable).
   */
  static P1_Affine decodeG1(byte[] bytes, String what) {
    if (bytes.length != G1_BYTES || (bytes[0] & 0x80) == 0) {
      throw new DkgException(
          Reason.INVALID_POINT, what + " must be a compressed G1 point of " + G1_BYTES + " bytes");
    }
    P1_Affine point;
    try {
      point = new P1_Affine(bytes);
    } catch (RuntimeException e) { // blst: "BLST_ERROR: bad point encoding" and the like
      throw new DkgException(Reason.INVALID_POINT, what + " is not a point of G1 (" + e.getMessage() + ")");
    }
    if (point.is_inf() || !point.in_group()) {
      throw new DkgException(
          Reason.INVALID_POINT, what + " is the identity or outside the prime-order subgroup of G1");
    }
    return point;
  }

  /** A compressed G2 point, checked as {@link #decodeG1} checks G1 points. */
  static P2_Affine decodeG2(byte[] bytes, String what) {
    if (bytes.length != G2_BYTES || (bytes[0] & 0x80) == 0) {
      throw new DkgException(
          Reason.INVALID_POINT, what + " must be a compressed G2 point of " + G2_BYTES + " bytes");
    }
    P2_Affine point;
    try {
      point = new P2_Affine(bytes);
    } catch (RuntimeException e) {
      throw new DkgException(Reason.INVALID_POINT, what + " is not a point of G2 (" + e.getMessage() + ")");
    }
    if (point.is_inf() || !point.in_group()) {
      throw new DkgException(
          Reason.INVALID_POINT, what + " is the identity or outside the prime-order subgroup of G2");
    }
    return point;
  }

  /**
   * {@code Π_k C_k^(x^k)}: the commitment polynomial evaluated "in the exponent" at {@code x}, by
   * Horner's rule ({@code ((C_(t-1))^x · C_(t-2))^x · …}), so only small multipliers are used.
   */
  static P2 evaluateInExponent(List<P2_Affine> commitments, int x) {
    BigInteger multiplier = BigInteger.valueOf(x);
    P2 acc = new P2(commitments.get(commitments.size() - 1));
    for (int k = commitments.size() - 2; k >= 0; k--) {
      acc = acc.mult(multiplier).add(commitments.get(k));
    }
    return acc;
  }

  /** The weights that interpolate at 0: the same as threshold signing uses. */
  static List<BigInteger> lagrangeAtZero(int[] indices) {
    return ThresholdBls.lagrangeAtZero(indices);
  }
}
