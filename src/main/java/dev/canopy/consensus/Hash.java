package dev.canopy.consensus;

import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import java.util.Arrays;

/** A SHA-256 digest naming a block, an artifact or a beacon; ordered as unsigned bytes. */
public record Hash(byte[] bytes) implements Comparable<Hash> {
  public static final int BYTES = 32;
  /** The parent hash of the genesis block and the genesis beacon. */
  public static final Hash ZERO = new Hash(new byte[BYTES]);

  public Hash {
    if (bytes == null || bytes.length != BYTES) {
      throw new IllegalArgumentException("a hash has " + BYTES + " bytes");
    }
    bytes = bytes.clone();
  }

  /** {@code SHA-256(domain · data)}. */
  public static Hash of(byte[] domain, byte[] data) {
    return new Hash(Hashing.sha256(domain, data));
  }

  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Hash h && Arrays.equals(bytes, h.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public int compareTo(Hash o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  /** The first 8 hex digits, enough to tell blocks apart in a trace. */
  public String shortHex() {
    return Hex.encode(bytes).substring(0, 8);
  }

  @Override
  public String toString() {
    return Hex.encode(bytes);
  }
}
