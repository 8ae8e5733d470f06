package dev.canopy.types;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * A principal: an opaque blob of 0 to 29 bytes naming a user, a canister or the management
 * canister (spec "Principals").
 *
 * <p>Immutable; ordered by unsigned byte-lexicographic order, as the routing table and the state
 * tree order them.
 */
public final class Principal implements Comparable<Principal> {
  public static final int MAX_LENGTH_BYTES = 29;
  /** The longest textual form: 29 bytes + 4 CRC bytes in base32 (53 chars) plus 10 dashes. */
  public static final int MAX_TEXT_LENGTH_CHARS = 63;

  static final byte SELF_AUTHENTICATING_SUFFIX = 0x02;
  static final byte DERIVED_SUFFIX = 0x03;
  static final byte ANONYMOUS_SUFFIX = 0x04;
  static final byte RESERVED_SUFFIX = 0x7f;

  /** The management canister {@code aaaaa-aa}: the empty blob. */
  public static final Principal MANAGEMENT_CANISTER = new Principal(new byte[0]);
  /** The anonymous user {@code 2vxsx-fae}. */
  public static final Principal ANONYMOUS = new Principal(new byte[] {ANONYMOUS_SUFFIX});

  /** The classes of principal the spec distinguishes by the last byte. */
  public enum Kind {
    MANAGEMENT,
    OPAQUE,
    SELF_AUTHENTICATING,
    DERIVED,
    ANONYMOUS,
    RESERVED
  }

  private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private final byte[] bytes;

