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

  private void writeValue(ByteSink out, CandidType type, CandidValue v, String path) {
    CandidType t = type.resolve();
    if (t instanceof Prim p) {
      writePrim(out, p, v, path);
    } else if (t instanceof CandidType.Opt o) {
      CandidValue.Opt opt = expect(v, CandidValue.Opt.class, t, path);
      if (opt.value() == null) {
        out.write(0);
      } else {
        out.write(1);
        writeValue(out, o.inner(), opt.value(), path);
      }
    } else if (t instanceof CandidType.Vec vt) {
      if (v instanceof CandidValue.Blob b && vt.isBlob()) {
        byte[] bytes = b.bytesUnsafe();
        writeLeb(out, bytes.length);
        out.write(bytes, 0, bytes.length);
      } else {
        CandidValue.Vec vec = expect(v, CandidValue.Vec.class, t, path);
        writeLeb(out, vec.elements().size());
        for (CandidValue e : vec.elements()) {
          writeValue(out, vt.element(), e, path);
        }
      }
    } else if (t instanceof CandidType.Record r) {
      writeRecord(out, r, expect(v, CandidValue.Record.class, t, path), path);
    } else if (t instanceof CandidType.Variant vt) {
      CandidValue.Variant variant = expect(v, CandidValue.Variant.class, t, path);
      List<Field> fields = vt.fields();
      int index = indexOf(fields, variant.id());
      if (index < 0) {
        throw new CandidEncodeException(path + ": variant case " + variant.id()
            + " is not a case of " + CandidPrinter.type(t));
      }
      writeLeb(out, index);
      writeValue(out, fields.get(index).type(), variant.value(), path + "." + label(fields.get(index)));
    } else if (t instanceof CandidType.Func) {
      CandidValue.Func f = expect(v, CandidValue.Func.class, t, path);
      out.write(1);
      writePrincipalRef(out, f.service());
      writeText(out, f.method());
    } else if (t instanceof CandidType.Service) {
      CandidValue.Service s = expect(v, CandidValue.Service.class, t, path);
      writePrincipalRef(out, s.id());
    } else {
      throw new CandidEncodeException(path + ": cannot encode values of type "
          + CandidPrinter.type(t));
    }
  }

  private void writeRecord(ByteSink out, CandidType.Record r, CandidValue.Record rec, String path) {
    List<FieldValue> values = rec.fields();
    int j = 0;
    for (Field f : r.fields()) {
      while (j < values.size() && values.get(j).id() < f.id()) {
        throw new CandidEncodeException(path + ": field " + values.get(j).id()
            + " is not a field of " + CandidPrinter.type(r));
      }
      if (j < values.size() && values.get(j).id() == f.id()) {
        writeValue(out, f.type(), values.get(j).value(), path + "." + label(f));
        j++;
      } else {
        // A missing null, opt or reserved field is sent as its absent value.
        CandidType ft = f.type().resolve();
        if (ft instanceof CandidType.Opt) {
          out.write(0);
        } else if (ft != Prim.NULL && ft != Prim.RESERVED) {
          throw new CandidEncodeException(path + ": field " + label(f) + " of type "
              + CandidPrinter.type(f.type()) + " is missing");
        }
      }
    }
    if (j < values.size()) {
      throw new CandidEncodeException(path + ": field " + values.get(j).id()
          + " is not a field of " + CandidPrinter.type(r));
    }
  }

  private static void writePrim(ByteSink out, Prim p, CandidValue v, String path) {
    switch (p) {
      case NULL:
        expect(v, CandidValue.Null.class, p, path);
        return;
      case RESERVED:
        return;
      case EMPTY:
        throw new CandidEncodeException(path + ": no value has type empty");
      case BOOL:
        out.write(expect(v, CandidValue.Bool.class, p, path).value() ? 1 : 0);
        return;
      case NAT:
        writeNat(out, expect(v, CandidValue.Nat.class, p, path).value());
        return;
      case INT: {
        BigInteger i = v instanceof CandidValue.Nat n
            ? n.value()
            : expect(v, CandidValue.Int.class, p, path).value();
        writeInt(out, i);
        return;
      }
      case NAT8:
      case NAT16:
      case NAT32:
      case NAT64: {
        CandidValue.FixedNat n = expect(v, CandidValue.FixedNat.class, p, path);
        checkWidth(n.bits(), p, path);
        out.writeLittleEndian(n.value(), p.bits() / 8);
        return;
      }
      case INT8:
      case INT16:
      case INT32:
      case INT64: {
        CandidValue.FixedInt n = expect(v, CandidValue.FixedInt.class, p, path);
        checkWidth(n.bits(), p, path);
        out.writeLittleEndian(n.value(), p.bits() / 8);
        return;
      }
      case FLOAT32:
        out.writeLittleEndian(
            Float.floatToRawIntBits(expect(v, CandidValue.Float32.class, p, path).value()), 4);
        return;
      case FLOAT64:
        out.writeLittleEndian(
            Double.doubleToRawLongBits(expect(v, CandidValue.Float64.class, p, path).value()), 8);
        return;
      case TEXT:
        writeText(out, expect(v, CandidValue.Text.class, p, path).value());
        return;
      case PRINCIPAL:
        if (v instanceof CandidValue.Service s) {
          writePrincipalRef(out, s.id());
        } else {
          writePrincipalRef(out, expect(v, CandidValue.PrincipalValue.class, p, path).principal());
        }
        return;
      default:
        throw new IllegalStateException("unknown primitive " + p);
    }
  }

  private static void checkWidth(int bits, Prim p, String path) {
    if (bits != p.bits()) {
      throw new CandidEncodeException(path + ": a " + bits + "-bit number is not a " + p.keyword());
    }
  }

  private static <V extends CandidValue> V expect(
      CandidValue v, Class<V> kind, CandidType t, String path) {
    if (!kind.isInstance(v)) {
      throw new CandidEncodeException(path + ": expected a value of type " + CandidPrinter.type(t)
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
