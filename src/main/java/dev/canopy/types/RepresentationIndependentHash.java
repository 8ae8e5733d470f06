package dev.canopy.types;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The spec's representation-independent hash of structured data ("Representation-independent
 * hashing of structured data"); a request id is {@code hashOfMap(content)}.
 *
 * <p>Values are plain Java: {@code byte[]} (blob), {@link Principal}, {@link String} (text, UTF-8),
 * a non-negative {@link Long}/{@link Integer}/{@link BigInteger} (nat, shortest unsigned LEB128),
 * {@link Int} (int, shortest signed LEB128), {@link List} (array) and {@link Map} with
 * {@link String} keys (a nested map). A {@code null} map value means the field is absent.
 */
public final class RepresentationIndependentHash {
  private RepresentationIndependentHash() {}

  /** A signed integer, hashed as SLEB128 (a bare number is a nat). */
  public record Int(BigInteger value) {}

  /** {@code H(concat(sorted(H(key) · H(value))))} over the fields that are present. */
  public static byte[] hashOfMap(Map<String, ?> map) {
    List<byte[]> pairs = new ArrayList<>(map.size());
    for (Map.Entry<String, ?> e : map.entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      byte[] k = Hashing.sha256(e.getKey().getBytes(StandardCharsets.UTF_8));
      byte[] v = hashOfValue(e.getValue());
      byte[] pair = Arrays.copyOf(k, 64);
      System.arraycopy(v, 0, pair, 32, 32);
      pairs.add(pair);
    }
    pairs.sort(Arrays::compareUnsigned);
    MessageDigest md = Hashing.sha256Digest();
    for (byte[] p : pairs) {
      md.update(p);
    }
    return md.digest();
  }

  public static byte[] hashOfValue(Object value) {
    if (value instanceof byte[] b) {
      return Hashing.sha256(b);
    }
    if (value instanceof Principal p) {
      return Hashing.sha256(p.toBytes());
    }
    if (value instanceof String s) {
      return Hashing.sha256(s.getBytes(StandardCharsets.UTF_8));
    }
    if (value instanceof Long || value instanceof Integer) {
      return Hashing.sha256(Leb128.encodeUnsigned(BigInteger.valueOf(((Number) value).longValue())));
    }
    if (value instanceof BigInteger n) {
      return Hashing.sha256(Leb128.encodeUnsigned(n));
    }
    if (value instanceof Int i) {
      return Hashing.sha256(Leb128.encodeSigned(i.value()));
    }
    if (value instanceof List<?> list) {
      ByteArrayOutputStream concat = new ByteArrayOutputStream(list.size() * 32);
      for (Object element : list) {
        concat.writeBytes(hashOfValue(element));
      }
      return Hashing.sha256(concat.toByteArray());
    }
    if (value instanceof Map<?, ?> m) {
      for (Object k : m.keySet()) {
        if (!(k instanceof String)) {
          throw new IllegalArgumentException("map keys must be text, got " + k);
        }
      }
      @SuppressWarnings("unchecked")
      Map<String, ?> sm = (Map<String, ?>) m;
      return hashOfMap(sm);
    }
    throw new IllegalArgumentException(
        "no representation-independent hash for " + (value == null ? "null" : value.getClass()));
  }
}
