package dev.canopy.types.cbor;

import dev.canopy.types.Hex;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A CBOR data item (RFC 8949) of the kinds the Internet Computer's interface uses: integers of any
 * size, byte and text strings, arrays, maps, tags and the simple values true, false and null.
 *
 * <p>Note: there are no floats. The spec ("CBOR encoding of requests and responses") forbids them
 * standing in for integers, and nothing we sign or read carries one, so the decoder rejects them.
 */
public sealed interface CborValue
    permits CborValue.UnsignedInt,
        CborValue.NegativeInt,
        CborValue.ByteString,
        CborValue.TextString,
        CborArray,
        CborMap,
        CborValue.Tagged,
        CborValue.Bool,
        CborValue.Null {

  BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** A short name of the kind, for error messages ("a byte string", "a map"). */
  String kindName();

  // Typed views: each names the field it reads, so a mistyped value gives an error a person can act
  // on ("field 'sender' must be a byte string, got a text string") instead of a ClassCastException.

  default byte[] asBytes(String field) {
    if (this instanceof ByteString b) {
      return b.bytes();
    }
    throw CborFieldException.wrongType(field, "a byte string", this);
  }

  default String asText(String field) {
    if (this instanceof TextString t) {
      return t.value();
    }
    throw CborFieldException.wrongType(field, "a text string", this);
  }

  default CborMap asMap(String field) {
    if (this instanceof CborMap m) {
      return m;
    }
    throw CborFieldException.wrongType(field, "a map", this);
  }

  default CborArray asArray(String field) {
    if (this instanceof CborArray a) {
      return a;
    }
    throw CborFieldException.wrongType(field, "an array", this);
  }

  default BigInteger asUnsigned(String field) {
    if (this instanceof UnsignedInt u) {
      return u.value();
    }
    throw CborFieldException.wrongType(field, "an unsigned integer", this);
  }

  /** An unsigned integer that must fit a Java long (below 2^63). */
  default long asLong(String field) {
    BigInteger v = asUnsigned(field);
    if (v.bitLength() > 63) {
      throw new CborFieldException(
          CborFieldException.Reason.OUT_OF_RANGE,
          field,
          "field '" + field + "' is " + v + ", larger than " + Long.MAX_VALUE);
    }
    return v.longValue();
  }

  /** A non-negative integer: major type 0, or a bignum (tag 2) beyond 64 bits. */
  record UnsignedInt(BigInteger value) implements CborValue {
    public UnsignedInt {
      if (value == null || value.signum() < 0) {
        throw new IllegalArgumentException("an unsigned integer must be non-negative: " + value);
      }
    }

    public static UnsignedInt of(long nonNegative) {
      return new UnsignedInt(BigInteger.valueOf(nonNegative));
    }

    /** The u64 held in {@code bits}, read as unsigned (so {@code -1L} is 2^64-1). */
    public static UnsignedInt ofUnsignedBits(long bits) {
      return new UnsignedInt(new BigInteger(Long.toUnsignedString(bits)));
    }

    /** Whether the value fits the 64-bit head of major type 0 (else it is encoded as a bignum). */
    public boolean fitsU64() {
      return value.bitLength() <= 64;
    }

    @Override
    public String kindName() {
      return "an unsigned integer";
    }

    @Override
    public String toString() {
      return value.toString();
    }
  }

  /** A negative integer: major type 1, or a negative bignum (tag 3). Holds the value itself. */
  record NegativeInt(BigInteger value) implements CborValue {
    public NegativeInt {
      if (value == null || value.signum() >= 0) {
        throw new IllegalArgumentException("a negative integer must be below zero: " + value);
      }
    }

    public static NegativeInt of(long negative) {
      return new NegativeInt(BigInteger.valueOf(negative));
    }

    /** {@code -1 - value}: the argument CBOR carries. */
    public BigInteger encodedArgument() {
      return value.negate().subtract(BigInteger.ONE);
    }

    @Override
    public String kindName() {
      return "a negative integer";
    }

    @Override
    public String toString() {
      return value.toString();
    }
  }

  /** A byte string (major type 2); immutable. */
  record ByteString(byte[] bytes) implements CborValue {
    public ByteString {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    public int length() {
      return bytes.length;
    }

    @Override
    public String kindName() {
      return "a byte string";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ByteString b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "h'" + Hex.encode(bytes) + "'";
    }
  }

  /** A text string (major type 3), valid UTF-8 by construction. */
  record TextString(String value) implements CborValue {
    public TextString {
      if (value == null) {
        throw new IllegalArgumentException("text is null");
      }
    }

    byte[] utf8() {
      return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String kindName() {
      return "a text string";
    }

    @Override
    public String toString() {
      return '"' + value + '"';
    }
  }

  /** A tagged item (major type 6); the tag number is an unsigned 64-bit value held in a long. */
  record Tagged(long tag, CborValue value) implements CborValue {
    public Tagged {
      if (value == null) {
        throw new IllegalArgumentException("tagged value is null");
      }
    }

    @Override
    public String kindName() {
      return "a tagged value";
    }

    @Override
    public String toString() {
      return Long.toUnsignedString(tag) + "(" + value + ")";
    }
  }

  /** The simple values {@code true} and {@code false}. */
  record Bool(boolean value) implements CborValue {
    public static final Bool TRUE = new Bool(true);
    public static final Bool FALSE = new Bool(false);

    @Override
    public String kindName() {
      return "a boolean";
    }

    @Override
    public String toString() {
      return Boolean.toString(value);
    }
  }

  /** The simple value {@code null}. */
  record Null() implements CborValue {
    public static final Null INSTANCE = new Null();

    @Override
    public String kindName() {
      return "null";
    }

    @Override
    public String toString() {
      return "null";
    }
  }

  static ByteString bytes(byte[] bytes) {
    return new ByteString(bytes);
  }

  static TextString text(String text) {
    return new TextString(text);
  }

  static UnsignedInt unsigned(long nonNegative) {
    return UnsignedInt.of(nonNegative);
  }

  static UnsignedInt unsigned(BigInteger nonNegative) {
    return new UnsignedInt(nonNegative);
  }

  /** Any integer as the matching CBOR kind. */
  static CborValue integer(BigInteger value) {
    return value.signum() < 0 ? new NegativeInt(value) : new UnsignedInt(value);
  }
}
