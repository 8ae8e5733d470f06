package dev.canopy.types.cbor;

import dev.canopy.types.cbor.CborDecodeException.Reason;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A strict decoder for the CBOR of request envelopes, responses and certificates (spec "CBOR
 * encoding of requests and responses", {@code requests.cddl}, {@code certificates.cddl}).
 *
 * <p>It accepts definite-length integers (to 64 bits, and bignums with tags 2 and 3), byte and text
 * strings, arrays, maps, false, true and null, and the self-describe tag 55799 around the top item.
 * It rejects everything else with a {@link CborDecodeException} that names the reason and the byte
 * offset: floats, other tags, indefinite lengths, duplicate keys, non-text keys (unless allowed),
 * invalid UTF-8, truncation, trailing bytes, and inputs beyond the {@link CborLimits}. A declared
 * length is checked against the remaining input before anything is allocated.
 *
 * <p>Note: ARCHITECTURE.md §5 names Jackson CBOR as the parser. Jackson's {@code CBORParser} cannot
 * enforce these rules: it turns integer map keys into field-name strings (so {@code {1: x}} and
 * {@code {"1": x}} look alike and "text keys only" cannot be checked), and it reads
 * indefinite-length strings, arrays and maps without telling the caller. Both are checkable only
 * at the byte level, so this is a small decoder of our own. Agents always send definite lengths,
 * so indefinite lengths are rejected rather than bounded.
 *
 * <p>Heads need not be the shortest form: the request id is a hash of values, not of bytes, so
 * accepting a longer head than needed changes nothing that is signed.
 */
public final class CborDecoder {
  public static final long SELF_DESCRIBE_TAG = 55799;
  static final long TAG_POSITIVE_BIGNUM = 2;
  static final long TAG_NEGATIVE_BIGNUM = 3;

  /** Default limits, text keys only: the decoder for envelopes and certificates. */
  public static final CborDecoder DEFAULT = builder().build();

  private final CborLimits limits;
  private final boolean textKeysOnly;

  private CborDecoder(CborLimits limits, boolean textKeysOnly) {
    this.limits = limits;
    this.textKeysOnly = textKeysOnly;
  }

  public static Builder builder() {
    return new Builder();
  }

  public CborLimits limits() {
    return limits;
  }

  /**
   * Decodes exactly one data item filling {@code input}, without its self-describe tag if it has
   * one.
   */
  public CborValue decode(byte[] input) {
    if (input.length > limits.maxSizeBytes()) {
      throw new CborDecodeException(
          Reason.TOO_LARGE,
          limits.maxSizeBytes(),
          "input of " + input.length + " bytes exceeds the limit of " + limits.maxSizeBytes());
    }
    Reader r = new Reader(input);
    CborValue value = r.readTop();
    if (r.pos != input.length) {
      throw new CborDecodeException(
          Reason.TRAILING_BYTES,
          r.pos,
          (input.length - r.pos) + " bytes follow the data item");
    }
    return value;
  }

  /** Decodes one item that must be a map, as envelopes and certificates are. */
  public CborMap decodeMap(byte[] input, String what) {
    return decode(input).asMap(what);
  }

  public static final class Builder {
    private CborLimits limits = CborLimits.DEFAULT;
    private boolean textKeysOnly = true;

    public Builder limits(CborLimits limits) {
      this.limits = limits;
      return this;
    }

    /** Whether every map key must be a text string (the default, as the interface requires). */
    public Builder textKeysOnly(boolean textKeysOnly) {
      this.textKeysOnly = textKeysOnly;
      return this;
    }

    public CborDecoder build() {
      return new CborDecoder(limits, textKeysOnly);
    }
  }

  /** The state of one decode. */
  private final class Reader {
    private final byte[] in;
    private int pos;
    private int itemCount;
    // Set by readHead.
    private int major;
    private int info;
    private long argument;

    Reader(byte[] in) {
      this.in = in;
    }

    CborValue readTop() {
      if (in.length >= 1 && (in[0] & 0xff) >>> 5 == 6) {
        int start = pos;
        readHead();
        if (argument == SELF_DESCRIBE_TAG) {
          return readItem(1);
        }
        pos = start; // any other tag is judged by readItem
      }
      return readItem(1);
    }

    private CborValue readItem(int depth) {
      int start = pos;
      if (depth > limits.maxDepth()) {
        throw error(Reason.TOO_DEEP, start, "nesting deeper than " + limits.maxDepth());
      }
      if (++itemCount > limits.maxItemCount()) {
        throw error(Reason.TOO_MANY_ITEMS, start, "more than " + limits.maxItemCount() + " items");
      }
      readHead();
      switch (major) {
        case 0:
          return CborValue.UnsignedInt.ofUnsignedBits(argument);
        case 1:
          return new CborValue.NegativeInt(
              unsigned(argument).negate().subtract(BigInteger.ONE));
        case 2:
          {
            int length = checkLength(argument, 1, start, "byte string");
            byte[] bytes = new byte[length];
            System.arraycopy(in, pos, bytes, 0, length);
            pos += length;
            return new CborValue.ByteString(bytes);
          }
        case 3:
          {
            int length = checkLength(argument, 1, start, "text string");
            String text = utf8(pos, length, start);
            pos += length;
            return new CborValue.TextString(text);
          }
        case 4:
          {
            int length = checkLength(argument, 1, start, "array");
            List<CborValue> items = new ArrayList<>(length);
            for (int i = 0; i < length; i++) {
              items.add(readItem(depth + 1));
            }
            return new CborArray(items);
          }
        case 5:
          {
            int length = checkLength(argument, 2, start, "map");
            LinkedHashMap<CborValue, CborValue> entries = new LinkedHashMap<>(length * 2);
            for (int i = 0; i < length; i++) {
              int keyStart = pos;
              CborValue key = readItem(depth + 1);
              if (textKeysOnly && !(key instanceof CborValue.TextString)) {
                throw error(
                    Reason.NON_TEXT_KEY, keyStart, "map key is " + key.kindName() + ", not text");
              }
              CborValue value = readItem(depth + 1);
              if (entries.putIfAbsent(key, value) != null) {
                throw error(Reason.DUPLICATE_KEY, keyStart, "duplicate map key " + key);
              }
            }
            return new CborMap(entries);
          }
        case 6:
          return readTagged(argument, depth, start);
        default:
          return readSimple(start);
      }
    }

    private CborValue readTagged(long tag, int depth, int start) {
      if (tag != TAG_POSITIVE_BIGNUM && tag != TAG_NEGATIVE_BIGNUM) {
        throw error(
            Reason.UNKNOWN_TAG,
            start,
            "tag " + Long.toUnsignedString(tag)
                + " is not accepted (only bignums 2 and 3, and 55799 around the top item)");
      }
      CborValue content = readItem(depth + 1);
      if (!(content instanceof CborValue.ByteString b)) {
        throw error(
            Reason.INVALID_BIGNUM, start, "bignum tag around " + content.kindName());
      }
      BigInteger n = new BigInteger(1, b.bytes());
      return tag == TAG_POSITIVE_BIGNUM
          ? new CborValue.UnsignedInt(n)
          : new CborValue.NegativeInt(n.negate().subtract(BigInteger.ONE));
    }

    private CborValue readSimple(int start) {
      switch (info) {
        case 20:
          return CborValue.Bool.FALSE;
        case 21:
          return CborValue.Bool.TRUE;
        case 22:
          return CborValue.Null.INSTANCE;
        case 25:
        case 26:
        case 27:
          throw error(Reason.FLOAT, start, "floating-point numbers are not accepted");
        default:
          throw error(
              Reason.UNSUPPORTED_SIMPLE_VALUE,
              start,
              "simple value " + argument + " is not accepted (only false, true, null)");
      }
    }

    /** Reads an initial byte and its argument into major/info/argument. */
    private void readHead() {
      int start = pos;
      int initial = nextByte(start);
      major = initial >>> 5;
      info = initial & 0x1f;
      if (info < 24) {
        argument = info;
        return;
      }
      switch (info) {
        case 24:
          argument = nextByte(start);
          return;
        case 25:
          argument = readBigEndian(2, start);
          return;
        case 26:
          argument = readBigEndian(4, start);
          return;
        case 27:
          argument = readBigEndian(8, start);
          return;
        case 31:
          if (major >= 2 && major <= 5) {
            throw error(Reason.INDEFINITE_LENGTH, start, "indefinite-length items are not accepted");
          }
          if (major == 7) {
            throw error(Reason.INDEFINITE_LENGTH, start, "break byte outside an indefinite item");
          }
          throw error(
              Reason.RESERVED_ADDITIONAL_INFO,
              start,
              "additional information 31 is not valid for major type " + major);
        default:
          throw error(
              Reason.RESERVED_ADDITIONAL_INFO,
              start,
              "additional information " + info + " is reserved");
      }
    }

    private long readBigEndian(int count, int start) {
      if (in.length - pos < count) {
        throw error(Reason.TRUNCATED, start, "input ends inside a " + (count + 1) + "-byte head");
      }
      long v = 0;
      for (int i = 0; i < count; i++) {
        v = (v << 8) | (in[pos++] & 0xff);
      }
      return v;
    }

    private int nextByte(int start) {
      if (pos >= in.length) {
        throw error(Reason.TRUNCATED, start, "input ends where a data item should be");
      }
      return in[pos++] & 0xff;
    }

    /** A declared length, once we know the remaining input can hold it (each unit needs bytes). */
    private int checkLength(long declared, int minBytesPerUnit, int start, String what) {
      long remaining = in.length - pos;
      if (declared < 0 || declared > remaining / minBytesPerUnit) {
        throw error(
            Reason.LENGTH_EXCEEDS_INPUT,
            start,
            what + " declares " + Long.toUnsignedString(declared) + " "
                + (major == 5 ? "entries" : major == 4 ? "items" : "bytes") + " but only "
                + remaining + " bytes remain");
      }
      return (int) declared;
    }

    private String utf8(int offset, int length, int start) {
      boolean ascii = true;
      for (int i = offset; i < offset + length; i++) {
        if (in[i] < 0) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        return new String(in, offset, length, StandardCharsets.US_ASCII);
      }
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(in, offset, length))
            .toString();
      } catch (CharacterCodingException e) {
        throw error(Reason.INVALID_UTF8, start, "text string is not valid UTF-8");
      }
    }
  }

  private static BigInteger unsigned(long bits) {
    return bits >= 0 ? BigInteger.valueOf(bits) : new BigInteger(Long.toUnsignedString(bits));
  }

  private static CborDecodeException error(Reason reason, int offset, String message) {
    return new CborDecodeException(reason, offset, message);
  }
}
