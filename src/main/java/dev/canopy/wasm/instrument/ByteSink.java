package dev.canopy.wasm.instrument;

import java.util.Arrays;

/** A growable byte buffer that encodes the Wasm binary format's primitives (shortest LEB128). */
final class ByteSink {
  private byte[] buffer;
  private int size;

  ByteSink(int initialCapacity) {
    buffer = new byte[Math.max(16, initialCapacity)];
  }

  int size() {
    return size;
  }

  private void ensure(int extra) {
    if (size + extra > buffer.length) {
      long wanted = Math.max((long) buffer.length * 2, (long) size + extra);
      if (wanted > Integer.MAX_VALUE - 16) {
        throw new InvalidWasmException("instrumented module would exceed 2 GiB");
      }
      buffer = Arrays.copyOf(buffer, (int) wanted);
    }
  }

  ByteSink writeByte(int b) {
    ensure(1);
    buffer[size++] = (byte) b;
    return this;
  }

  ByteSink writeBytes(byte[] source, int offset, int length) {
    ensure(length);
    System.arraycopy(source, offset, buffer, size, length);
    size += length;
    return this;
  }

  ByteSink writeBytes(byte[] source) {
    return writeBytes(source, 0, source.length);
  }

  ByteSink writeU32(long value) {
    do {
      int b = (int) (value & 0x7f);
      value >>>= 7;
      writeByte(value != 0 ? b | 0x80 : b);
    } while (value != 0);
    return this;
  }

  ByteSink writeSigned(long value) {
    while (true) {
      int b = (int) (value & 0x7f);
      value >>= 7;
      boolean signBit = (b & 0x40) != 0;
      if ((value == 0 && !signBit) || (value == -1 && signBit)) {
        writeByte(b);
        return this;
      }
      writeByte(b | 0x80);
    }
  }

  ByteSink writeName(String name) {
    byte[] utf8 = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    writeU32(utf8.length);
    return writeBytes(utf8);
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buffer, size);
  }

  static int u32Size(long value) {
    int n = 1;
    while ((value >>>= 7) != 0) {
      n++;
    }
    return n;
  }
}
