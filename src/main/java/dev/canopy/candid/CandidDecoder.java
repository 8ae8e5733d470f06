package dev.canopy.candid;

import dev.canopy.candid.CandidType.Field;
import dev.canopy.candid.CandidType.FuncMode;
import dev.canopy.candid.CandidType.Method;
import dev.canopy.candid.CandidType.Named;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.candid.CandidValue.FieldValue;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Decodes binary Candid (spec "Deserialisation"): reads the type table and argument types, then
 * reads each value at its wire type while coercing it to the expected type in the same pass
 * (spec "Coercion"). Values not wanted by the expected type are skipped, but still validated.
 *
 * <p>Note: a coercion that fails under an {@code opt} turns into {@code null} (spec "Options"); the
 * decoder then rewinds to the start of that value and skips it at its wire type, so malformed
 * data still fails the whole message. Every value read or skipped costs one unit of the budget in
 * {@link DecodeLimits}; nesting is bounded by its depth limit, on a heap stack, so the outcome
 * does not depend on the calling thread's stack size.
 */
public final class CandidDecoder {
  static final byte[] MAGIC = {'D', 'I', 'D', 'L'};

  /** Arguments as sent: their wire types and their values at those types. */
  public record Decoded(List<CandidType> types, List<CandidValue> values) {}

  /** A failed coercion: recoverable under an opt, fatal at the top. */
  private static final class Mismatch extends RuntimeException {
    private final transient Supplier<String> message;

    /** The message is built only if the mismatch reaches the top (most are caught under an opt). */
    Mismatch(Supplier<String> message) {
      super(null, null, false, false);
      this.message = message;
    }

    @Override
    public String getMessage() {
      return message.get();
    }
  }

  private final byte[] in;
  private final int end;
  private final DecodeLimits limits;
  private final long budget;
  private int pos;
  private long cost;
  private final Map<CandidType, Integer> minSizes = new IdentityHashMap<>();
  private final Map<List<CandidType>, Boolean> subtypeCache = new HashMap<>();
  private CharsetDecoder utf8;

  private CandidDecoder(byte[] input, DecodeLimits limits) {
    this.in = input;
    this.end = input.length;
    this.limits = limits;
    this.budget = limits.costBudgetFor(input.length);
  }

  /** Decodes a message at the expected argument types. */
  public static List<CandidValue> decode(
      byte[] input, List<? extends CandidType> expected, DecodeLimits limits) {
    CandidDecoder d = new CandidDecoder(input, limits);
    List<CandidType> wire = d.readHeader();
    return d.readArgs(wire, List.copyOf(expected));
  }

  /** Decodes a message at the types it was sent with (no expected type known). */
  public static Decoded decode(byte[] input, DecodeLimits limits) {
    CandidDecoder d = new CandidDecoder(input, limits);
    List<CandidType> wire = d.readHeader();
    return new Decoded(wire, d.readArgs(wire, wire));
  }

  // ---- header: magic, type table, argument types ------------------------------------------

  private List<CandidType> readHeader() {
    if (in.length > limits.maxInputBytes()) {
      throw fail("message of " + in.length + " bytes exceeds the limit of "
          + limits.maxInputBytes() + " bytes");
    }
    if (in.length < 4 || !Arrays.equals(in, 0, 4, MAGIC, 0, 4)) {
      throw fail("message does not start with the magic bytes DIDL");
    }
    pos = 4;
    int tableSize = readCount("type table length", 1);
    if (tableSize > limits.maxTypeTableEntries()) {
      throw fail("type table of " + tableSize + " entries exceeds the limit of "
          + limits.maxTypeTableEntries());
    }
    Named[] table = new Named[tableSize];
    for (int i = 0; i < tableSize; i++) {
      table[i] = new Named(CandidPrinter.WIRE_NAME_PREFIX + i);
    }
    for (int i = 0; i < tableSize; i++) {
      table[i].bind(readTableEntry(table));
    }
    for (Named entry : table) {
      if (entry.target() instanceof CandidType.Service s) {
        for (Method m : s.methods()) {
          if (!(m.type().resolve() instanceof CandidType.Func)) {
            throw fail("method " + m.name() + " of a service type is not a function type");
          }
        }
      }
    }
    int argCount = readCount("argument count", 1);
    List<CandidType> args = new ArrayList<>(argCount);
    for (int i = 0; i < argCount; i++) {
      args.add(readTypeRef(table));
    }
    return args;
  }

