package dev.canopy.candid;

import dev.canopy.candid.CandidType.Field;
import dev.canopy.candid.CandidType.FuncMode;
import dev.canopy.candid.CandidType.Method;
import dev.canopy.candid.CandidType.Named;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.candid.CandidValue.FieldValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prints types, values and service descriptions in Candid text syntax. With a type, record and
 * variant fields print with the names the type gives them (e.g. from a {@code .did} file); without
 * one they print as numeric ids, and fixed-size numbers carry a type annotation.
 */
public final class CandidPrinter {
  /** Prefix of the names the decoder gives type-table entries; those print structurally. */
  static final String WIRE_NAME_PREFIX = "table#";

  private static final Set<String> KEYWORDS = Set.of(
      "type", "import", "service", "func", "opt", "vec", "record", "variant", "blob",
      "principal", "query", "oneway", "composite_query", "true", "false", "null", "nat", "nat8",
      "nat16", "nat32", "nat64", "int", "int8", "int16", "int32", "int64", "float32", "float64",
      "bool", "text", "reserved", "empty");

  /** Types in error messages are cut after this many characters. */
  static final int MESSAGE_TYPE_MAX_CHARS = 500;

  private final StringBuilder out = new StringBuilder();
  private final Set<Named> printing = Collections.newSetFromMap(new IdentityHashMap<>());
  private final int maxChars;

  // Note: types and values print from an explicit stack of pending parts (text to append, a type
  // or a value to print, the end of a named type's expansion), not by recursion, so deeply nested
  // values (long recursive lists) print on any thread stack.
  private final ArrayDeque<Object> work = new ArrayDeque<>();
  private final List<Object> parts = new ArrayList<>();

  /** A value still to print, at a type that gives field names (or null). */
  private record ValuePart(CandidValue value, CandidType type) {}

  /** The end of printing a wire type's definition, which may appear again after it. */
  private record EndOfNamed(Named named) {}

  /** A function type's signature without the {@code func} keyword. */
  private record Signature(CandidType.Func func) {}

  /** A service type's methods in braces. */
  private record Methods(CandidType.Service service) {}

  private CandidPrinter() {
    this(Integer.MAX_VALUE);
  }

  private CandidPrinter(int maxChars) {
    this.maxChars = maxChars;
  }

  // ---- types ------------------------------------------------------------------------------

  /** A type in Candid syntax; named types print by name, wire types structurally. */
  public static String type(CandidType t) {
    CandidPrinter p = new CandidPrinter();
    p.print(t);
    return p.out.toString();
  }

  /**
   * A type for an error message: cut after {@link #MESSAGE_TYPE_MAX_CHARS} characters, since a
   * wire type printed structurally can be far larger than the message that carried it.
   */
  static String typeForMessage(CandidType t) {
    CandidPrinter p = new CandidPrinter(MESSAGE_TYPE_MAX_CHARS);
    p.print(t);
    return p.out.toString();
  }

  /** {@code (t1, t2)}. */
  public static String tupleType(List<? extends CandidType> types) {
    CandidPrinter p = new CandidPrinter();
    p.addTuple(types);
    p.flushParts();
    p.run();
    return p.out.toString();
  }

  /** Prints one type, value part or signature, and everything it contains. */
  private void print(Object root) {
    work.push(root);
    run();
  }

  private void run() {
    while (!work.isEmpty()) {
      if (out.length() > maxChars) {
        out.setLength(maxChars);
        out.append("...");
        work.clear();
        return;
      }
      Object item = work.pop();
      if (item instanceof String s) {
        out.append(s);
      } else if (item instanceof EndOfNamed e) {
        printing.remove(e.named());
      } else if (item instanceof CandidType t) {
        expandType(t);
      } else if (item instanceof ValuePart v) {
        expandValue(v.value(), v.type());
      } else if (item instanceof Signature s) {
        addSignature(s.func());
      } else if (item instanceof Methods m) {
        addMethods(m.service());
      }
      flushParts();
    }
  }

  /** Schedules the parts collected by an expansion, first part first. */
  private void flushParts() {
    for (int i = parts.size() - 1; i >= 0; i--) {
      work.push(parts.get(i));
    }
    parts.clear();
  }

