package dev.canopy.crypto;

import java.math.BigInteger;

final class Bytes {
  private Bytes() {}

  /** {@code value} (non-negative, below 2^(8·length)) as exactly {@code length} big-endian bytes. */
  static byte[] fixedBigEndian(BigInteger value, int length) {
    byte[] raw = value.toByteArray();
    byte[] out = new byte[length];
    int copy = Math.min(raw.length, length);
    System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
    return out;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
