package dev.canopy.types;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;

/** Shortest (S)LEB128 encodings, used by the spec's hashing and certified tree leaves. */
public final class Leb128 {
  private static final BigInteger SEVEN_BITS = BigInteger.valueOf(0x7f);

  private Leb128() {}

  public static byte[] encodeUnsigned(long value) {
    if (value < 0) {
      return encodeUnsigned(new BigInteger(Long.toUnsignedString(value)));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(10);
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
    return out.toByteArray();
  }

  public static byte[] encodeUnsigned(BigInteger value) {
    if (value.signum() < 0) {
      throw new IllegalArgumentException("a nat cannot be negative: " + value);
    }
    if (value.bitLength() < 63) {
      return encodeUnsigned(value.longValue());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    do {
      int b = value.and(SEVEN_BITS).intValue();
      value = value.shiftRight(7);
      out.write(value.signum() != 0 ? b | 0x80 : b);
    } while (value.signum() != 0);
    return out.toByteArray();
  }

  public static byte[] encodeSigned(BigInteger value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      int b = value.and(SEVEN_BITS).intValue();
      value = value.shiftRight(7);
      boolean signBit = (b & 0x40) != 0;
      if ((value.signum() == 0 && !signBit) || (value.equals(BigInteger.ONE.negate()) && signBit)) {
        out.write(b);
        return out.toByteArray();
      }
      out.write(b | 0x80);
    }
  }
}