  private void expandType(CandidType t) {
    if (t instanceof Named n) {
      if (n.name().startsWith(WIRE_NAME_PREFIX) && !printing.contains(n)) {
        printing.add(n);
        parts.add(n.target());
        parts.add(new EndOfNamed(n));
      } else {
        out.append(n.name());
      }
    } else if (t instanceof Prim p) {
      out.append(p.keyword());
    } else if (t instanceof CandidType.Opt o) {
      out.append("opt ");
      parts.add(o.inner());
    } else if (t instanceof CandidType.Vec v) {
      if (v.element() == Prim.NAT8) {
        out.append("blob");
      } else {
        out.append("vec ");
        parts.add(v.element());
      }
    } else if (t instanceof CandidType.Record r) {
      out.append("record {");
      boolean tuple = r.isTuple();
      String sep = " ";
      for (Field f : r.fields()) {
        parts.add(tuple ? sep : sep + label(f.id(), f.name()) + " : ");
        parts.add(f.type());
        sep = "; ";
      }
      parts.add(r.fields().isEmpty() ? "}" : " }");
    } else if (t instanceof CandidType.Variant v) {
      out.append("variant {");
      String sep = " ";
      for (Field f : v.fields()) {
        if (f.type() != Prim.NULL) {
          parts.add(sep + label(f.id(), f.name()) + " : ");
          parts.add(f.type());
        } else {
          parts.add(sep + label(f.id(), f.name()));
        }
        sep = "; ";
      }
      parts.add(v.fields().isEmpty() ? "}" : " }");
    } else if (t instanceof CandidType.Func f) {
      out.append("func ");
      addSignature(f);
    } else if (t instanceof CandidType.Service s) {
      out.append("service ");
      addMethods(s);
    } else if (t instanceof CandidType.Future f) {
      out.append("<future type ").append(f.opcode()).append('>');
    }
  }

  private void addTuple(List<? extends CandidType> types) {
    parts.add("(");
    for (int i = 0; i < types.size(); i++) {
      if (i > 0) {
        parts.add(", ");
      }
      parts.add(types.get(i));
    }
    parts.add(")");
  }

  private void addSignature(CandidType.Func f) {
    addTuple(f.args());
    parts.add(" -> ");
    addTuple(f.results());
    for (FuncMode m : f.modes()) {
      parts.add(" " + m.keyword());
    }
  }

  /** {@code { m : (..) -> (..); }}, one method per line. */
  private void addMethods(CandidType.Service s) {
    if (s.methods().isEmpty()) {
      parts.add("{}");
      return;
    }
    parts.add("{\n");
    for (Method m : s.methods()) {
      parts.add("  " + name(m.name()) + " : ");
      parts.add(m.type() instanceof CandidType.Func f ? new Signature(f) : m.type());
      parts.add(";\n");
    }
    parts.add("}");
  }

  // ---- service descriptions ---------------------------------------------------------------

  /** A {@code .did} file: the definitions in order, then the service. */
  public static String did(DidFile did) {
    CandidPrinter p = new CandidPrinter();
    for (Map.Entry<String, CandidType> def : did.definitions().entrySet()) {
      p.out.append("type ").append(def.getKey()).append(" = ");
      CandidType target = ((Named) def.getValue()).target();
      if (target instanceof CandidType.Service s) {
        p.out.append("service ");
        p.print(new Methods(s));
      } else {
        p.print(target);
      }
      p.out.append(";\n");
    }
    if (did.service().isPresent()) {
      p.out.append("service : ");
      if (did.initArgs().isPresent()) {
        p.addTuple(did.initArgs().get());
        p.flushParts();
        p.run();
        p.out.append(" -> ");
      }
      CandidType service = did.service().get();
      p.print(service instanceof CandidType.Service s ? new Methods(s) : service);
      p.out.append(";\n");
    }
    return p.out.toString();
  }

  // ---- values -----------------------------------------------------------------------------

