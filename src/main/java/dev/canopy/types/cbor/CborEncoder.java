package dev.canopy.types.cbor;

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
    return encode(value, NO_PREFIX);
  }

  /**
   * The canonical encoding prefixed by the self-describe tag 55799 ({@code d9 d9 f7}), as the
   * interface wraps request and response bodies and certificates.
   */
  public static byte[] encodeWithSelfDescribeTag(CborValue value) {
    return encode(value, SELF_DESCRIBE_PREFIX);
  }

  private static final byte[] NO_PREFIX = new byte[0];

  /**
   * Note: the encoding's length is computed first and the bytes written into one array of exactly
   * that length. Artifacts (blocks of hundreds of calls), certificates and responses are encoded on
   * every hot path; a growing stream copied each of them about twice over and took a lock per
   * byte it wrote.
   */
  private static byte[] encode(CborValue value, byte[] prefix) {
    long size = prefix.length + sizeOf(value);
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("a CBOR encoding of " + size + " bytes is too large");
    }
    byte[] out = new byte[(int) size];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    int end = write(value, out, prefix.length);
    if (end != out.length) {
      throw new IllegalStateException("CBOR encoding wrote " + end + " of " + out.length + " bytes");
    }
    return out;
  }

  /** The length of {@code value}'s canonical encoding. */
  private static long sizeOf(CborValue value) {
    if (value instanceof CborValue.UnsignedInt u) {
      return integerSize(u.value());
    } else if (value instanceof CborValue.NegativeInt n) {
      return integerSize(n.encodedArgument());
    } else if (value instanceof CborValue.ByteString b) {
      int length = b.raw().length;
      return headSize(length) + length;
    } else if (value instanceof CborValue.TextString t) {
      long length = utf8Length(t.value());
      return headSize(length) + length;
    } else if (value instanceof CborArray a) {
      long size = headSize(a.size());
      for (CborValue item : a.items()) {
        size += sizeOf(item);
      }
      return size;
    } else if (value instanceof CborMap m) {
      long size = headSize(m.size());
      for (Map.Entry<CborValue, CborValue> e : m.entries().entrySet()) {
        size += sizeOf(e.getKey()) + sizeOf(e.getValue());
      }
      return size;
    } else if (value instanceof CborValue.Tagged t) {
      return headSize(t.tag()) + sizeOf(t.value());
    } else if (value instanceof CborValue.Bool || value instanceof CborValue.Null) {
      return 1;
    }
    throw new IllegalStateException("unknown CBOR value " + value);
  }

  /** Writes {@code value} at {@code at}; returns the position after it. */
  private static int write(CborValue value, byte[] out, int at) {
    if (value instanceof CborValue.UnsignedInt u) {
      return writeInteger(0, CborDecoder.TAG_POSITIVE_BIGNUM, u.value(), out, at);
    } else if (value instanceof CborValue.NegativeInt n) {
      return writeInteger(1, CborDecoder.TAG_NEGATIVE_BIGNUM, n.encodedArgument(), out, at);
    } else if (value instanceof CborValue.ByteString b) {
      byte[] bytes = b.raw();
      at = writeHead(2, bytes.length, out, at);
      System.arraycopy(bytes, 0, out, at, bytes.length);
      return at + bytes.length;
    } else if (value instanceof CborValue.TextString t) {
      byte[] utf8 = t.utf8();
      at = writeHead(3, utf8.length, out, at);
      System.arraycopy(utf8, 0, out, at, utf8.length);
      return at + utf8.length;
    } else if (value instanceof CborArray a) {
      at = writeHead(4, a.size(), out, at);
      for (CborValue item : a.items()) {
        at = write(item, out, at);
      }
      return at;
    } else if (value instanceof CborMap m) {
      return writeMap(m, out, at);
    } else if (value instanceof CborValue.Tagged t) {
      at = writeHead(6, t.tag(), out, at);
      return write(t.value(), out, at);
    } else if (value instanceof CborValue.Bool b) {
      out[at] = (byte) (b.value() ? 0xf5 : 0xf4);
      return at + 1;
    } else if (value instanceof CborValue.Null) {
      out[at] = (byte) 0xf6;
      return at + 1;
    }
    throw new IllegalStateException("unknown CBOR value " + value);
  }

  private static int writeMap(CborMap map, byte[] out, int at) {
    // Only the keys are encoded apart, to sort them; values are written straight to the output.
    List<Map.Entry<byte[], CborValue>> entries = new ArrayList<>(map.size());
    for (Map.Entry<CborValue, CborValue> e : map.entries().entrySet()) {
      entries.add(Map.entry(encode(e.getKey()), e.getValue()));
    }
    entries.sort((x, y) -> Arrays.compareUnsigned(x.getKey(), y.getKey()));
    at = writeHead(5, entries.size(), out, at);
    for (Map.Entry<byte[], CborValue> e : entries) {
      byte[] key = e.getKey();
      System.arraycopy(key, 0, out, at, key.length);
      at = write(e.getValue(), out, at + key.length);
    }
    return at;
  }

  private static long integerSize(BigInteger argument) {
    if (argument.bitLength() <= 64) {
      return headSize(argument.longValue());
    }
    int magnitude = (argument.bitLength() + 7) / 8;
    return headSize(CborDecoder.TAG_POSITIVE_BIGNUM) + headSize(magnitude) + magnitude;
  }

  /** {@code argument} is the major-type-0/1 argument; beyond 64 bits it becomes a bignum. */
  private static int writeInteger(
      int major, long bignumTag, BigInteger argument, byte[] out, int at) {
    if (argument.bitLength() <= 64) {
      return writeHead(major, argument.longValue(), out, at);
    }
    byte[] magnitude = argument.toByteArray();
    int skip = magnitude[0] == 0 ? 1 : 0; // toByteArray adds a sign byte; bignums have none
    at = writeHead(6, bignumTag, out, at);
    at = writeHead(2, magnitude.length - skip, out, at);
    System.arraycopy(magnitude, skip, out, at, magnitude.length - skip);
    return at + magnitude.length - skip;
  }

  /** The length of the shortest head for {@code argument}, read as an unsigned 64-bit value. */
  private static int headSize(long argument) {
    if (argument >= 0 && argument < 24) {
      return 1;
    } else if (argument >= 0 && argument <= 0xffL) {
      return 2;
    } else if (argument >= 0 && argument <= 0xffffL) {
      return 3;
    } else if (argument >= 0 && argument <= 0xffff_ffffL) {
      return 5;
    }
    return 9;
  }

  /** Writes the shortest head for {@code argument} (an unsigned 64-bit value) at {@code at}. */
  private static int writeHead(int major, long argument, byte[] out, int at) {
    int mt = major << 5;
    int size = headSize(argument);
    switch (size) {
      case 1 -> out[at] = (byte) (mt | (int) argument);
      case 2 -> out[at] = (byte) (mt | 24);
      case 3 -> out[at] = (byte) (mt | 25);
      case 5 -> out[at] = (byte) (mt | 26);
      default -> out[at] = (byte) (mt | 27);
    }
    for (int i = 1; i < size; i++) {
      out[at + i] = (byte) (argument >>> (8 * (size - 1 - i)));
    }
    return at + size;
  }

  /** The UTF-8 length of well-formed UTF-16 text (TextString refuses unpaired surrogates). */
  private static long utf8Length(String s) {
    long length = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          length += 1;
        } else if (Character.isHighSurrogate(c)) {
          i++; // the pair: 4 bytes for 2 chars
          length += 2;
        } else {
          length += 2;
        }
      }
    }
    return length;
  }
}
