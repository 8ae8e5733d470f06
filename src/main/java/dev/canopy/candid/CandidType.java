package dev.canopy.candid;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A Candid type (spec "Type Structure"). Shorthands ({@code blob}, field names, tuple fields) are
 * reduced to the core forms; field names are kept beside their hashed ids for printing.
 *
 * <p>Recursive types go through {@link Named}: a named reference whose target is bound once.
 * Every other form is an immutable record with structural equality.
 */
public sealed interface CandidType {

  /** The primitive types with their binary opcodes (spec "Binary Format", {@code T}). */
  enum Prim implements CandidType {
    NULL(-1, "null"),
    BOOL(-2, "bool"),
    NAT(-3, "nat"),
    INT(-4, "int"),
    NAT8(-5, "nat8"),
    NAT16(-6, "nat16"),
    NAT32(-7, "nat32"),
    NAT64(-8, "nat64"),
    INT8(-9, "int8"),
    INT16(-10, "int16"),
    INT32(-11, "int32"),
    INT64(-12, "int64"),
    FLOAT32(-13, "float32"),
    FLOAT64(-14, "float64"),
    TEXT(-15, "text"),
    RESERVED(-16, "reserved"),
    EMPTY(-17, "empty"),
    PRINCIPAL(-24, "principal");

    private final int opcode;
    private final String keyword;

    Prim(int opcode, String keyword) {
      this.opcode = opcode;
      this.keyword = keyword;
    }

    public int opcode() {
      return opcode;
    }

    public String keyword() {
      return keyword;
    }

    /** The primitive with this opcode, or null. */
    public static Prim ofOpcode(long opcode) {
      for (Prim p : values()) {
        if (p.opcode == opcode) {
          return p;
        }
      }
      return null;
    }

    /** The primitive with this keyword, or null. */
    public static Prim ofKeyword(String keyword) {
      for (Prim p : values()) {
        if (p.keyword.equals(keyword)) {
          return p;
        }
      }
      return null;
    }

    /** Width in bits of a fixed-size number type, 0 for the others. */
    public int bits() {
      return switch (this) {
        case NAT8, INT8 -> 8;
        case NAT16, INT16 -> 16;
        case NAT32, INT32, FLOAT32 -> 32;
        case NAT64, INT64, FLOAT64 -> 64;
        default -> 0;
      };
    }
  }

  // Note: no Prim constants here; the default method below makes Prim's initialisation
  // initialise this interface first, so such constants would read as null.
  int OPT = -18;
  int VEC = -19;
  int RECORD = -20;
  int VARIANT = -21;
  int FUNC = -22;
  int SERVICE = -23;


  /** {@code opt t}. */
  record Opt(CandidType inner) implements CandidType {
    public Opt {
      Objects.requireNonNull(inner, "inner");
    }
  }

  /** {@code vec t}; {@code blob} is {@code vec nat8}. */
  record Vec(CandidType element) implements CandidType {
    public Vec {
      Objects.requireNonNull(element, "element");
    }

    public boolean isBlob() {
      return element.resolve() == Prim.NAT8;
    }
  }

  /**
   * A record or variant field: a 32-bit id (the hash of {@code name} when there is one) and a type.
   * Equality ignores the name, as the spec identifies fields by id.
   */
  record Field(long id, String name, CandidType type) {
    public Field {
      if (id < 0 || id > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException("a field id is a 32-bit unsigned number: " + id);
      }
      Objects.requireNonNull(type, "type");
      if (name != null && FieldId.hash(name) != id) {
        throw new IllegalArgumentException("field " + name + " must have id hash(name)");
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Field f && f.id == id && f.type.equals(type);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id) * 31 + type.hashCode();
    }
  }

  /** {@code record { ... }}: fields sorted by id, ids unique. */
  record Record(List<Field> fields) implements CandidType {
    public Record {
      fields = sortedUnique(fields, "record");
    }

    /** The field with this id, or null. */
    public Field field(long id) {
      return findField(fields, id);
    }

    /** True when the fields are 0, 1, ..., n-1 without names (a tuple). */
    public boolean isTuple() {
      for (int i = 0; i < fields.size(); i++) {
        if (fields.get(i).id() != i || fields.get(i).name() != null) {
          return false;
        }
      }
      return true;
    }
  }

  /** {@code variant { ... }}: fields sorted by id, ids unique. */
  record Variant(List<Field> fields) implements CandidType {
    public Variant {
      fields = sortedUnique(fields, "variant");
    }

    /** The field with this id, or null. */
    public Field field(long id) {
      return findField(fields, id);
    }
  }

  /** Function annotations with their binary codes. */
  enum FuncMode {
    QUERY(1, "query"),
    ONEWAY(2, "oneway"),
    COMPOSITE_QUERY(3, "composite_query");

    private final int code;
    private final String keyword;

    FuncMode(int code, String keyword) {
      this.code = code;
      this.keyword = keyword;
    }

    public int code() {
      return code;
    }

    public String keyword() {
      return keyword;
    }

    public static FuncMode ofCode(int code) {
      for (FuncMode m : values()) {
        if (m.code == code) {
          return m;
        }
      }
      return null;
    }
  }

