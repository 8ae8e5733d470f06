package dev.canopy.candid;

import dev.canopy.candid.CandidType.Field;
import dev.canopy.candid.CandidType.FuncMode;
import dev.canopy.candid.CandidType.Method;
import dev.canopy.candid.CandidType.Named;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/** Seeded random Candid types and values of those types, for round-trip properties. */
final class RandomCandid {
  private static final String[] NAMES = {
    "a", "b", "name", "age", "ok", "err", "head", "tail", "record", "x_1", "☃", "with space"
  };
  private static final Prim[] PRIMS = {
    Prim.NULL, Prim.BOOL, Prim.NAT, Prim.INT, Prim.NAT8, Prim.NAT16, Prim.NAT32, Prim.NAT64,
    Prim.INT8, Prim.INT16, Prim.INT32, Prim.INT64, Prim.FLOAT32, Prim.FLOAT64, Prim.TEXT,
    Prim.RESERVED, Prim.PRINCIPAL
  };

  private final Random random;
  /** Finite floats only, so values survive printing as text. */
  private final boolean finiteFloats;

  RandomCandid(long seed, boolean finiteFloats) {
    this.random = new Random(seed);
    this.finiteFloats = finiteFloats;
  }

  CandidType type(int depth) {
    int pick = random.nextInt(depth <= 0 ? 10 : 20);
    if (pick < 10) {
      return PRIMS[random.nextInt(PRIMS.length)];
    }
    return switch (pick) {
      case 10, 11 -> new CandidType.Opt(type(depth - 1));
      case 12, 13 -> new CandidType.Vec(type(depth - 1));
      case 14, 15 -> new CandidType.Record(fields(depth, true));
      case 16 -> new CandidType.Variant(fields(depth, false));
      case 17 -> list(type(depth - 1));
      case 18 -> func(depth);
      default -> new CandidType.Service(List.of(
          new Method("m", func(depth)), new Method("🐂", func(depth))));
    };
  }

  private CandidType.Func func(int depth) {
    EnumSet<FuncMode> modes = EnumSet.noneOf(FuncMode.class);
    if (random.nextBoolean()) {
      modes.add(FuncMode.QUERY);
    }
    return new CandidType.Func(
        List.of(type(depth - 2)), random.nextBoolean() ? List.of() : List.of(type(depth - 2)),
        modes);
  }

  /** {@code type list = opt record { head : t; tail : list }}: a recursive type. */
  static Named list(CandidType element) {
    Named list = new Named("list");
    list.bind(new CandidType.Opt(CandidType.record(
        CandidType.field("head", element), CandidType.field("tail", list))));
    return list;
  }

  private List<Field> fields(int depth, boolean record) {
    int n = random.nextInt(record ? 5 : 4) + (record ? 0 : 1);
    if (record && random.nextInt(4) == 0) {
      List<Field> tuple = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        tuple.add(new Field(i, null, type(depth - 1)));
      }
      return tuple;
    }
    TreeMap<Long, Field> byId = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Field f = random.nextBoolean()
          ? CandidType.field(NAMES[random.nextInt(NAMES.length)], type(depth - 1))
          : new Field(random.nextInt(3) == 0 ? 0xFFFF_FFFFL - random.nextInt(3)
              : random.nextInt(50), null, type(depth - 1));
      byId.putIfAbsent(f.id(), f);
    }
    return new ArrayList<>(byId.values());
  }

  CandidValue value(CandidType type, int depth) {
    CandidType t = type.resolve();
    if (t instanceof Prim p) {
      return prim(p);
    }
    if (t instanceof CandidType.Opt o) {
      return depth <= 0 || random.nextInt(3) == 0
          ? CandidValue.NONE
          : new CandidValue.Opt(value(o.inner(), depth - 1));
    }
    if (t instanceof CandidType.Vec v) {
      int n = depth <= 0 ? 0 : random.nextInt(4);
      if (v.isBlob()) {
        byte[] bytes = new byte[random.nextInt(6)];
        random.nextBytes(bytes);
        return new CandidValue.Blob(bytes);
      }
      List<CandidValue> elements = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        elements.add(value(v.element(), depth - 1));
      }
      return new CandidValue.Vec(elements);
    }
    if (t instanceof CandidType.Record r) {
      List<CandidValue.FieldValue> fields = new ArrayList<>();
      for (Field f : r.fields()) {
        fields.add(new CandidValue.FieldValue(f.id(), value(f.type(), depth - 1)));
      }
      return new CandidValue.Record(fields);
    }
    if (t instanceof CandidType.Variant v) {
      Field f = v.fields().get(random.nextInt(v.fields().size()));
      return new CandidValue.Variant(f.id(), value(f.type(), depth - 1));
    }
    if (t instanceof CandidType.Func) {
      return new CandidValue.Func(principal(), random.nextBoolean() ? "go" : "🐂 method");
    }
    if (t instanceof CandidType.Service) {
      return new CandidValue.Service(principal());
    }
    throw new IllegalStateException("no values for " + t);
  }

  private CandidValue prim(Prim p) {
    return switch (p) {
      case NULL -> CandidValue.NULL;
      case RESERVED -> CandidValue.RESERVED;
      case BOOL -> CandidValue.bool(random.nextBoolean());
      case NAT -> CandidValue.nat(new BigInteger(random.nextInt(100), random));
      case INT -> CandidValue.integer(
          new BigInteger(random.nextInt(100), random).multiply(
              BigInteger.valueOf(random.nextBoolean() ? 1 : -1)));
      case NAT8 -> CandidValue.nat8(random.nextInt(256));
      case NAT16 -> CandidValue.nat16(random.nextInt(65536));
      case NAT32 -> CandidValue.nat32(random.nextLong() >>> 32);
      case NAT64 -> CandidValue.nat64(random.nextLong());
      case INT8 -> CandidValue.int8(random.nextInt(256) - 128);
      case INT16 -> CandidValue.int16(random.nextInt(65536) - 32768);
      case INT32 -> CandidValue.int32(random.nextInt());
      case INT64 -> CandidValue.int64(random.nextLong());
      case FLOAT32 -> CandidValue.float32(finiteFloats
          ? (float) (random.nextGaussian() * 1e6) : Float.intBitsToFloat(random.nextInt()));
      case FLOAT64 -> CandidValue.float64(finiteFloats
          ? random.nextGaussian() * 1e12 : Double.longBitsToDouble(random.nextLong()));
      case TEXT -> CandidValue.text(text());
      case PRINCIPAL -> CandidValue.principal(principal());
      default -> throw new IllegalStateException("no values for " + p);
    };
  }

  private String text() {
    StringBuilder sb = new StringBuilder();
    int n = random.nextInt(8);
    for (int i = 0; i < n; i++) {
      int kind = random.nextInt(4);
      sb.appendCodePoint(switch (kind) {
        case 0 -> 'a' + random.nextInt(26);
        case 1 -> random.nextInt(0x80);
        case 2 -> 0x2603;
        default -> 0x1F402;
      });
    }
    return sb.toString();
  }

  private Principal principal() {
    byte[] bytes = new byte[random.nextInt(Principal.MAX_LENGTH_BYTES + 1)];
    random.nextBytes(bytes);
    return Principal.fromBytes(bytes);
  }
}