  private CandidType readTableEntry(Named[] table) {
    int at = pos;
    long opcode = readSleb64("type opcode");
    if (opcode >= 0) {
      throw failAt(at, "a type table entry must be a type constructor, not a reference to entry "
          + opcode);
    }
    if (opcode == CandidType.OPT) {
      return new CandidType.Opt(readTypeRef(table));
    }
    if (opcode == CandidType.VEC) {
      return new CandidType.Vec(readTypeRef(table));
    }
    if (opcode == CandidType.RECORD || opcode == CandidType.VARIANT) {
      String what = opcode == CandidType.RECORD ? "record" : "variant";
      int n = readCount(what + " field count", 2);
      List<Field> fields = new ArrayList<>(n);
      long previous = -1;
      for (int i = 0; i < n; i++) {
        int idAt = pos;
        long id = readLeb64("field id");
        if (id > 0xFFFF_FFFFL) {
          throw failAt(idAt, what + " field id " + id + " does not fit 32 bits");
        }
        if (id <= previous) {
          throw failAt(idAt, what + " field ids must be strictly increasing; " + id + " follows "
              + previous);
        }
        previous = id;
        fields.add(new Field(id, null, readTypeRef(table)));
      }
      return opcode == CandidType.RECORD
          ? new CandidType.Record(fields)
          : new CandidType.Variant(fields);
    }
    if (opcode == CandidType.FUNC) {
      List<CandidType> args = readTypeRefs(table, "function argument count");
      List<CandidType> results = readTypeRefs(table, "function result count");
      int n = readCount("function annotation count", 1);
      EnumSet<FuncMode> modes = EnumSet.noneOf(FuncMode.class);
      for (int i = 0; i < n; i++) {
        int code = readByte();
        FuncMode mode = FuncMode.ofCode(code);
        if (mode == null) {
          throw failAt(pos - 1, "unknown function annotation " + code);
        }
        modes.add(mode);
      }
      return new CandidType.Func(args, results, modes);
    }
    if (opcode == CandidType.SERVICE) {
      int n = readCount("service method count", 2);
      List<Method> methods = new ArrayList<>(n);
      byte[] previous = null;
      for (int i = 0; i < n; i++) {
        int nameAt = pos;
        int length = readCount("method name length", 1);
        byte[] name = Arrays.copyOfRange(in, pos, pos + length);
        String text = utf8(pos, length);
        pos += length;
        if (previous != null && Arrays.compareUnsigned(previous, name) >= 0) {
          throw failAt(nameAt, "service methods must be sorted by name without duplicates; \""
              + text + "\" is out of order");
        }
        previous = name;
        methods.add(new Method(text, readTypeRef(table)));
      }
      return new CandidType.Service(methods);
    }
    if (opcode < Prim.PRINCIPAL.opcode()) {
      int length = readCount("future type length", 1);
      byte[] payload = Arrays.copyOfRange(in, pos, pos + length);
      pos += length;
      return new CandidType.Future(opcode, payload);
    }
    throw failAt(at, "primitive type " + Prim.ofOpcode(opcode).keyword()
        + " cannot be a type table entry");
  }

