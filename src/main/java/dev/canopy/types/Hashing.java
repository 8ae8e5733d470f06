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
  // Note: MessageDigest.getInstance looks the provider up (reflection included) on every call,
  // which costs more than hashing a request id's fields; copies of one prototype do not, and the
  // one-shot methods reuse a digest per thread (each use completes before the next starts).
  private static final MessageDigest SHA256 = digest("SHA-256");
  private static final ThreadLocal<MessageDigest> SHA256_OF_THREAD =
      ThreadLocal.withInitial(Hashing::sha256Digest);
  private static final ThreadLocal<MessageDigest> SHA224_OF_THREAD =
      ThreadLocal.withInitial(() -> digest("SHA-224"));

  private Hashing() {}

  /** A new SHA-256 digest, the caller's own. */
  public static MessageDigest sha256Digest() {
    try {
      return (MessageDigest) SHA256.clone();
    } catch (CloneNotSupportedException e) {
      return digest("SHA-256");
    }
  }

  public static byte[] sha256(byte[] data) {
    return SHA256_OF_THREAD.get().digest(data);
  }

  public static byte[] sha256(byte[]... parts) {
    MessageDigest md = SHA256_OF_THREAD.get();
    md.reset(); // in case an earlier use failed half-way
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  public static byte[] sha224(byte[] data) {
    return SHA224_OF_THREAD.get().digest(data);
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