  /** {@code func (args) -> (results) modes}. */
  record Func(List<CandidType> args, List<CandidType> results, Set<FuncMode> modes)
      implements CandidType {
    public Func {
      args = List.copyOf(args);
      results = List.copyOf(results);
      EnumSet<FuncMode> copy = EnumSet.noneOf(FuncMode.class);
      copy.addAll(modes);
      modes = Collections.unmodifiableSet(copy);
    }
  }

  /** A method of a service: a name and a type that resolves to a {@link Func}. */
  record Method(String name, CandidType type) {
    public Method {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
    }
  }

  /** {@code service { ... }}: methods sorted by name (as UTF-8 bytes), names unique. */
  record Service(List<Method> methods) implements CandidType {
    public Service {
      List<Method> sorted = new ArrayList<>(methods);
      sorted.sort(Comparator.comparing(Method::name, CandidType::compareNames));
      for (int i = 1; i < sorted.size(); i++) {
        if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
          throw new IllegalArgumentException("duplicate method " + sorted.get(i).name());
        }
      }
      methods = List.copyOf(sorted);
    }

    /** The method with this name, or null. */
    public Method method(String name) {
      for (Method m : methods) {
        if (m.name().equals(name)) {
          return m;
        }
      }
      return null;
    }
  }

  /**
   * A type this implementation does not know, met on the wire (opcode below -24; spec
   * "Deserialisation of future types"). Its values can only be skipped.
   */
  record Future(long opcode, byte[] payload) implements CandidType {
    @Override
    public boolean equals(Object o) {
      return o instanceof Future f && f.opcode == opcode && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(opcode) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
      return "Future[opcode=" + opcode + "]";
    }
  }

  /**
   * A named type (a {@code type} definition or a wire type-table entry); the only way to make a
   * recursive type. Bound once; equality is identity, so recursive types compare in finite time.
   */
  final class Named implements CandidType {
    private final String name;
    private CandidType target;

    public Named(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    public Named(String name, CandidType target) {
      this(name);
      bind(target);
    }

    public String name() {
      return name;
    }

    /** Binds this name; may be called once. */
    public void bind(CandidType target) {
      if (this.target != null) {
        throw new IllegalStateException("type " + name + " is already bound");
      }
      this.target = Objects.requireNonNull(target, "target");
    }

    public boolean isBound() {
      return target != null;
    }

    /** The bound type, which may itself be a {@link Named}. */
    public CandidType target() {
      if (target == null) {
        throw new IllegalStateException("type " + name + " is not bound");
      }
      return target;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * This type with {@link Named} references followed to a structural type. Throws for a vacuous
   * definition ({@code type A = B; type B = A}).
   */
  default CandidType resolve() {
    CandidType t = this;
    int steps = 0;
    while (t instanceof Named n) {
      t = n.target();
      if (++steps > 10_000) {
        throw new IllegalStateException("vacuous type definition " + n.name());
      }
    }
    return t;
  }

  // ---- factories -------------------------------------------------------------------------

  static Opt opt(CandidType inner) {
    return new Opt(inner);
  }

  static Vec vec(CandidType element) {
    return new Vec(element);
  }

  static Vec blob() {
    return new Vec(Prim.NAT8);
  }

  static Record record(Field... fields) {
    return new Record(List.of(fields));
  }

  /** {@code record { t0; t1; ... }}. */
  static Record tuple(CandidType... types) {
    List<Field> fields = new ArrayList<>();
    for (int i = 0; i < types.length; i++) {
      fields.add(new Field(i, null, types[i]));
    }
    return new Record(fields);
  }

  static Variant variant(Field... fields) {
    return new Variant(List.of(fields));
  }

  /** A field named {@code name} (its id is the name's hash). */
  static Field field(String name, CandidType type) {
    return new Field(FieldId.hash(name), name, type);
  }

  /** A field with a numeric id. */
  static Field field(long id, CandidType type) {
    return new Field(id, null, type);
  }

  static Func func(List<CandidType> args, List<CandidType> results, FuncMode... modes) {
    return new Func(args, results, modes.length == 0 ? Set.of() : EnumSet.of(modes[0], modes));
  }

  static Service service(Method... methods) {
    return new Service(List.of(methods));
  }

  static Method method(String name, CandidType type) {
    return new Method(name, type);
  }

  /** Method names and service ordering compare UTF-8 bytes (spec "Types": sorted by name). */
  static int compareNames(String a, String b) {
    return Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static List<Field> sortedUnique(List<Field> fields, String what) {
    List<Field> sorted = new ArrayList<>(fields);
    sorted.sort(Comparator.comparingLong(Field::id));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).id() == sorted.get(i - 1).id()) {
        Field f = sorted.get(i);
        throw new IllegalArgumentException(
            "duplicate field id " + f.id() + (f.name() != null ? " (" + f.name() + ")" : "")
                + " in " + what);
      }
    }
    return List.copyOf(sorted);
  }

  private static Field findField(List<Field> fields, long id) {
    int lo = 0;
    int hi = fields.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long midId = fields.get(mid).id();
      if (midId < id) {
        lo = mid + 1;
      } else if (midId > id) {
        hi = mid - 1;
      } else {
        return fields.get(mid);
      }
    }
    return null;
  }
}
