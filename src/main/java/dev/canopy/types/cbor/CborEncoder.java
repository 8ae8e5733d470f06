package dev.canopy.types.cbor;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The canonical encoder for everything Canopy signs or hashes: RFC 8949 §4.2.1 core deterministic
 * encoding. Every head is as short as possible, every length is definite, integers that fit 64 bits
 * never become bignums (and bignums carry no leading zero bytes), and map entries are sorted by the
 * bytewise lexicographic order of their encoded keys. Equal values therefore always give equal
 * bytes.
 */
public final class CborEncoder {
  private static final byte[] SELF_DESCRIBE_PREFIX = {(byte) 0xd9, (byte) 0xd9, (byte) 0xf7};

  private CborEncoder() {}

  /** The canonical encoding of {@code value}. */
  public static byte[] encode(CborValue value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(value, out);
    return out.toByteArray();
  }

  /**
   * The canonical encoding prefixed by the self-describe tag 55799 ({@code d9 d9 f7}), as the
   * interface wraps request and response bodies and certificates.
   */
  public static byte[] encodeWithSelfDescribeTag(CborValue value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(SELF_DESCRIBE_PREFIX);
    write(value, out);
    return out.toByteArray();
  }

  private static void write(CborValue value, ByteArrayOutputStream out) {
    if (value instanceof CborValue.UnsignedInt u) {
      writeInteger(0, CborDecoder.TAG_POSITIVE_BIGNUM, u.value(), out);
    } else if (value instanceof CborValue.NegativeInt n) {
      writeInteger(1, CborDecoder.TAG_NEGATIVE_BIGNUM, n.encodedArgument(), out);
    } else if (value instanceof CborValue.ByteString b) {
      byte[] bytes = b.bytes();
      writeHead(2, bytes.length, out);
      out.writeBytes(bytes);
    } else if (value instanceof CborValue.TextString t) {
      byte[] utf8 = t.utf8();
      writeHead(3, utf8.length, out);
      out.writeBytes(utf8);
    } else if (value instanceof CborArray a) {
      writeHead(4, a.size(), out);
      for (CborValue item : a.items()) {
        write(item, out);
      }
    } else if (value instanceof CborMap m) {
      writeMap(m, out);
    } else if (value instanceof CborValue.Tagged t) {
      writeHead(6, t.tag(), out);
      write(t.value(), out);
    } else if (value instanceof CborValue.Bool b) {
      out.write(b.value() ? 0xf5 : 0xf4);
    } else if (value instanceof CborValue.Null) {
      out.write(0xf6);
    } else {
      throw new IllegalStateException("unknown CBOR value " + value);
    }
  }

  private static void writeMap(CborMap map, ByteArrayOutputStream out) {
    List<byte[][]> entries = new ArrayList<>(map.size());
    for (Map.Entry<CborValue, CborValue> e : map.entries().entrySet()) {
      entries.add(new byte[][] {encode(e.getKey()), encode(e.getValue())});
    }
    entries.sort((x, y) -> Arrays.compareUnsigned(x[0], y[0]));
    writeHead(5, entries.size(), out);
    for (byte[][] e : entries) {
      out.writeBytes(e[0]);
      out.writeBytes(e[1]);
    }
  }

  /** {@code argument} is the major-type-0/1 argument; beyond 64 bits it becomes a bignum. */
  private static void writeInteger(
      int major, long bignumTag, BigInteger argument, ByteArrayOutputStream out) {
    if (argument.bitLength() <= 64) {
      writeHead(major, argument.longValue(), out);
      return;
    }
    byte[] magnitude = argument.toByteArray();
    int skip = magnitude[0] == 0 ? 1 : 0; // toByteArray adds a sign byte; bignums have none
    writeHead(6, bignumTag, out);
    writeHead(2, magnitude.length - skip, out);
    out.write(magnitude, skip, magnitude.length - skip);
  }

  /** The shortest head for {@code argument}, read as an unsigned 64-bit value. */
  static void writeHead(int major, long argument, ByteArrayOutputStream out) {
    int mt = major << 5;
    if (argument >= 0 && argument < 24) {
      out.write(mt | (int) argument);
    } else if (argument >= 0 && argument <= 0xffL) {
      out.write(mt | 24);
      out.write((int) argument);
    } else if (argument >= 0 && argument <= 0xffffL) {
      out.write(mt | 25);
      writeBigEndian(argument, 2, out);
    } else if (argument >= 0 && argument <= 0xffff_ffffL) {
      out.write(mt | 26);
      writeBigEndian(argument, 4, out);
    } else {
      out.write(mt | 27);
      writeBigEndian(argument, 8, out);
    }
  }

  private static void writeBigEndian(long v, int count, ByteArrayOutputStream out) {
    for (int i = count - 1; i >= 0; i--) {
      out.write((int) (v >>> (8 * i)));
    }
  }
}
