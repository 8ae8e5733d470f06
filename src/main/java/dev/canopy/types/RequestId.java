package dev.canopy.types;

import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborFieldException;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A request id: the 32-byte representation-independent hash of a request's {@code content} map
 * (spec "Request ids", "Representation-independent hashing of structured data").
 *
 * <p>{@link #of(CborMap)} hashes every field the client sent, whatever its name, so a field that a
 * later version of the spec adds still hashes as the client hashed it: blobs as-is, text as UTF-8,
 * nats (including bignums) as shortest unsigned LEB128, negative integers as shortest signed
 * LEB128, arrays as the hash of their elements' hashes, maps recursively. Booleans and null have no
 * representation-independent hash; a content map holding one is refused.
 */
public final class RequestId implements Comparable<RequestId> {
  public static final int LENGTH_BYTES = 32;

  private final byte[] bytes;
  /**
   * The first 8 bytes, big-endian: compared unsigned they order ids as the bytes do. Ids are kept
   * in sorted maps (the request status history) that compare them on every lookup; two distinct
   * ids almost never share 8 bytes, so one long comparison usually decides.
   */
  private final long prefix;

  private RequestId(byte[] bytes) {
    this.bytes = bytes;
    this.prefix = ByteBuffer.wrap(bytes).getLong();
  }

  public static RequestId fromBytes(byte[] bytes) {
    if (bytes.length != LENGTH_BYTES) {
      throw new InvalidInputException(
          "a request id has " + LENGTH_BYTES + " bytes, got " + bytes.length);
    }
    return new RequestId(bytes.clone());
  }

  /** Parses 64 hex digits, with or without the {@code 0x} the spec recommends for display. */
  public static RequestId fromHex(String hex) {
    String digits = hex.startsWith("0x") || hex.startsWith("0X") ? hex.substring(2) : hex;
    if (digits.length() != 2 * LENGTH_BYTES || !digits.chars().allMatch(RequestId::isHexDigit)) {
      throw new InvalidInputException(
          "a request id is " + 2 * LENGTH_BYTES + " hex digits, got \"" + abbreviate(hex) + "\"");
    }
    return new RequestId(Hex.decode(digits));
  }

  /** {@code hash_of_map(content)} over every field of {@code content}. */
  public static RequestId of(CborMap content) {
    return new RequestId(hashOfMap(content, "content"));
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  /** Lower-case hex, 64 digits, no prefix: the form of the {@code request_status} label. */
  @Override
  public String toString() {
    return Hex.encode(bytes);
  }

  /** {@code 0x}-prefixed lower-case hex, the spec's recommended display form. */
  public String toDisplayString() {
    return "0x" + Hex.encode(bytes);
  }

  @Override
  public int compareTo(RequestId o) {
    if (prefix != o.prefix) {
      return Long.compareUnsigned(prefix, o.prefix);
    }
    return this == o ? 0 : Arrays.compareUnsigned(bytes, 8, LENGTH_BYTES, o.bytes, 8, LENGTH_BYTES);
  }

  @Override
  public boolean equals(Object o) {
    return o == this
        || (o instanceof RequestId r && prefix == r.prefix && Arrays.equals(bytes, r.bytes));
  }

  @Override
  public int hashCode() {
    return Long.hashCode(prefix); // the bytes are a hash already
  }

  private static byte[] hashOfMap(CborMap map, String path) {
    List<byte[]> pairs = new ArrayList<>(map.size());
    for (Map.Entry<CborValue, CborValue> e : map.entries().entrySet()) {
      if (!(e.getKey() instanceof CborValue.TextString key)) {
        throw new CborFieldException(
            CborFieldException.Reason.WRONG_TYPE,
            path,
            "a key of '" + path + "' is " + e.getKey().kindName() + "; hashed maps have text keys");
      }
      String name = key.value();
      byte[] pair = Arrays.copyOf(Hashing.sha256(name.getBytes(StandardCharsets.UTF_8)), 64);
      System.arraycopy(hashOfValue(e.getValue(), path + "." + name), 0, pair, 32, 32);
      pairs.add(pair);
    }
    pairs.sort(Arrays::compareUnsigned);
    MessageDigest md = Hashing.sha256Digest();
    for (byte[] p : pairs) {
      md.update(p);
    }
    return md.digest();
  }

  private static byte[] hashOfValue(CborValue value, String path) {
    if (value instanceof CborValue.ByteString b) {
      return Hashing.sha256(b.bytes());
    }
    if (value instanceof CborValue.TextString t) {
      return Hashing.sha256(t.value().getBytes(StandardCharsets.UTF_8));
    }
    if (value instanceof CborValue.UnsignedInt u) {
      return Hashing.sha256(Leb128.encodeUnsigned(u.value()));
    }
    if (value instanceof CborValue.NegativeInt n) {
      return Hashing.sha256(Leb128.encodeSigned(n.value()));
    }
    if (value instanceof CborArray a) {
      ByteArrayOutputStream concat = new ByteArrayOutputStream(a.size() * 32);
      for (int i = 0; i < a.size(); i++) {
        concat.writeBytes(hashOfValue(a.get(i), path + "[" + i + "]"));
      }
      return Hashing.sha256(concat.toByteArray());
    }
    if (value instanceof CborMap m) {
      return hashOfMap(m, path);
    }
    throw new CborFieldException(
        CborFieldException.Reason.WRONG_TYPE,
        path,
        "field '" + path + "' is " + value.kindName()
            + ", which has no representation-independent hash (use a blob, text, nat, array or map)");
  }

  private static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "…";
  }
}
