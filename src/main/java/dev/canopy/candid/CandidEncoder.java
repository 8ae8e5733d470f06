package dev.canopy.candid;

import dev.canopy.candid.CandidType.Field;
import dev.canopy.candid.CandidType.FuncMode;
import dev.canopy.candid.CandidType.Method;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.candid.CandidValue.FieldValue;
import dev.canopy.types.Leb128;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes argument tuples as binary Candid (spec "Parameters and Results"): {@code DIDL}, a type
 * table holding each distinct composite type once (recursive types refer to their own entry), the
 * argument types, and the values.
 */
public final class CandidEncoder {
  private final Map<CandidType, Integer> tableIndex = new HashMap<>();
  private final List<byte[]> table = new ArrayList<>();

  private CandidEncoder() {}

  /** Encodes {@code values}, each at the type at the same position of {@code types}. */
  public static byte[] encode(List<? extends CandidType> types, List<? extends CandidValue> values) {
    if (types.size() != values.size()) {
      throw new CandidEncodeException(
          types.size() + " argument types but " + values.size() + " values");
    }
    CandidEncoder encoder = new CandidEncoder();
    ByteSink argTypes = new ByteSink(16);
    writeLeb(argTypes, types.size());
    for (CandidType t : types) {
      encoder.writeTypeRef(argTypes, t);
    }
    ByteSink data = new ByteSink(256);
    for (int i = 0; i < types.size(); i++) {
      encoder.writeValue(data, types.get(i), values.get(i), "argument " + i);
    }
    ByteSink out = new ByteSink(8 + argTypes.size() + data.size() + 16 * encoder.table.size());
    out.write(CandidDecoder.MAGIC, 0, 4);
    writeLeb(out, encoder.table.size());
    for (byte[] entry : encoder.table) {
      out.write(entry, 0, entry.length);
    }
    out.write(argTypes);
    out.write(data);
    return out.toByteArray();
  }

  // ---- types ------------------------------------------------------------------------------

  private void writeTypeRef(ByteSink out, CandidType t) {
    CandidType r = t.resolve();
    if (r instanceof Prim p) {
      writeSleb(out, p.opcode());
      return;
    }
    Integer index = tableIndex.get(r);
    if (index == null) {
      index = table.size();
      tableIndex.put(r, index);
      table.add(null);
      table.set(index, typeEntry(r));
    }
    writeLeb(out, index);
  }

  private byte[] typeEntry(CandidType t) {
    ByteSink out = new ByteSink(16);
    if (t instanceof CandidType.Opt o) {
      writeSleb(out, CandidType.OPT);
      writeTypeRef(out, o.inner());
    } else if (t instanceof CandidType.Vec v) {
      writeSleb(out, CandidType.VEC);
      writeTypeRef(out, v.element());
    } else if (t instanceof CandidType.Record r) {
      writeSleb(out, CandidType.RECORD);
      writeFields(out, r.fields());
    } else if (t instanceof CandidType.Variant v) {
      writeSleb(out, CandidType.VARIANT);
      writeFields(out, v.fields());
    } else if (t instanceof CandidType.Func f) {
      writeSleb(out, CandidType.FUNC);
      writeLeb(out, f.args().size());
      for (CandidType a : f.args()) {
        writeTypeRef(out, a);
      }
      writeLeb(out, f.results().size());
      for (CandidType r : f.results()) {
        writeTypeRef(out, r);
      }
      writeLeb(out, f.modes().size());
      for (FuncMode m : f.modes()) {
        out.write(m.code());
      }
    } else if (t instanceof CandidType.Service s) {
      writeSleb(out, CandidType.SERVICE);
      writeLeb(out, s.methods().size());
      for (Method m : s.methods()) {
        if (!(m.type().resolve() instanceof CandidType.Func)) {
          throw new CandidEncodeException("method " + m.name() + " does not have a function type");
        }
        byte[] name = m.name().getBytes(StandardCharsets.UTF_8);
        writeLeb(out, name.length);
        out.write(name, 0, name.length);
        writeTypeRef(out, m.type());
      }
    } else {
      throw new CandidEncodeException("cannot encode values of type " + CandidPrinter.type(t));
    }
    return out.toByteArray();
  }

