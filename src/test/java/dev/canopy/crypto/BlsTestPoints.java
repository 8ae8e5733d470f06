package dev.canopy.crypto;

import supranational.blst.P1_Affine;
import supranational.blst.P2_Affine;

/** Points on the BLS12-381 curves that lie outside the prime-order subgroups, found deterministically. */
final class BlsTestPoints {
  private BlsTestPoints() {}

  /** A compressed E2 point with a small x: on the curve, but (overwhelmingly likely) not in G2. */
  static byte[] g2PointOutsideSubgroup() {
    for (int x = 1; x < 1000; x++) {
      byte[] candidate = new byte[96];
      candidate[0] = (byte) 0x80;
      candidate[95] = (byte) x;
      try {
        P2_Affine p = new P2_Affine(candidate);
        if (!p.in_group()) {
          return candidate;
        }
      } catch (RuntimeException notOnCurve) {
        // try the next x
      }
    }
    throw new AssertionError("no E2 point found");
  }

  /** Likewise for G1 (48-byte compressed). */
  static byte[] g1PointOutsideSubgroup() {
    for (int x = 1; x < 1000; x++) {
      byte[] candidate = new byte[48];
      candidate[0] = (byte) 0x80;
      candidate[47] = (byte) x;
      try {
        P1_Affine p = new P1_Affine(candidate);
        if (!p.in_group()) {
          return candidate;
        }
      } catch (RuntimeException notOnCurve) {
        // try the next x
      }
    }
    throw new AssertionError("no E1 point found");
  }
}