  private List<CandidType> readTypeRefs(Named[] table, String what) {
    int n = readCount(what, 1);
    List<CandidType> types = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      types.add(readTypeRef(table));
    }
    return types;
  }

  /** {@code I(t)}: a primitive opcode or an index into the table. */
  private CandidType readTypeRef(Named[] table) {
    int at = pos;
    long code = readSleb64("type");
    if (code >= 0) {
      if (code >= table.length) {
        throw failAt(at, "type index " + code + " is outside the type table of " + table.length
            + " entries");
      }
      return table[(int) code];
    }
    Prim p = Prim.ofOpcode(code);
    if (p == null) {
      throw failAt(at, "type opcode " + code + " is neither a primitive type nor a table index");
    }
    return p;
  }

  // ---- values -----------------------------------------------------------------------------
  //
  // Note: values are read, coerced and skipped with explicit stacks on the heap, not by recursion
  // on the Java stack: how deeply a recursive type (such as a list) may nest must not depend on a
  // thread's stack size or JIT state, which differ between replicas. Work is bounded by the cost
  // budget (one unit per value), the stacks by DecodeLimits.maxDepth.

  /** A composite value being read, waiting for the value of its next part. */
  private abstract static sealed class Frame
      permits OptFrame, VecFrame, RecordFrame, VariantFrame {}

  /**
   * The content of an {@code opt}. A coercion that fails inside it rewinds to {@code mark} and
   * skips a value of type {@code wire} there (spec "Options").
   */
  private static final class OptFrame extends Frame {
    final int mark;
    final CandidType wire;

    OptFrame(int mark, CandidType wire) {
      this.mark = mark;
      this.wire = wire;
    }
  }

  private static final class VecFrame extends Frame {
    final CandidType wireElement;
    final CandidType expectedElement;
    final List<CandidValue> out;
    int remaining;

    VecFrame(CandidType wireElement, CandidType expectedElement, int length) {
      this.wireElement = wireElement;
      this.expectedElement = expectedElement;
      this.out = new ArrayList<>(Math.min(length, 1024));
      this.remaining = length;
    }
  }

  private static final class RecordFrame extends Frame {
    final List<Field> wireFields;
    final List<Field> expectedFields;
    final List<FieldValue> out;
    int wireIndex;
    int expectedIndex;
    long readingId;

    RecordFrame(List<Field> wireFields, List<Field> expectedFields) {
      this.wireFields = wireFields;
      this.expectedFields = expectedFields;
      this.out = new ArrayList<>(expectedFields.size());
    }
  }

  private static final class VariantFrame extends Frame {
    final long id;

    VariantFrame(long id) {
      this.id = id;
    }
  }

  private Frame[] frames = new Frame[16];
  private int framesTop;
  /** The part a composite asked for next (set when {@link #start} or {@link #accept} returns null). */
  private CandidType nextWire;
  private CandidType nextExpected;

  private List<CandidValue> readArgs(List<CandidType> wire, List<CandidType> expected) {
    List<CandidValue> values = new ArrayList<>(expected.size());
    for (int i = 0; i < wire.size(); i++) {
      int at = pos;
      if (i < expected.size()) {
        try {
          values.add(read(wire.get(i), expected.get(i)));
        } catch (Mismatch m) {
          throw failAt(at, "argument " + i + " does not fit the expected type: "
              + m.getMessage());
        }
      } else {
        skip(wire.get(i));
      }
    }
    for (int i = wire.size(); i < expected.size(); i++) {
      CandidValue absent = absentValue(expected.get(i));
      if (absent == null) {
        throw fail("argument " + i + " of type " + CandidPrinter.type(expected.get(i))
            + " is missing");
      }
      values.add(absent);
    }
    if (pos != end) {
      throw fail((end - pos) + " bytes left over after the last argument");
    }
    return values;
  }

  /** The value a missing field or argument of this type takes, or null if it cannot be missing. */
  private static CandidValue absentValue(CandidType t) {
    CandidType r = t.resolve();
    if (r == Prim.NULL) {
      return CandidValue.NULL;
    }
    if (r == Prim.RESERVED) {
      return CandidValue.RESERVED;
    }
    if (r instanceof CandidType.Opt) {
      return CandidValue.NONE;
    }
    return null;
  }

  /**
   * Reads one value of type {@code wire}, coerced to {@code expected}: starts a value, and each
   * time one is complete hands it to the innermost open composite, until none is open.
   */
  private CandidValue read(CandidType wire, CandidType expected) {
    CandidType w = wire;
    CandidType e = expected;
    CandidValue v = null;
    while (true) {
      try {
        if (v == null) {
          v = start(w, e);
        }
        while (v != null) {
          if (framesTop == 0) {
            return v;
          }
          v = accept(frames[framesTop - 1], v);
        }
      } catch (Mismatch m) {
        v = recover(m);
        continue;
      }
      w = nextWire;
      e = nextExpected;
    }
  }

  /**
   * Unwinds to the innermost open {@code opt}, whose content becomes {@code null} after it is
   * skipped at its wire type (so malformed data still fails); rethrows at the top.
   */
  private CandidValue recover(Mismatch m) {
    while (framesTop > 0) {
      Frame f = pop();
      if (f instanceof OptFrame o) {
        pos = o.mark;
        skip(o.wire);
        return CandidValue.NONE;
      }
    }
    throw m;
  }

  /**
   * Starts reading a value: returns it if it has no parts, or opens a composite and returns null
   * with the first part in {@link #nextWire} and {@link #nextExpected}.
   */
  private CandidValue start(CandidType wire, CandidType expected) {
    enter(framesTop);
    CandidType w = wire.resolve();
    CandidType e = expected.resolve();
    if (e == Prim.RESERVED) {
      skip(w, true);
      return CandidValue.RESERVED;
    }
    if (e instanceof CandidType.Opt eo) {
      return startOpt(w, eo);
    }
    if (w instanceof Prim wp) {
      if (wp == Prim.EMPTY) {
        throw fail("no value can have type empty");
      }
      if (e == wp) {
        return readPrim(wp);
      }
      if (wp == Prim.NAT && e == Prim.INT) {
        return new CandidValue.Int(readNat());
      }
      throw mismatch(w, e);
    }
    if (w instanceof CandidType.Vec wv && e instanceof CandidType.Vec ev) {
      return startVec(wv, ev);
    }
    if (w instanceof CandidType.Record wr && e instanceof CandidType.Record er) {
      RecordFrame f = new RecordFrame(wr.fields(), er.fields());
      push(f);
      return nextField(f);
    }
    if (w instanceof CandidType.Variant wv && e instanceof CandidType.Variant ev) {
      int at = pos;
      long index = readLeb64("variant index");
      if (index >= wv.fields().size()) {
        throw failAt(at, "variant index " + index + " is out of range for "
            + wv.fields().size() + " cases");
      }
      Field wf = wv.fields().get((int) index);
      Field ef = ev.field(wf.id());
      if (ef == null) {
        throw new Mismatch(() -> "variant case " + wf.id() + " is not among the expected cases");
      }
      push(new VariantFrame(wf.id()));
      return next(wf.type(), ef.type());
    }
    if (w instanceof CandidType.Func && e instanceof CandidType.Func) {
      requireSubtype(wire, expected, w, e);
      return readFuncValue();
    }
    if (w instanceof CandidType.Service && e instanceof CandidType.Service) {
      requireSubtype(wire, expected, w, e);
      return new CandidValue.Service(readPrincipalRef());
    }
    if (w instanceof CandidType.Service && e == Prim.PRINCIPAL) {
      return new CandidValue.PrincipalValue(readPrincipalRef());
    }
    throw mismatch(w, e);
  }

  private CandidValue startOpt(CandidType w, CandidType.Opt eo) {
    if (w == Prim.NULL || w == Prim.RESERVED) {
      return CandidValue.NONE;
    }
    if (w instanceof CandidType.Opt wo) {
      int tag = readByte();
      if (tag == 0) {
        return CandidValue.NONE;
      }
      if (tag != 1) {
        throw failAt(pos - 1, "an opt value starts with 0 or 1, not " + tag);
      }
      push(new OptFrame(pos, wo.inner()));
      return next(wo.inner(), eo.inner());
    }
    // Note: spec "Options": a value of a type that is not null, opt or reserved coerces to opt t'
    // if it coerces to t', and to null otherwise.
    push(new OptFrame(pos, w));
    return next(w, eo.inner());
  }

  private CandidValue startVec(CandidType.Vec wv, CandidType.Vec ev) {
    int n = readCount("vector length", minSize(wv.element()));
    if (ev.element().resolve() == Prim.NAT8) {
      if (wv.element().resolve() == Prim.NAT8) {
        byte[] bytes = Arrays.copyOfRange(in, pos, pos + n);
        pos += n;
        return new CandidValue.Blob(bytes);
      }
      if (n == 0) {
        return new CandidValue.Blob(new byte[0]);
      }
    }
    if (n == 0) {
      return new CandidValue.Vec(List.of());
    }
    push(new VecFrame(wv.element(), ev.element(), n));
    return next(wv.element(), ev.element());
  }

  /** Gives a finished part to its composite; returns the composite when that is finished too. */
  private CandidValue accept(Frame f, CandidValue part) {
    if (f instanceof VecFrame vf) {
      vf.out.add(part);
      if (--vf.remaining > 0) {
        return next(vf.wireElement, vf.expectedElement);
      }
      pop();
      return new CandidValue.Vec(vf.out);
    }
    if (f instanceof RecordFrame rf) {
      rf.out.add(new FieldValue(rf.readingId, part));
      return nextField(rf);
    }
    pop();
    if (f instanceof OptFrame) {
      return new CandidValue.Opt(part);
    }
    return new CandidValue.Variant(((VariantFrame) f).id, part);
  }

  /**
   * Moves a record to its next wanted field, skipping unwanted ones and filling in absent ones;
   * returns the record when no field is left.
   */
  private CandidValue nextField(RecordFrame f) {
    List<Field> want = f.expectedFields;
    while (f.wireIndex < f.wireFields.size()) {
      Field wf = f.wireFields.get(f.wireIndex++);
      while (f.expectedIndex < want.size() && want.get(f.expectedIndex).id() < wf.id()) {
        f.out.add(absentField(want.get(f.expectedIndex++)));
      }
      if (f.expectedIndex < want.size() && want.get(f.expectedIndex).id() == wf.id()) {
        f.readingId = wf.id();
        return next(wf.type(), want.get(f.expectedIndex++).type());
      }
      skip(wf.type());
    }
    while (f.expectedIndex < want.size()) {
      f.out.add(absentField(want.get(f.expectedIndex++)));
    }
    pop();
    return new CandidValue.Record(f.out);
  }

  private CandidValue next(CandidType wire, CandidType expected) {
    nextWire = wire;
    nextExpected = expected;
    return null;
  }

  private void push(Frame f) {
    if (framesTop == frames.length) {
      frames = Arrays.copyOf(frames, frames.length * 2);
    }
    frames[framesTop++] = f;
  }

  private Frame pop() {
    Frame f = frames[--framesTop];
    frames[framesTop] = null;
    return f;
  }

  private FieldValue absentField(Field f) {
    CandidValue absent = absentValue(f.type());
    if (absent == null) {
      throw new Mismatch(() -> "record field " + fieldName(f) + " of type "
          + CandidPrinter.typeForMessage(f.type()) + " is missing");
    }
    return new FieldValue(f.id(), absent);
  }

  private void requireSubtype(CandidType wire, CandidType expected, CandidType w, CandidType e) {
    List<CandidType> key = List.of(wire, expected);
    Boolean holds = subtypeCache.get(key);
    if (holds == null) {
      try {
        holds = Subtyping.isSubtype(w, e);
      } catch (IllegalArgumentException tooDeep) {
        throw fail(tooDeep.getMessage());
      }
      subtypeCache.put(key, holds);
    }
    if (!holds) {
      throw new Mismatch(() -> CandidPrinter.typeForMessage(w) + " is not a subtype of "
          + CandidPrinter.typeForMessage(e));
    }
  }

  private CandidValue readPrim(Prim p) {
    switch (p) {
      case NULL:
        return CandidValue.NULL;
      case BOOL: {
        int b = readByte();
        if (b > 1) {
          throw failAt(pos - 1, "a bool is 0 or 1, not " + b);
        }
        return b == 1 ? TRUE : FALSE;
      }
      case NAT:
        return new CandidValue.Nat(readNat());
      case INT:
        return new CandidValue.Int(readInt());
      case NAT8:
      case NAT16:
      case NAT32:
      case NAT64:
        return new CandidValue.FixedNat(p.bits(), readFixed(p.bits() / 8));
      case INT8:
      case INT16:
      case INT32:
      case INT64: {
        int bits = p.bits();
        long raw = readFixed(bits / 8);
        return new CandidValue.FixedInt(bits, bits == 64 ? raw : (raw << (64 - bits)) >> (64 - bits));
      }
      case FLOAT32:
        return new CandidValue.Float32(Float.intBitsToFloat((int) readFixed(4)));
      case FLOAT64:
        return new CandidValue.Float64(Double.longBitsToDouble(readFixed(8)));
      case TEXT: {
        int length = readCount("text length", 1);
        String s = utf8(pos, length);
        pos += length;
        return new CandidValue.Text(s);
      }
      case PRINCIPAL:
        return new CandidValue.PrincipalValue(readPrincipalRef());
      default:
        throw new IllegalStateException("not a readable primitive: " + p);
    }
  }

  private static final CandidValue.Bool TRUE = new CandidValue.Bool(true);
  private static final CandidValue.Bool FALSE = new CandidValue.Bool(false);

  private Principal readPrincipalRef() {
    int at = pos;
    int tag = readByte();
    if (tag == 0) {
      throw failAt(at, "opaque references are not supported (reference tag 0)");
    }
    if (tag != 1) {
      throw failAt(at, "a reference starts with tag 1, not " + tag);
    }
    int length = readCount("principal length", 1);
    if (length > Principal.MAX_LENGTH_BYTES) {
      throw failAt(at, "a principal has at most " + Principal.MAX_LENGTH_BYTES + " bytes, not "
          + length);
    }
    byte[] bytes = Arrays.copyOfRange(in, pos, pos + length);
    pos += length;
    return Principal.fromBytes(bytes);
  }

  private CandidValue readFuncValue() {
    int at = pos;
    int tag = readByte();
    if (tag == 0) {
      throw failAt(at, "opaque function references are not supported (tag 0)");
    }
    if (tag != 1) {
      throw failAt(at, "a function reference starts with tag 1, not " + tag);
    }
    Principal service = readPrincipalRef();
    int length = readCount("method name length", 1);
    String method = utf8(pos, length);
    pos += length;
    return new CandidValue.Func(service, method);
  }


  // ---- skipping ---------------------------------------------------------------------------

  /*
   * Values to skip wait on a stack of (composite, counter) pairs: a record type with the index of
   * its next field, or a vector's element type with the number of elements left. An opt or variant
   * continues with its content in place, so the stack grows only with records and vectors.
   */
  private Object[] skipOwners = new Object[16];
  private int[] skipCounters = new int[16];
  private int skipTop;

  /** Reads past one value of wire type {@code wire}, validating it. */
  private void skip(CandidType wire) {
    skip(wire, false);
  }

  private void skip(CandidType wire, boolean charged) {
    int base = skipTop;
    skipOne(wire, charged);
    while (skipTop > base) {
      int i = skipTop - 1;
      CandidType t;
      if (skipOwners[i] instanceof CandidType.Record r) {
        int k = skipCounters[i]++;
        if (k + 1 == r.fields().size()) {
          popSkip();
        }
        t = r.fields().get(k).type();
      } else {
        t = (CandidType) skipOwners[i];
        if (--skipCounters[i] == 0) {
          popSkip();
        }
      }
      skipOne(t, false);
    }
  }

  /** Reads past a primitive value, or opens a composite on the skip stack. */
  private void skipOne(CandidType wire, boolean charged) {
    CandidType w = wire;
    boolean enter = !charged;
    while (true) {
      if (enter) {
        enter(framesTop + skipTop);
      }
      enter = true;
      w = w.resolve();
      if (w instanceof Prim p) {
        skipPrim(p);
        return;
      }
      if (w instanceof CandidType.Opt o) {
        int tag = readByte();
        if (tag == 0) {
          return;
        }
        if (tag != 1) {
          throw failAt(pos - 1, "an opt value starts with 0 or 1, not " + tag);
        }
        w = o.inner();
      } else if (w instanceof CandidType.Variant v) {
        int at = pos;
        long index = readLeb64("variant index");
        if (index >= v.fields().size()) {
          throw failAt(at, "variant index " + index + " is out of range for "
              + v.fields().size() + " cases");
        }
        w = v.fields().get((int) index).type();
      } else if (w instanceof CandidType.Record r) {
        if (!r.fields().isEmpty()) {
          pushSkip(r, 0);
        }
        return;
      } else if (w instanceof CandidType.Vec v) {
        int n = readCount("vector length", minSize(v.element()));
        CandidType e = v.element().resolve();
        if (e == Prim.NULL || e == Prim.RESERVED) {
          charge(n);
        } else if (e instanceof Prim p && p.bits() > 0) {
          pos += n * (p.bits() / 8);
        } else if (n > 0) {
          pushSkip(v.element(), n);
        }
        return;
      } else {
        skipReference(w);
        return;
      }
    }
  }

  private void skipPrim(Prim p) {
    switch (p) {
      case NULL:
      case RESERVED:
        return;
      case EMPTY:
        throw fail("no value can have type empty");
      case NAT:
      case INT:
        skipLeb();
        return;
      case NAT8:
      case NAT16:
      case NAT32:
      case NAT64:
      case INT8:
      case INT16:
      case INT32:
      case INT64:
      case FLOAT32:
      case FLOAT64:
        need(p.bits() / 8, p.keyword());
        pos += p.bits() / 8;
        return;
      default:
        readPrim(p);
    }
  }

  private void skipReference(CandidType w) {
    if (w instanceof CandidType.Func) {
      readFuncValue();
      return;
    }
    if (w instanceof CandidType.Service) {
      readPrincipalRef();
      return;
    }
    if (w instanceof CandidType.Future) {
      int length = readCount("future value length", 1);
      int at = pos;
      long references = readLeb64("future value reference count");
      if (references != 0) {
        throw failAt(at, "future values with references are not supported");
      }
      need(length, "future value");
      pos += length;
      return;
    }
    throw new IllegalStateException("unknown type " + w);
  }

  private void pushSkip(Object owner, int counter) {
    if (skipTop == skipOwners.length) {
      skipOwners = Arrays.copyOf(skipOwners, skipTop * 2);
      skipCounters = Arrays.copyOf(skipCounters, skipTop * 2);
    }
    skipOwners[skipTop] = owner;
    skipCounters[skipTop++] = counter;
  }

  private void popSkip() {
    skipOwners[--skipTop] = null;
  }

  private Mismatch mismatch(CandidType w, CandidType e) {
    return new Mismatch(() -> "a value of type " + CandidPrinter.typeForMessage(w)
        + " cannot be read as " + CandidPrinter.typeForMessage(e));
  }

  private static String fieldName(Field f) {
    return f.name() != null ? f.name() : Long.toString(f.id());
  }

  // ---- metering ---------------------------------------------------------------------------

  private void enter(int depth) {
    if (depth > limits.maxDepth()) {
      throw fail("values nest deeper than the limit of " + limits.maxDepth() + " levels");
    }
    charge(1);
  }

  private void charge(long units) {
    cost += units;
    if (cost > budget) {
      throw fail("decoding cost exceeds the budget of " + budget + " units for a message of "
          + in.length + " bytes");
    }
  }

  /**
   * A lower bound on the bytes one value of this type occupies, used to refuse counts that the
   * rest of the input cannot hold before allocating or looping (spec test "overshoot").
   */
  private int minSize(CandidType t) {
    Integer known = minSizes.get(t);
    if (known == null) {
      known = minSize(t, 0);
      minSizes.put(t, known);
    }
    return known;
  }

  private static int minSize(CandidType t, int depth) {
    if (depth > 4) {
      return 0;
    }
    CandidType r = t.resolve();
    if (r instanceof Prim p) {
      return switch (p) {
        case NULL, RESERVED, EMPTY -> 0;
        case BOOL, NAT, INT, TEXT -> 1;
        case PRINCIPAL -> 2;
        default -> p.bits() / 8;
      };
    }
    if (r instanceof CandidType.Record rec) {
      int sum = 0;
      for (Field f : rec.fields()) {
        sum += minSize(f.type(), depth + 1);
      }
      return sum;
    }
    if (r instanceof CandidType.Func) {
      return 4;
    }
    if (r instanceof CandidType.Service) {
      return 2;
    }
    if (r instanceof CandidType.Future) {
      return 2;
    }
    return 1;
  }

  // ---- bytes ------------------------------------------------------------------------------

  private int readByte() {
    if (pos >= end) {
      throw fail("unexpected end of input");
    }
    return in[pos++] & 0xff;
  }

  private void need(long bytes, String what) {
    if (bytes > end - pos) {
      throw fail(what + " needs " + bytes + " bytes but only " + (end - pos) + " remain");
    }
  }

  /** A count of items each at least {@code minBytesEach} long, checked against the input left. */
  private int readCount(String what, int minBytesEach) {
    int at = pos;
    long n = readLeb64(what);
    long remaining = end - pos;
    if (n > Integer.MAX_VALUE || (minBytesEach > 0 && n > remaining / minBytesEach)) {
      throw failAt(at, what + " " + n + " is more than the " + remaining
          + " bytes left in the input can hold");
    }
    return (int) n;
  }

  private long readFixed(int bytes) {
    need(bytes, "a fixed-size number");
    long v = 0;
    for (int i = 0; i < bytes; i++) {
      v |= (in[pos + i] & 0xffL) << (8 * i);
    }
    pos += bytes;
    return v;
  }

  /** Unsigned LEB128 that must fit in 63 bits; overlong encodings are accepted. */
  private long readLeb64(String what) {
    int at = pos;
    long result = 0;
    int shift = 0;
    while (true) {
      int b = readByte();
      long low = b & 0x7f;
      if (shift < 63) {
        if (shift > 56 && (low >>> (63 - shift)) != 0) {
          throw failAt(at, what + " is too large");
        }
        result |= low << shift;
      } else if (low != 0) {
        throw failAt(at, what + " is too large");
      }
      if ((b & 0x80) == 0) {
        return result;
      }
      shift += 7;
    }
  }

  /** Signed LEB128 that must fit in 64 bits (type opcodes and indexes). */
  private long readSleb64(String what) {
    int at = pos;
    int start = pos;
    int length = lebLength();
    if (length > 10) {
      BigInteger big = slebValue(start, length);
      if (big.bitLength() > 63) {
        throw failAt(at, what + " is too large");
      }
      return big.longValue();
    }
    return slebValue(start, length).longValue();
  }

  /** The length of the LEB128 number starting at pos, which it advances past. */
  private int lebLength() {
    int start = pos;
    while (true) {
      if (pos >= end) {
        throw failAt(start, "unexpected end of input inside a LEB128 number");
      }
      if ((in[pos++] & 0x80) == 0) {
        return pos - start;
      }
    }
  }

  private void skipLeb() {
    lebLength();
  }

  private BigInteger readNat() {
    int start = pos;
    int length = lebLength();
    if (length <= 9) {
      long v = 0;
      for (int i = length - 1; i >= 0; i--) {
        v = (v << 7) | (in[start + i] & 0x7f);
      }
      return BigInteger.valueOf(v);
    }
    return unsignedValue(start, length);
  }

  private BigInteger readInt() {
    int start = pos;
    int length = lebLength();
    if (length <= 9) {
      long v = 0;
      for (int i = length - 1; i >= 0; i--) {
        v = (v << 7) | (in[start + i] & 0x7f);
      }
      int bits = 7 * length;
      return BigInteger.valueOf((v << (64 - bits)) >> (64 - bits));
    }
    return slebValue(start, length);
  }

  /** Packs the 7-bit groups into a big-endian magnitude in linear time. */
  private BigInteger unsignedValue(int start, int length) {
    long totalBits = 7L * length;
    byte[] magnitude = new byte[(int) ((totalBits + 7) / 8)];
    long bit = 0;
    for (int i = 0; i < length; i++) {
      int group = in[start + i] & 0x7f;
      for (int k = 0; k < 7; k++, bit++) {
        if ((group & (1 << k)) != 0) {
          magnitude[magnitude.length - 1 - (int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
        }
      }
    }
    return new BigInteger(1, magnitude);
  }

  private BigInteger slebValue(int start, int length) {
    BigInteger unsigned = unsignedValue(start, length);
    boolean negative = (in[start + length - 1] & 0x40) != 0;
    return negative ? unsigned.subtract(BigInteger.ONE.shiftLeft(7 * length)) : unsigned;
  }

  private String utf8(int from, int length) {
    need(length, "text");
    boolean ascii = true;
    for (int i = from; i < from + length; i++) {
      if (in[i] < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return new String(in, from, length, StandardCharsets.ISO_8859_1);
    }
    if (utf8 == null) {
      utf8 = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
    try {
      CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(in, from, length));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw failAt(from, "text is not valid UTF-8");
    }
  }

  private CandidDecodeException fail(String message) {
    return new CandidDecodeException(Math.min(pos, end), message);
  }

  private CandidDecodeException failAt(int at, String message) {
    return new CandidDecodeException(at, message);
  }
}
