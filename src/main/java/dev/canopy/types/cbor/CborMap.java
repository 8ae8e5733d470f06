package dev.canopy.types.cbor;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A CBOR map (major type 5) of definite length with unique keys; immutable. It keeps the order of
 * its entries as decoded or built (the canonical encoder sorts keys itself), so no decision ever
 * depends on hash order.
 *
 * <p>The {@code get*} accessors read text-keyed fields, as requests and certificates use them, and
 * throw a {@link CborFieldException} naming the field when it is missing or of the wrong kind.
 */
public record CborMap(Map<CborValue, CborValue> entries) implements CborValue {
  public CborMap {
    entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
  }

  public static Builder builder() {
    return new Builder();
  }

  public int size() {
    return entries.size();
  }

  public boolean has(String key) {
    return entries.containsKey(new TextString(key));
  }

  public Optional<CborValue> get(String key) {
    return Optional.ofNullable(entries.get(new TextString(key)));
  }

  /** The value of a required field. */
  public CborValue require(String key) {
    CborValue v = entries.get(new TextString(key));
    if (v == null) {
      throw CborFieldException.missing(key);
    }
    return v;
  }

  public byte[] getBytes(String key) {
    return require(key).asBytes(key);
  }

  public String getText(String key) {
    return require(key).asText(key);
  }

  public CborMap getMap(String key) {
    return require(key).asMap(key);
  }

  public CborArray getArray(String key) {
    return require(key).asArray(key);
  }

  public BigInteger getUnsigned(String key) {
    return require(key).asUnsigned(key);
  }

  /** An unsigned field that must be below 2^63. */
  public long getLong(String key) {
    return require(key).asLong(key);
  }

  public Optional<byte[]> findBytes(String key) {
    return get(key).map(v -> v.asBytes(key));
  }

  public Optional<String> findText(String key) {
    return get(key).map(v -> v.asText(key));
  }

  public Optional<CborMap> findMap(String key) {
    return get(key).map(v -> v.asMap(key));
  }

  public Optional<CborArray> findArray(String key) {
    return get(key).map(v -> v.asArray(key));
  }

  public Optional<BigInteger> findUnsigned(String key) {
    return get(key).map(v -> v.asUnsigned(key));
  }

  @Override
  public String kindName() {
    return "a map";
  }

  @Override
  public String toString() {
    return entries.toString();
  }

  /** Builds a map in insertion order; a repeated key is a programming error. */
  public static final class Builder {
    private final LinkedHashMap<CborValue, CborValue> entries = new LinkedHashMap<>();

    public Builder put(CborValue key, CborValue value) {
      if (value == null) {
        throw new IllegalArgumentException("null value for key " + key);
      }
      if (entries.putIfAbsent(key, value) != null) {
        throw new IllegalArgumentException("duplicate key " + key);
      }
      return this;
    }

    public Builder put(String key, CborValue value) {
      return put(new TextString(key), value);
    }

    public Builder put(String key, byte[] value) {
      return put(key, new ByteString(value));
    }

    public Builder put(String key, String value) {
      return put(key, new TextString(value));
    }

    /** Puts the field only when {@code value} is present, for optional fields. */
    public Builder putIfPresent(String key, Optional<? extends CborValue> value) {
      value.ifPresent(v -> put(key, v));
      return this;
    }

    public CborMap build() {
      return new CborMap(entries);
    }
  }
}