  private void writeFields(ByteSink out, List<Field> fields) {
    writeLeb(out, fields.size());
    for (Field f : fields) {
      writeLeb(out, f.id());
      writeTypeRef(out, f.type());
    }
  }

  // ---- values -----------------------------------------------------------------------------
  //
  // Note: values are written from an explicit stack of open records and vectors, not by
  // recursion, so a deeply nested value (a long recursive list) encodes on any thread stack. An
  // opt or variant continues with its content in place and needs no entry.

  /** A vector whose elements are being written. */
  private static final class VecEntry {
    final CandidType element;
    final List<CandidValue> elements;
    int next;

    VecEntry(CandidType element, List<CandidValue> elements) {
      this.element = element;
      this.elements = elements;
    }
  }

  /** A record whose fields are being written; {@code current} is the field being written. */
  private static final class RecordEntry {
    final CandidType.Record type;
    final List<FieldValue> values;
    int nextField;
    int nextValue;
    Field current;

    RecordEntry(CandidType.Record type, List<FieldValue> values) {
      this.type = type;
      this.values = values;
    }
  }

  private Object[] open = new Object[16];
  private int openTop;
  private String argument;

  private void writeValue(ByteSink out, CandidType type, CandidValue value, String argument) {
    this.argument = argument;
    CandidType t = type;
    CandidValue v = value;
    while (true) {
      while (t != null) {
        CandidType r = t.resolve();
        t = null;
        if (r instanceof Prim p) {
          writePrim(out, p, v);
        } else if (r instanceof CandidType.Opt o) {
          CandidValue.Opt opt = expect(v, CandidValue.Opt.class, r);
          if (opt.value() == null) {
            out.write(0);
          } else {
            out.write(1);
            t = o.inner();
            v = opt.value();
          }
        } else if (r instanceof CandidType.Vec vt) {
          if (v instanceof CandidValue.Blob b && vt.isBlob()) {
            byte[] bytes = b.bytesUnsafe();
            writeLeb(out, bytes.length);
            out.write(bytes, 0, bytes.length);
          } else {
            CandidValue.Vec vec = expect(v, CandidValue.Vec.class, r);
            writeLeb(out, vec.elements().size());
            if (!vec.elements().isEmpty()) {
              push(new VecEntry(vt.element(), vec.elements()));
            }
          }
        } else if (r instanceof CandidType.Record rt) {
          push(new RecordEntry(rt, expect(v, CandidValue.Record.class, r).fields()));
        } else if (r instanceof CandidType.Variant vt) {
          CandidValue.Variant variant = expect(v, CandidValue.Variant.class, r);
          List<Field> fields = vt.fields();
          int index = indexOf(fields, variant.id());
          if (index < 0) {
            throw fail("variant case " + variant.id() + " is not a case of "
                + CandidPrinter.type(r));
          }
          writeLeb(out, index);
          t = fields.get(index).type();
          v = variant.value();
        } else if (r instanceof CandidType.Func) {
          CandidValue.Func f = expect(v, CandidValue.Func.class, r);
          out.write(1);
          writePrincipalRef(out, f.service());
          writeText(out, f.method());
        } else if (r instanceof CandidType.Service) {
          CandidValue.Service s = expect(v, CandidValue.Service.class, r);
          writePrincipalRef(out, s.id());
        } else {
          throw fail("cannot encode values of type " + CandidPrinter.type(r));
        }
      }
      // The value is written: continue with the next part of the innermost open composite.
      while (t == null) {
        if (openTop == 0) {
          return;
        }
        Object top = open[openTop - 1];
        if (top instanceof VecEntry ve) {
          if (ve.element.resolve() instanceof Prim p) {
            // Elements without parts are written here, without a round through the loop.
            while (ve.next < ve.elements.size()) {
              writePrim(out, p, ve.elements.get(ve.next++));
            }
            pop();
          } else if (ve.next < ve.elements.size()) {
            t = ve.element;
            v = ve.elements.get(ve.next++);
          } else {
            pop();
          }
        } else {
          RecordEntry re = (RecordEntry) top;
          Field f = nextField(out, re);
          if (f == null) {
            pop();
          } else {
            t = f.type();
            v = re.values.get(re.nextValue++).value();
          }
        }
      }
    }
  }

