package dev.canopy.crypto;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * The little DER (X.690) this package needs: a strict reader of definite, minimal lengths and a
 * writer. Every malformed input ends in {@link MalformedDerException}, never an index error.
 */
final class Der {
  static final int SEQUENCE = 0x30;
  static final int INTEGER = 0x02;
  static final int BIT_STRING = 0x03;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OID = 0x06;

  /** Longest input any caller hands us: keys and private-key files are far below this. */
  static final int MAX_INPUT_BYTES = 16 * 1024;

  private Der() {}

  /** A DER syntax error; callers turn it into their own typed exception with context. */
  static final class MalformedDerException extends Exception {
    MalformedDerException(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads the elements of one constructed value (or a whole input) in order. */
  static final class Reader {
    private final byte[] data;
    private int pos;
    private final int end;

    private Reader(byte[] data, int start, int end) {
      this.data = data;
      this.pos = start;
      this.end = end;
    }

    static Reader of(byte[] data) throws MalformedDerException {
      if (data.length > MAX_INPUT_BYTES) {
        throw new MalformedDerException(
            "input of " + data.length + " bytes exceeds " + MAX_INPUT_BYTES + " bytes");
      }
      return new Reader(data, 0, data.length);
    }

    boolean hasMore() {
      return pos < end;
    }

    int peekTag() throws MalformedDerException {
      if (pos >= end) {
        throw new MalformedDerException("unexpected end of input at byte " + pos);
      }
      return data[pos] & 0xff;
    }

    /** The contents of the next element, which must carry {@code tag}. */
    byte[] read(int tag) throws MalformedDerException {
      int[] bounds = next(tag);
      return Arrays.copyOfRange(data, bounds[0], bounds[1]);
    }

    /** A reader over the contents of the next element, which must carry {@code tag}. */
    Reader enter(int tag) throws MalformedDerException {
      int[] bounds = next(tag);
      return new Reader(data, bounds[0], bounds[1]);
    }

    /** The complete encoding (tag, length, contents) of the next element, whatever its tag. */
    byte[] readRaw() throws MalformedDerException {
      int start = pos;
      next(peekTag());
      return Arrays.copyOfRange(data, start, pos);
    }

    String readOid() throws MalformedDerException {
      return oidToString(read(OID));
    }

    /** A BIT STRING with no unused bits, as keys use it. */
    byte[] readBitStringBytes() throws MalformedDerException {
      byte[] contents = read(BIT_STRING);
      if (contents.length == 0 || contents[0] != 0) {
        throw new MalformedDerException("a key's BIT STRING must have 0 unused bits");
      }
      return Arrays.copyOfRange(contents, 1, contents.length);
    }

    /** A non-negative INTEGER of at most 4 content bytes (a version number). */
    int readSmallInt() throws MalformedDerException {
      byte[] contents = read(INTEGER);
      if (contents.length == 0 || contents.length > 4) {
        throw new MalformedDerException("INTEGER of " + contents.length + " bytes where a small one was expected");
      }
      if (contents.length > 1 && contents[0] == 0 && (contents[1] & 0x80) == 0) {
        throw new MalformedDerException("INTEGER is not minimally encoded");
      }
      BigInteger value = new BigInteger(contents);
      if (value.signum() < 0) {
        throw new MalformedDerException("INTEGER is negative");
      }
      return value.intValueExact();
    }

    /**
     * A positive INTEGER in minimal two's-complement form, of at most {@code maxValueBytes} bytes
     * once a sign-padding zero is dropped (ECDSA's r and s).
     */
    BigInteger readPositiveInteger(int maxValueBytes) throws MalformedDerException {
      byte[] contents = read(INTEGER);
      if (contents.length == 0) {
        throw new MalformedDerException("INTEGER without contents");
      }
      if (contents.length > 1 && contents[0] == 0 && (contents[1] & 0x80) == 0) {
        throw new MalformedDerException("INTEGER is not minimally encoded");
      }
      if ((contents[0] & 0x80) != 0) {
        throw new MalformedDerException("INTEGER is negative");
      }
      BigInteger value = new BigInteger(contents);
      if (value.signum() == 0) {
        throw new MalformedDerException("INTEGER is zero where a positive one was expected");
      }
      if ((value.bitLength() + 7) / 8 > maxValueBytes) {
        throw new MalformedDerException("INTEGER has more than " + maxValueBytes + " bytes");
      }
      return value;
    }

    void expectEnd(String what) throws MalformedDerException {
      if (pos != end) {
        throw new MalformedDerException((end - pos) + " unexpected bytes after " + what);
      }
    }

    private int[] next(int tag) throws MalformedDerException {
      int actual = peekTag();
      if (actual != tag) {
        throw new MalformedDerException(
            String.format("expected tag 0x%02x at byte %d, found 0x%02x", tag, pos, actual));
      }
      pos++;
      if (pos >= end) {
        throw new MalformedDerException("missing length at byte " + pos);
      }
      int first = data[pos++] & 0xff;
      int length;
      if (first < 0x80) {
        length = first;
      } else if (first == 0x80) {
        throw new MalformedDerException("indefinite length is not DER");
      } else {
        int count = first & 0x7f;
        if (count > 2) {
          throw new MalformedDerException("length of " + count + " bytes is too long");
        }
        if (end - pos < count) {
          throw new MalformedDerException("truncated length at byte " + pos);
        }
        length = 0;
        for (int i = 0; i < count; i++) {
          length = (length << 8) | (data[pos++] & 0xff);
        }
        if (length < 0x80 || (count == 2 && length < 0x100)) {
          throw new MalformedDerException("length " + length + " is not minimally encoded");
        }
      }
      if (length > end - pos) {
        throw new MalformedDerException(
            "element of " + length + " bytes at byte " + pos + " runs past the end");
      }
      int start = pos;
      pos += length;
      return new int[] {start, pos};
    }
  }

  static String oidToString(byte[] contents) throws MalformedDerException {
    if (contents.length == 0 || contents.length > 64) {
      throw new MalformedDerException("OBJECT IDENTIFIER of " + contents.length + " bytes");
    }
    StringBuilder out = new StringBuilder();
    long value = 0;
    boolean first = true;
    for (int i = 0; i < contents.length; i++) {
      int b = contents[i] & 0xff;
      if (value == 0 && b == 0x80) {
        throw new MalformedDerException("OBJECT IDENTIFIER arc is not minimally encoded");
      }
      if (value > (Long.MAX_VALUE >>> 7)) {
        throw new MalformedDerException("OBJECT IDENTIFIER arc too large");
      }
      value = (value << 7) | (b & 0x7f);
      if ((b & 0x80) == 0) {
        if (first) {
          long top = Math.min(value / 40, 2);
          out.append(top).append('.').append(value - 40 * top);
          first = false;
        } else {
          out.append('.').append(value);
        }
        value = 0;
      } else if (i == contents.length - 1) {
        throw new MalformedDerException("OBJECT IDENTIFIER ends inside an arc");
      }
    }
    return out.toString();
  }

  // ---- writing ----

  static byte[] element(int tag, byte[]... contents) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] c : contents) {
      body.writeBytes(c);
    }
    int length = body.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 4);
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else if (length < 0x100) {
      out.write(0x81);
      out.write(length);
    } else {
      out.write(0x82);
      out.write(length >>> 8);
      out.write(length);
    }
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  static byte[] sequence(byte[]... elements) {
    return element(SEQUENCE, elements);
  }

  static byte[] smallInteger(int value) {
    return element(INTEGER, BigInteger.valueOf(value).toByteArray());
  }

  /** A non-negative INTEGER, minimally encoded. */
  static byte[] integer(BigInteger value) {
    return element(INTEGER, value.toByteArray());
  }

  static byte[] octetString(byte[] contents) {
    return element(OCTET_STRING, contents);
  }

  static byte[] bitString(byte[] bytes) {
    byte[] contents = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, contents, 1, bytes.length);
    return element(BIT_STRING, contents);
  }

  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeArc(out, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      writeArc(out, Long.parseLong(arcs[i]));
    }
    return element(OID, out.toByteArray());
  }

  private static void writeArc(ByteArrayOutputStream out, long value) {
    int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 6) / 7);
    for (int g = groups - 1; g >= 0; g--) {
      int b = (int) ((value >>> (7 * g)) & 0x7f);
      out.write(g == 0 ? b : b | 0x80);
    }
  }

  /** An explicit context-specific tag [n], constructed. */
  static byte[] explicit(int n, byte[] inner) {
    return element(0xa0 | n, inner);
  }
}
