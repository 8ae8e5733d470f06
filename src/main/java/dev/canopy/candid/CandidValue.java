package dev.canopy.candid;

import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Candid value, as decoded at (or to be encoded at) some {@link CandidType}. Values carry field
 * ids, not names: a printer takes names from the type.
 *
 * <p>Equality is the host equality the conformance suite compares with: after decoding at a type,
 * two values are equal when they denote the same Candid value at that type.
 */
public sealed interface CandidValue {

  /** The value of {@code null}. */
  record Null() implements CandidValue {}

  /** The (only) value of {@code reserved}: whatever was sent is ignored. */
  record Reserved() implements CandidValue {}

  record Bool(boolean value) implements CandidValue {}

  /** {@code nat}: unbounded, non-negative. */
  record Nat(BigInteger value) implements CandidValue {
    public Nat {
      if (value.signum() < 0) {
        throw new IllegalArgumentException("a nat cannot be negative: " + value);
      }
    }
  }

  /** {@code int}: unbounded. */
  record Int(BigInteger value) implements CandidValue {
    public Int {
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * {@code nat8}..{@code nat64}: {@code value} holds the bits; for nat64 read it with
   * {@link Long#toUnsignedString(long)}.
   */
  record FixedNat(int bits, long value) implements CandidValue {
    public FixedNat {
      checkBits(bits);
      if (bits < 64 && (value < 0 || value >>> bits != 0)) {
        throw new IllegalArgumentException(value + " does not fit nat" + bits);
      }
    }

    public BigInteger toBigInteger() {
      return new BigInteger(Long.toUnsignedString(value));
    }
  }

  /** {@code int8}..{@code int64}. */
  record FixedInt(int bits, long value) implements CandidValue {
    public FixedInt {
      checkBits(bits);
      if (bits < 64 && (value < -(1L << (bits - 1)) || value >= (1L << (bits - 1)))) {
        throw new IllegalArgumentException(value + " does not fit int" + bits);
      }
    }
  }

  record Float32(float value) implements CandidValue {}

  record Float64(double value) implements CandidValue {}

  record Text(String value) implements CandidValue {
    public Text {
      Objects.requireNonNull(value, "value");
    }
  }

  /** {@code opt t}: {@code value} is null for the absent value (written {@code null}). */
  record Opt(CandidValue value) implements CandidValue {
    public Optional<CandidValue> get() {
      return Optional.ofNullable(value);
    }

    public boolean isPresent() {
      return value != null;
    }
  }

  /** {@code vec t} for any t other than nat8. */
  record Vec(List<CandidValue> elements) implements CandidValue {
    public Vec {
      elements = List.copyOf(elements);
    }
  }

  /** {@code vec nat8} ({@code blob}), kept as bytes. */
  record Blob(byte[] bytes) implements CandidValue {
    public Blob {
      bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
      return bytes.clone();
    }

    /** The bytes without a copy; callers must not modify them. */
    byte[] bytesUnsafe() {
      return bytes;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Blob b && Arrays.equals(bytes, b.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Blob[" + dev.canopy.types.Hex.encode(bytes) + "]";
    }
  }

  /** One field of a record value. */
  record FieldValue(long id, CandidValue value) {
    public FieldValue {
      if (id < 0 || id > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("a field id is a 32-bit unsigned number: " + id);
      }
      Objects.requireNonNull(value, "value");
    }
  }

  /** {@code record { ... }}: fields sorted by id, ids unique. */
  record Record(List<FieldValue> fields) implements CandidValue {
    public Record {
      List<FieldValue> sorted = List.copyOf(fields);
      if (!strictlyIncreasing(sorted)) {
        List<FieldValue> copy = new ArrayList<>(sorted);
        copy.sort(Comparator.comparingLong(FieldValue::id));
        sorted = List.copyOf(copy);
        if (!strictlyIncreasing(sorted)) {
          throw new IllegalArgumentException("duplicate field ids in record " + sorted);
        }
      }
      fields = sorted;
    }

    private static boolean strictlyIncreasing(List<FieldValue> fields) {
      for (int i = 1; i < fields.size(); i++) {
        if (fields.get(i).id() <= fields.get(i - 1).id()) {
          return false;
        }
      }
      return true;
    }

    /** The value of the field with this id, or null. */
    public CandidValue get(long id) {
      for (FieldValue f : fields) {
        if (f.id() == id) {
          return f.value();
        }
      }
      return null;
    }

    /** The value of the field with this name, or null. */
    public CandidValue get(String name) {
      return get(FieldId.hash(name));
    }
  }

  /** {@code variant { id = value }}. */
  record Variant(long id, CandidValue value) implements CandidValue {
    public Variant {
      if (id < 0 || id > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("a field id is a 32-bit unsigned number: " + id);
      }
      Objects.requireNonNull(value, "value");
    }

    /** True when this is the case named {@code name}. */
    public boolean is(String name) {
      return id == FieldId.hash(name);
    }
  }

  /** A public method reference {@code func "service".method}. */
  record Func(Principal service, String method) implements CandidValue {
    public Func {
      Objects.requireNonNull(service, "service");
      Objects.requireNonNull(method, "method");
    }
  }

  /** A service reference {@code service "id"}. */
  record Service(Principal id) implements CandidValue {
    public Service {
      Objects.requireNonNull(id, "id");
    }
  }

  /** {@code principal "id"}. */
  record PrincipalValue(Principal principal) implements CandidValue {
    public PrincipalValue {
      Objects.requireNonNull(principal, "principal");
    }
  }

  // ---- factories -------------------------------------------------------------------------

  Null NULL = new Null();
  Reserved RESERVED = new Reserved();
  Opt NONE = new Opt(null);

  static Bool bool(boolean b) {
    return new Bool(b);
  }

  static Nat nat(long n) {
    return new Nat(BigInteger.valueOf(n));
  }

  static Nat nat(BigInteger n) {
    return new Nat(n);
  }

  static Int integer(long n) {
    return new Int(BigInteger.valueOf(n));
  }

  static Int integer(BigInteger n) {
    return new Int(n);
  }

  static FixedNat nat8(int n) {
    return new FixedNat(8, n);
  }

  static FixedNat nat16(int n) {
    return new FixedNat(16, n);
  }

  static FixedNat nat32(long n) {
    return new FixedNat(32, n);
  }

  /** {@code nat64} from its bits (unsigned). */
  static FixedNat nat64(long bits) {
    return new FixedNat(64, bits);
  }

  static FixedInt int8(int n) {
    return new FixedInt(8, n);
  }

  static FixedInt int16(int n) {
    return new FixedInt(16, n);
  }

  static FixedInt int32(int n) {
    return new FixedInt(32, n);
  }

  static FixedInt int64(long n) {
    return new FixedInt(64, n);
  }

  static Float32 float32(float f) {
    return new Float32(f);
  }

  static Float64 float64(double d) {
    return new Float64(d);
  }

  static Text text(String s) {
    return new Text(s);
  }

  static Opt some(CandidValue v) {
    return new Opt(Objects.requireNonNull(v, "value"));
  }

  static Opt none() {
    return NONE;
  }

  static Vec vec(List<? extends CandidValue> elements) {
    return new Vec(new ArrayList<>(elements));
  }

  static Vec vec(CandidValue... elements) {
    return new Vec(List.of(elements));
  }

  static Blob blob(byte[] bytes) {
    return new Blob(bytes);
  }

  static Record record(FieldValue... fields) {
    return new Record(List.of(fields));
  }

  /** {@code record { v0; v1; ... }}. */
  static Record tuple(CandidValue... values) {
    List<FieldValue> fields = new ArrayList<>(values.length);
    for (int i = 0; i < values.length; i++) {
      fields.add(new FieldValue(i, values[i]));
    }
    return new Record(fields);
  }

  static FieldValue field(String name, CandidValue value) {
    return new FieldValue(FieldId.hash(name), value);
  }

  static FieldValue field(long id, CandidValue value) {
    return new FieldValue(id, value);
  }

  static Variant variant(String name, CandidValue value) {
    return new Variant(FieldId.hash(name), value);
  }

  /** An enumeration case {@code variant { name }}. */
  static Variant variant(String name) {
    return new Variant(FieldId.hash(name), NULL);
  }

  static PrincipalValue principal(Principal p) {
    return new PrincipalValue(p);
  }

  static Service service(Principal p) {
    return new Service(p);
  }

  static Func func(Principal service, String method) {
    return new Func(service, method);
  }

  private static void checkBits(int bits) {
    if (bits != 8 && bits != 16 && bits != 32 && bits != 64) {
      throw new IllegalArgumentException("width must be 8, 16, 32 or 64 bits: " + bits);
    }
  }
}