  /**
   * The record's next field that has a value, after writing the absent value of each missing
   * null, opt or reserved field before it; null when the record is done.
   */
  private Field nextField(ByteSink out, RecordEntry re) {
    re.current = null;
    List<Field> fields = re.type.fields();
    List<FieldValue> values = re.values;
    while (re.nextField < fields.size()) {
      Field f = fields.get(re.nextField++);
      if (re.nextValue < values.size() && values.get(re.nextValue).id() < f.id()) {
        throw fail("field " + values.get(re.nextValue).id() + " is not a field of "
            + CandidPrinter.type(re.type));
      }
      if (re.nextValue < values.size() && values.get(re.nextValue).id() == f.id()) {
        re.current = f;
        if (!(f.type().resolve() instanceof Prim p)) {
          return f;
        }
        // A field without parts is written here, without a round through the loop.
        writePrim(out, p, values.get(re.nextValue++).value());
        re.current = null;
        continue;
      }
      // A missing null, opt or reserved field is sent as its absent value.
      CandidType ft = f.type().resolve();
      if (ft instanceof CandidType.Opt) {
        out.write(0);
      } else if (ft != Prim.NULL && ft != Prim.RESERVED) {
        throw fail("field " + label(f) + " of type " + CandidPrinter.type(f.type())
            + " is missing");
      }
    }
    if (re.nextValue < values.size()) {
      throw fail("field " + values.get(re.nextValue).id() + " is not a field of "
          + CandidPrinter.type(re.type));
    }
    return null;
  }

  private void push(Object entry) {
    if (openTop == open.length) {
      open = Arrays.copyOf(open, openTop * 2);
    }
    open[openTop++] = entry;
  }

  private void pop() {
    open[--openTop] = null;
  }

  /** An error naming where it happened: the argument, then the fields being written. */
  private CandidEncodeException fail(String message) {
    StringBuilder path = new StringBuilder(argument);
    for (int i = 0; i < openTop; i++) {
      if (open[i] instanceof RecordEntry re && re.current != null) {
        path.append('.').append(label(re.current));
      }
    }
    openTop = 0;
    return new CandidEncodeException(path + ": " + message);
  }