  /** {@code (v1, v2)}, with field names taken from the types. */
  public static String args(List<? extends CandidValue> values, List<? extends CandidType> types) {
    CandidPrinter p = new CandidPrinter();
    p.out.append('(');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        p.out.append(", ");
      }
      p.print(new ValuePart(values.get(i), i < types.size() ? types.get(i) : null));
    }
    p.out.append(')');
    return p.out.toString();
  }

  /** A value printed at its type (field names from the type). */
  public static String value(CandidValue v, CandidType t) {
    CandidPrinter p = new CandidPrinter();
    p.print(new ValuePart(v, t));
    return p.out.toString();
  }

  /** A value printed without a type: numeric field ids, annotated fixed-size numbers. */
  public static String value(CandidValue v) {
    return value(v, null);
  }

  private void expandValue(CandidValue v, CandidType type) {
    CandidType t = type == null ? null : type.resolve();
    if (v instanceof CandidValue.Null || v instanceof CandidValue.Reserved) {
      out.append("null");
    } else if (v instanceof CandidValue.Bool b) {
      out.append(b.value());
    } else if (v instanceof CandidValue.Nat n) {
      out.append(n.value());
    } else if (v instanceof CandidValue.Int i) {
      out.append(i.value().signum() >= 0 && t == null ? "+" : "").append(i.value());
    } else if (v instanceof CandidValue.FixedNat n) {
      out.append(Long.toUnsignedString(n.value()));
      annotate(t, "nat" + n.bits());
    } else if (v instanceof CandidValue.FixedInt i) {
      out.append(i.value());
      annotate(t, "int" + i.bits());
    } else if (v instanceof CandidValue.Float32 f) {
      out.append(floatText(f.value()));
      annotate(t, "float32");
    } else if (v instanceof CandidValue.Float64 f) {
      out.append(floatText(f.value()));
    } else if (v instanceof CandidValue.Text s) {
      appendText(out, s.value().getBytes(StandardCharsets.UTF_8));
    } else if (v instanceof CandidValue.Opt o) {
      if (o.value() == null) {
        out.append("null");
      } else {
        out.append("opt ");
        parts.add(new ValuePart(o.value(), t instanceof CandidType.Opt ot ? ot.inner() : null));
      }
    } else if (v instanceof CandidValue.Blob b) {
      out.append("blob ");
      appendBytes(out, b.bytesUnsafe());
    } else if (v instanceof CandidValue.Vec vec) {
      CandidType element = t instanceof CandidType.Vec vt ? vt.element() : null;
      out.append("vec {");
      String sep = " ";
      for (CandidValue e : vec.elements()) {
        parts.add(sep);
        parts.add(new ValuePart(e, element));
        sep = "; ";
      }
      parts.add(vec.elements().isEmpty() ? "}" : " }");
    } else if (v instanceof CandidValue.Record r) {
      addRecord(r, t instanceof CandidType.Record rt ? rt : null);
    } else if (v instanceof CandidValue.Variant variant) {
      Field f = t instanceof CandidType.Variant vt ? vt.field(variant.id()) : null;
      out.append("variant { ").append(label(variant.id(), f == null ? null : f.name()));
      if (!(variant.value() instanceof CandidValue.Null)) {
        parts.add(" = ");
        parts.add(new ValuePart(variant.value(), f == null ? null : f.type()));
      }
      parts.add(" }");
    } else if (v instanceof CandidValue.PrincipalValue p) {
      out.append("principal \"").append(p.principal().toText()).append('"');
    } else if (v instanceof CandidValue.Service s) {
      out.append("service \"").append(s.id().toText()).append('"');
    } else if (v instanceof CandidValue.Func f) {
      out.append("func \"").append(f.service().toText()).append("\".").append(name(f.method()));
    }
  }

  private void addRecord(CandidValue.Record r, CandidType.Record type) {
    boolean tuple = type != null ? type.isTuple() && !r.fields().isEmpty() : isTuple(r);
    out.append("record {");
    String sep = " ";
    for (FieldValue f : r.fields()) {
      Field ft = type == null ? null : type.field(f.id());
      parts.add(tuple ? sep : sep + label(f.id(), ft == null ? null : ft.name()) + " = ");
      parts.add(new ValuePart(f.value(), ft == null ? null : ft.type()));
      sep = "; ";
    }
    parts.add(r.fields().isEmpty() ? "}" : " }");
  }

  private static boolean isTuple(CandidValue.Record r) {
    for (int i = 0; i < r.fields().size(); i++) {
      if (r.fields().get(i).id() != i) {
        return false;
      }
    }
    return !r.fields().isEmpty();
  }

  private void annotate(CandidType t, String keyword) {
    if (t == null) {
      out.append(" : ").append(keyword);
    }
  }

  private static String floatText(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    String s = Double.toString(d);
    return s.endsWith(".0") ? s.substring(0, s.length() - 1) : s;
  }

  private static String floatText(float f) {
    if (Float.isNaN(f) || Float.isInfinite(f)) {
      return floatText((double) f);
    }
    String s = Float.toString(f);
    return s.endsWith(".0") ? s.substring(0, s.length() - 1) : s;
  }

  /** A quoted blob literal: printable ASCII stays, every other byte is a {@code \XX} escape. */
  static void appendBytes(StringBuilder out, byte[] bytes) {
    out.append('"');
    appendEscapedBytes(out, bytes);
    out.append('"');
  }

  private static void appendEscapedBytes(StringBuilder out, byte[] bytes) {
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        out.append((char) c);
      } else {
        out.append(String.format("\\%02x", c));
      }
    }
  }

  /** A quoted text literal: Unicode stays, quotes and control characters are escaped. */
  static void appendText(StringBuilder out, byte[] bytes) {
    out.append('"');
    String asText = validUtf8(bytes);
    if (asText != null) {
      asText.codePoints().forEach(cp -> {
        switch (cp) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (cp < 0x20 || cp == 0x7f) {
              out.append(String.format("\\%02x", cp));
            } else {
              out.appendCodePoint(cp);
            }
          }
        }
      });
    } else {
      appendEscapedBytes(out, bytes);
    }
    out.append('"');
  }

  private static String validUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return null;
    }
  }

  /** A field label: its name when known and writable as an identifier, else quoted or numeric. */
  private static String label(long id, String name) {
    return name == null ? Long.toString(id) : name(name);
  }

  /** A name as an identifier when it is one, else as a quoted text. */
  static String name(String name) {
    if (isIdentifier(name) && !KEYWORDS.contains(name)) {
      return name;
    }
    StringBuilder sb = new StringBuilder();
    appendText(sb, name.getBytes(StandardCharsets.UTF_8));
    return sb.toString();
  }

  private static boolean isIdentifier(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
          || (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
