package dev.canopy.wasm.instrument;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * A bounded cursor over a byte array that decodes the Wasm binary format's primitives. Every read
 * past the limit, and every over-long LEB128, is an {@link InvalidWasmException}.
 */
final class ByteReader {
  private final byte[] bytes;
  private int position;
  private final int limit;

  ByteReader(byte[] bytes, int start, int limit) {
    this.bytes = bytes;
    this.position = start;
    this.limit = limit;
  }

  int position() {
    return position;
  }

  int limit() {
    return limit;
  }

  int remaining() {
    return limit - position;
  }

  boolean atEnd() {
    return position >= limit;
  }

  byte[] bytes() {
    return bytes;
  }

  int readByte() {
    if (position >= limit) {
      throw InvalidWasmException.at(position, "unexpected end of data");
    }
    return bytes[position++] & 0xff;
  }

  int peekByte() {
    if (position >= limit) {
      throw InvalidWasmException.at(position, "unexpected end of data");
    }
    return bytes[position] & 0xff;
  }

  void skip(int count) {
    if (count < 0 || count > limit - position) {
      throw InvalidWasmException.at(position, "unexpected end of data");
    }
    position += count;
  }

  /** An unsigned LEB128 of at most 32 bits (at most 5 bytes, unused high bits zero). */
  long readU32() {
    int start = position;
    long result = 0;
    for (int shift = 0; ; shift += 7) {
      int b = readByte();
      if (shift == 28 && (b & 0x70) != 0) {
        throw InvalidWasmException.at(start, "u32 LEB128 out of range");
      }
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
      if (shift == 28) {
        throw InvalidWasmException.at(start, "u32 LEB128 longer than 5 bytes");
      }
    }
  }

  /** A u32 that must also fit in a non-negative Java int (counts, sizes, indices). */
  int readU32AsInt(String what) {
    int start = position;
    long value = readU32();
    if (value > Integer.MAX_VALUE) {
      throw InvalidWasmException.at(start, what + " too large: " + value);
    }
    return (int) value;
  }

  /** A count of items that each take at least {@code minBytesPerItem} bytes, bounded by the data. */
  int readCount(String what, int minBytesPerItem) {
    int start = position;
    int count = readU32AsInt(what);
    if ((long) count * minBytesPerItem > remaining()) {
      throw InvalidWasmException.at(start, what + " " + count + " exceeds the remaining data");
    }
    return count;
  }

  /** An unsigned LEB128 of at most 64 bits. */
  long readU64() {
    int start = position;
    long result = 0;
    for (int shift = 0; ; shift += 7) {
      int b = readByte();
      if (shift == 63 && (b & 0x7e) != 0) {
        throw InvalidWasmException.at(start, "u64 LEB128 out of range");
      }
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
      if (shift == 63) {
        throw InvalidWasmException.at(start, "u64 LEB128 longer than 10 bytes");
      }
    }
  }

  /** A signed LEB128 of at most {@code bits} bits (32, 33 or 64). */
  long readSigned(int bits) {
    int start = position;
    long result = 0;
    int shift = 0;
    int maxBytes = (bits + 6) / 7;
    for (int i = 0; ; i++) {
      int b = readByte();
      if (i == maxBytes - 1) {
        // Note: the last byte's unused bits must be a sign extension (binary format, integers).
        int usedBits = bits - shift;
        if ((b & 0x80) != 0) {
          throw InvalidWasmException.at(start, "s" + bits + " LEB128 too long");
        }
        int signAndUnused = b >> (usedBits - 1);
        int allOnes = (0x7f >> (usedBits - 1));
        if (signAndUnused != 0 && signAndUnused != allOnes) {
          throw InvalidWasmException.at(start, "s" + bits + " LEB128 out of range");
        }
      }
      result |= (long) (b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) {
        if (shift < 64 && (b & 0x40) != 0) {
          result |= -1L << shift;
        }
        return result;
      }
    }
  }

  String readName() {
    int start = position;
    int length = readU32AsInt("name length");
    if (length > remaining()) {
      throw InvalidWasmException.at(start, "name longer than the remaining data");
    }
    try {
      String name =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes, position, length))
              .toString();
      position += length;
      return name;
    } catch (CharacterCodingException e) {
      throw InvalidWasmException.at(start, "name is not valid UTF-8");
    }
  }
}