  private void writePrim(ByteSink out, Prim p, CandidValue v) {
    switch (p) {
      case NULL:
        expect(v, CandidValue.Null.class, p);
        return;
      case RESERVED:
        return;
      case EMPTY:
        throw fail("no value has type empty");
      case BOOL:
        out.write(expect(v, CandidValue.Bool.class, p).value() ? 1 : 0);
        return;
      case NAT:
        writeNat(out, expect(v, CandidValue.Nat.class, p).value());
        return;
      case INT: {
        BigInteger i = v instanceof CandidValue.Nat n
            ? n.value()
            : expect(v, CandidValue.Int.class, p).value();
        writeInt(out, i);
        return;
      }
      case NAT8:
      case NAT16:
      case NAT32:
      case NAT64: {
        CandidValue.FixedNat n = expect(v, CandidValue.FixedNat.class, p);
        checkWidth(n.bits(), p);
        out.writeLittleEndian(n.value(), p.bits() / 8);
        return;
      }
      case INT8:
      case INT16:
      case INT32:
      case INT64: {
        CandidValue.FixedInt n = expect(v, CandidValue.FixedInt.class, p);
        checkWidth(n.bits(), p);
        out.writeLittleEndian(n.value(), p.bits() / 8);
        return;
      }
      case FLOAT32:
        out.writeLittleEndian(
            Float.floatToRawIntBits(expect(v, CandidValue.Float32.class, p).value()), 4);
        return;
      case FLOAT64:
        out.writeLittleEndian(
            Double.doubleToRawLongBits(expect(v, CandidValue.Float64.class, p).value()), 8);
        return;
      case TEXT:
        writeText(out, expect(v, CandidValue.Text.class, p).value());
        return;
      case PRINCIPAL:
        if (v instanceof CandidValue.Service s) {
          writePrincipalRef(out, s.id());
        } else {
          writePrincipalRef(out, expect(v, CandidValue.PrincipalValue.class, p).principal());
        }
        return;
      default:
        throw new IllegalStateException("unknown primitive " + p);
    }
  }

  private void checkWidth(int bits, Prim p) {
    if (bits != p.bits()) {
      throw fail("a " + bits + "-bit number is not a " + p.keyword());
    }
  }

  private <V extends CandidValue> V expect(CandidValue v, Class<V> kind, CandidType t) {
    if (!kind.isInstance(v)) {
      throw fail("expected a value of type " + CandidPrinter.type(t)
          + ", got " + (v == null ? "nothing" : v.getClass().getSimpleName()));
    }
    return kind.cast(v);
  }

  private static int indexOf(List<Field> fields, long id) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).id() == id) {
        return i;
      }
    }
    return -1;
  }

  private static String label(Field f) {
    return f.name() != null ? f.name() : Long.toString(f.id());
  }

  private static void writePrincipalRef(ByteSink out, Principal p) {
    byte[] bytes = p.toBytes();
    out.write(1);
    writeLeb(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  private static void writeText(ByteSink out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    writeLeb(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  private static void writeNat(ByteSink out, BigInteger n) {
    if (n.bitLength() < 7) {
      out.write(n.intValue());
    } else {
      byte[] b = Leb128.encodeUnsigned(n);
      out.write(b, 0, b.length);
    }
  }

  private static void writeInt(ByteSink out, BigInteger n) {
    if (n.bitLength() < 6) {
      out.write(n.intValue() & 0x7f);
    } else {
      byte[] b = Leb128.encodeSigned(n);
      out.write(b, 0, b.length);
    }
  }

  static void writeLeb(ByteSink out, long n) {
    while (n >= 0x80) {
      out.write((int) (n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.write((int) n);
  }

  private static void writeSleb(ByteSink out, long n) {
    while (true) {
      int b = (int) (n & 0x7f);
      n >>= 7;
      if ((n == 0 && (b & 0x40) == 0) || (n == -1 && (b & 0x40) != 0)) {
        out.write(b);
        return;
      }
      out.write(b | 0x80);
    }
  }

  /** A growable byte buffer without the locking of ByteArrayOutputStream. */
  static final class ByteSink {
    private byte[] buf;
    private int size;

    ByteSink(int capacity) {
      buf = new byte[Math.max(capacity, 16)];
    }

    void write(int b) {
      if (size == buf.length) {
        grow(1);
      }
      buf[size++] = (byte) b;
    }

    void write(byte[] b, int off, int len) {
      if (size + len > buf.length) {
        grow(len);
      }
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }

    void write(ByteSink other) {
      write(other.buf, 0, other.size);
    }

    void writeLittleEndian(long v, int bytes) {
      if (size + bytes > buf.length) {
        grow(bytes);
      }
      for (int i = 0; i < bytes; i++) {
        buf[size++] = (byte) (v >>> (8 * i));
      }
    }

    int size() {
      return size;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, size);
    }

    private void grow(int extra) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
    }
  }
}
