package dev.canopy.types;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 and SHA-224 through the JDK, which uses the CPU's SHA instructions (ARCHITECTURE.md §5).
 *
 * <p>Note: every domain separator of the Internet Computer starts with its own length byte, which
 * makes them prefix-free; {@link #domainSeparator(String)} builds them that way.
 */
public final class Hashing {
  private Hashing() {}

  public static MessageDigest sha256Digest() {
    return digest("SHA-256");
  }

  public static byte[] sha256(byte[] data) {
    return sha256Digest().digest(data);
  }

  public static byte[] sha256(byte[]... parts) {
    MessageDigest md = sha256Digest();
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  public static byte[] sha224(byte[] data) {
    return digest("SHA-224").digest(data);
  }

  /** The bytes {@code len(name) · name}, as the IC prefixes signed and hashed payloads. */
  public static byte[] domainSeparator(String name) {
    byte[] ascii = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    if (ascii.length > 255) {
      throw new IllegalArgumentException("domain separator too long: " + name);
    }
    byte[] out = new byte[ascii.length + 1];
    out[0] = (byte) ascii.length;
    System.arraycopy(ascii, 0, out, 1, ascii.length);
    return out;
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks " + algorithm, e);
    }
  }
}