  private Principal(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A principal from its binary form; rejects more than 29 bytes. */
  public static Principal fromBytes(byte[] bytes) {
    if (bytes.length > MAX_LENGTH_BYTES) {
      throw new PrincipalFormatException(
          PrincipalFormatException.Reason.TOO_LONG,
          "a principal has at most " + MAX_LENGTH_BYTES + " bytes, got " + bytes.length);
    }
    return bytes.length == 0 ? MANAGEMENT_CANISTER : new Principal(bytes.clone());
  }

  /** {@code SHA-224(der) · 0x02}: the principal of the holder of a DER-encoded public key. */
  public static Principal selfAuthenticating(byte[] derPublicKey) {
    return new Principal(withSuffix(Hashing.sha224(derPublicKey), SELF_AUTHENTICATING_SUFFIX));
  }

  /** {@code SHA-224(|registering| · registering · nonce) · 0x03}. */
  public static Principal derived(Principal registering, byte[] nonce) {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.write(registering.bytes.length);
    in.writeBytes(registering.bytes);
    in.writeBytes(nonce);
    return new Principal(withSuffix(Hashing.sha224(in.toByteArray()), DERIVED_SUFFIX));
  }

  /** {@code blob · 0x7f}: reserved principals never name an entity. */
  public static Principal reserved(byte[] blob) {
    if (blob.length > MAX_LENGTH_BYTES - 1) {
      throw new PrincipalFormatException(
          PrincipalFormatException.Reason.TOO_LONG, "a reserved principal's blob has at most 28 bytes");
    }
    return new Principal(withSuffix(blob, RESERVED_SUFFIX));
  }

  private static byte[] withSuffix(byte[] body, byte suffix) {
    byte[] out = Arrays.copyOf(body, body.length + 1);
    out[body.length] = suffix;
    return out;
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  public Kind kind() {
    if (bytes.length == 0) {
      return Kind.MANAGEMENT;
    }
    byte last = bytes[bytes.length - 1];
    if (last == ANONYMOUS_SUFFIX && bytes.length == 1) {
      return Kind.ANONYMOUS;
    }
    if (last == SELF_AUTHENTICATING_SUFFIX && bytes.length == MAX_LENGTH_BYTES) {
      return Kind.SELF_AUTHENTICATING;
    }
    if (last == DERIVED_SUFFIX && bytes.length == MAX_LENGTH_BYTES) {
      return Kind.DERIVED;
    }
    if (last == RESERVED_SUFFIX) {
      return Kind.RESERVED;
    }
    return Kind.OPAQUE;
  }

  public boolean isAnonymous() {
    return kind() == Kind.ANONYMOUS;
  }

  public boolean isManagementCanister() {
    return bytes.length == 0;
  }

  /** The textual form {@code Grouped(Base32(CRC32(b) · b))}, lower case. */
  public String toText() {
    byte[] data = new byte[bytes.length + 4];
    long crc = crc32(bytes);
    data[0] = (byte) (crc >>> 24);
    data[1] = (byte) (crc >>> 16);
    data[2] = (byte) (crc >>> 8);
    data[3] = (byte) crc;
    System.arraycopy(bytes, 0, data, 4, bytes.length);
    String b32 = base32(data);
    StringBuilder out = new StringBuilder(b32.length() + b32.length() / 5);
    for (int i = 0; i < b32.length(); i++) {
      if (i > 0 && i % 5 == 0) {
        out.append('-');
      }
      out.append(b32.charAt(i));
    }
    return out.toString();
  }

  /**
   * Parses the textual form, case-insensitively. Errors say what is wrong: too long, a bad
   * character, wrong grouping, a bad checksum, or a form that is not canonical.
   */
  public static Principal fromText(String text) {
    if (text.length() > MAX_TEXT_LENGTH_CHARS) {
      throw new PrincipalFormatException(
          PrincipalFormatException.Reason.TOO_LONG,
          "a textual principal has at most " + MAX_TEXT_LENGTH_CHARS + " characters, got "
              + text.length());
    }
    StringBuilder b32 = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '-') {
        // A dash must stand after every full group of five and nowhere else.
        if ((i + 1) % 6 != 0 || i == text.length() - 1) {
          throw grouping(text);
        }
        continue;
      }
      if ((i + 1) % 6 == 0) {
        throw grouping(text);
      }
      char lower = Character.toLowerCase(c);
      if (!((lower >= 'a' && lower <= 'z') || (lower >= '2' && lower <= '7'))) {
        throw new PrincipalFormatException(
            PrincipalFormatException.Reason.BAD_CHARACTER,
            "invalid character '" + printable(c) + "' at position " + i + " of principal \""
                + text + "\" (expected a-z or 2-7)");
      }
      b32.append(lower);
    }
    byte[] data = unbase32(b32, text);
    if (data.length < 4) {
      throw new PrincipalFormatException(
          PrincipalFormatException.Reason.TOO_SHORT,
          "principal \"" + text + "\" is too short to hold its 4-byte checksum");
    }
    byte[] body = Arrays.copyOfRange(data, 4, data.length);
    if (body.length > MAX_LENGTH_BYTES) {
      throw new PrincipalFormatException(
          PrincipalFormatException.Reason.TOO_LONG,
          "principal \"" + text + "\" encodes " + body.length + " bytes; at most 29 are allowed");
    }
    long expected = crc32(body);
    long found =
        ((data[0] & 0xffL) << 24) | ((data[1] & 0xffL) << 16) | ((data[2] & 0xffL) << 8)
            | (data[3] & 0xffL);
    if (expected != found) {
      throw new PrincipalFormatException(
          PrincipalFormatException.Reason.BAD_CHECKSUM,
          "principal \"" + text + "\" has a bad checksum (a typo?)");
    }
    Principal p = fromBytes(body);
    if (!p.toText().equalsIgnoreCase(text)) {
      throw new PrincipalFormatException(
          PrincipalFormatException.Reason.NOT_CANONICAL,
          "principal \"" + text + "\" is not in canonical form; expected \"" + p.toText() + "\"");
    }
    return p;
  }

  private static PrincipalFormatException grouping(String text) {
    return new PrincipalFormatException(
        PrincipalFormatException.Reason.BAD_GROUPING,
        "principal \"" + text + "\" is not grouped as five characters between dashes");
  }

  private static String printable(char c) {
    return Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }

  private static long crc32(byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    return crc.getValue();
  }

  private static String base32(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(BASE32[(buffer >>> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(BASE32[(buffer << (5 - bits)) & 31]);
    }
    return out.toString();
  }

  private static byte[] unbase32(CharSequence b32, String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(b32.length() * 5 / 8);
    int buffer = 0;
    int bits = 0;
    for (int i = 0; i < b32.length(); i++) {
      char c = b32.charAt(i);
      int v = c >= 'a' ? c - 'a' : c - '2' + 26;
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out.write((buffer >>> (bits - 8)) & 0xff);
        bits -= 8;
      }
    }
    // Leftover bits are padding: they must be zero, or the text is not canonical; the caller's
    // round-trip check reports that.
    return out.toByteArray();
  }

  @Override
  public int compareTo(Principal other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Principal p && Arrays.equals(bytes, p.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return toText();
  }
}
