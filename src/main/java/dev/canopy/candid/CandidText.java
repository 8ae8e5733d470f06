package dev.canopy.candid;

import dev.canopy.candid.CandidType.Field;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.candid.ValueSyntax.FieldLit;
import dev.canopy.types.PrincipalFormatException;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Textual Candid values (spec "Values"): parsing argument lists and giving them types.
 *
 * <p>A value is typed by the same rules that coerce binary values (spec "Coercion"): extra record
 * fields are ignored, missing null/opt/reserved fields become null, anything fits reserved. A
 * value {@code v} at {@code opt t} that is neither {@code null} nor {@code opt _} is read as
 * {@code opt v}, as the binary rule does for non-optional types.
 */
public final class CandidText {
  private CandidText() {}

  /** Parses {@code ( v, ... )} without types; see {@link #typed} and {@link #inferType}. */
  public static List<ValueSyntax> parseArgs(String text) {
    CandidParser p = new CandidParser(text);
    List<ValueSyntax> args = p.parseArgs();
    p.expectEnd();
    p.finishDefinitions();
    return args;
  }

  /** Parses {@code ( v, ... )} and types each value at the type in the same position. */
  public static List<CandidValue> parseArgs(String text, List<? extends CandidType> types) {
    return typedArgs(parseArgs(text), types);
  }

  /** Parses a single value (no surrounding tuple), e.g. {@code record { a = 1 }}. */
  public static ValueSyntax parseValue(String text) {
    CandidParser p = new CandidParser(text);
    ValueSyntax v = p.parseAnnotatedValue();
    p.expectEnd();
    p.finishDefinitions();
    return v;
  }

  /** Parses one type, e.g. {@code record { name : text; age : nat8 }}. */
  public static CandidType parseType(String text) {
    CandidParser p = new CandidParser(text);
    CandidType t = p.parseDataType();
    p.expectEnd();
    p.finishDefinitions();
    return t;
  }

  /**
   * Types an argument list: values beyond the types are ignored; types beyond the values must
   * accept null (spec "Tuple types").
   */
  public static List<CandidValue> typedArgs(
      List<ValueSyntax> values, List<? extends CandidType> types) {
    List<CandidValue> out = new ArrayList<>(types.size());
    for (int i = 0; i < types.size(); i++) {
      if (i < values.size()) {
        out.add(typed(values.get(i), types.get(i)));
      } else {
        CandidValue absent = absent(types.get(i));
        if (absent == null) {
          throw new CandidSyntaxException(1, 1, "argument " + i + " of type "
              + CandidPrinter.type(types.get(i)) + " is missing");
        }
        out.add(absent);
      }
    }
    return out;
  }

  /** Gives a parsed value the type {@code type}, or explains why it does not fit. */
  public static CandidValue typed(ValueSyntax v, CandidType type) {
    CandidType t = type.resolve();
    if (v instanceof ValueSyntax.Annotated a) {
      CandidValue atAnnotation = typed(a.value(), a.type());
      if (a.type().resolve().equals(t)) {
        return atAnnotation;
      }
      // Re-read the value at the wanted type with the binary coercion rules.
      byte[] bytes = CandidEncoder.encode(List.of(a.type()), List.of(atAnnotation));
      try {
        return CandidDecoder.decode(bytes, List.of(type), DecodeLimits.DEFAULT).get(0);
      } catch (CandidDecodeException e) {
        throw fail(v, "a value annotated " + CandidPrinter.type(a.type())
            + " does not fit type " + CandidPrinter.type(type));
      }
    }
    if (t == Prim.RESERVED) {
      return CandidValue.RESERVED;
    }
    if (t instanceof CandidType.Opt o) {
      if (v instanceof ValueSyntax.NullLit) {
        return CandidValue.NONE;
      }
      if (v instanceof ValueSyntax.OptLit ov) {
        return new CandidValue.Opt(typed(ov.value(), o.inner()));
      }
      return new CandidValue.Opt(typed(v, o.inner()));
    }
    if (t instanceof Prim p) {
      return typedPrim(v, p, type);
    }
    if (t instanceof CandidType.Vec vt) {
      if (vt.isBlob()) {
        if (v instanceof ValueSyntax.BlobLit b) {
          return new CandidValue.Blob(b.bytes());
        }
        if (v instanceof ValueSyntax.VecLit vec) {
          byte[] bytes = new byte[vec.elements().size()];
          for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) ((CandidValue.FixedNat) typed(vec.elements().get(i), Prim.NAT8)).value();
          }
          return new CandidValue.Blob(bytes);
        }
      } else if (v instanceof ValueSyntax.VecLit vec) {
        List<CandidValue> out = new ArrayList<>(vec.elements().size());
        for (ValueSyntax e : vec.elements()) {
          out.add(typed(e, vt.element()));
        }
        return new CandidValue.Vec(out);
      }
      throw mismatch(v, type);
    }
    if (t instanceof CandidType.Record rt && v instanceof ValueSyntax.RecordLit r) {
      Map<Long, FieldLit> given = new HashMap<>();
      for (FieldLit f : r.fields()) {
        given.put(f.id(), f);
      }
      List<CandidValue.FieldValue> out = new ArrayList<>(rt.fields().size());
      for (Field f : rt.fields()) {
        FieldLit lit = given.get(f.id());
        CandidValue value;
        if (lit != null) {
          value = typed(lit.value(), f.type());
        } else {
          value = absent(f.type());
          if (value == null) {
            throw fail(v, "field " + (f.name() != null ? f.name() : f.id()) + " of type "
                + CandidPrinter.type(f.type()) + " is missing");
          }
        }
        out.add(new CandidValue.FieldValue(f.id(), value));
      }
      return new CandidValue.Record(out);
    }
    if (t instanceof CandidType.Variant vt && v instanceof ValueSyntax.VariantLit variant) {
      Field f = vt.field(variant.field().id());
      if (f == null) {
        String label = variant.field().name() != null
            ? variant.field().name() : Long.toString(variant.field().id());
        throw fail(v, "variant case " + label + " is not a case of " + CandidPrinter.type(type));
      }
      return new CandidValue.Variant(f.id(), typed(variant.field().value(), f.type()));
    }
    if (t instanceof CandidType.Func && v instanceof ValueSyntax.FuncLit f) {
      return new CandidValue.Func(principal(v, f.service()), f.method());
    }
    if (t instanceof CandidType.Service && v instanceof ValueSyntax.ServiceLit s) {
      return new CandidValue.Service(principal(v, s.text()));
    }
    throw mismatch(v, type);
  }

  private static CandidValue typedPrim(ValueSyntax v, Prim p, CandidType type) {
    switch (p) {
      case NULL:
        if (v instanceof ValueSyntax.NullLit) {
          return CandidValue.NULL;
        }
        break;
      case BOOL:
        if (v instanceof ValueSyntax.BoolLit b) {
          return new CandidValue.Bool(b.value());
        }
        break;
      case TEXT:
        if (v instanceof ValueSyntax.TextLit t) {
          return new CandidValue.Text(utf8(v, t.utf8()));
        }
        break;
      case PRINCIPAL:
        if (v instanceof ValueSyntax.PrincipalLit pl) {
          return new CandidValue.PrincipalValue(principal(v, pl.text()));
        }
        if (v instanceof ValueSyntax.ServiceLit s) {
          return new CandidValue.PrincipalValue(principal(v, s.text()));
        }
        break;
      case FLOAT32:
      case FLOAT64:
        if (v instanceof ValueSyntax.Number n) {
          double d = parseFloat(n, p == Prim.FLOAT32);
          return p == Prim.FLOAT32
              ? new CandidValue.Float32((float) d)
              : new CandidValue.Float64(d);
        }
        break;
      case EMPTY:
        throw fail(v, "no value has type empty");
      default:
        if (v instanceof ValueSyntax.Number n) {
          return typedInteger(n, p);
        }
    }
    throw mismatch(v, type);
  }

  private static CandidValue typedInteger(ValueSyntax.Number n, Prim p) {
    if (n.isFloat()) {
      throw fail(n, "expected an integer of type " + p.keyword() + ", found " + n.literal());
    }
    BigInteger value = CandidParser.parseNat(n.literal(), n.pos().line(), n.pos().column());
    if (n.negative()) {
      value = value.negate();
    }
    switch (p) {
      case NAT:
        if (value.signum() < 0) {
          throw fail(n, "a nat cannot be negative: " + value);
        }
        return new CandidValue.Nat(value);
      case INT:
        return new CandidValue.Int(value);
      case NAT8:
      case NAT16:
      case NAT32:
      case NAT64:
        if (value.signum() < 0 || value.bitLength() > p.bits()) {
          throw fail(n, value + " is out of range for " + p.keyword());
        }
        return new CandidValue.FixedNat(p.bits(), value.longValue());
      case INT8:
      case INT16:
      case INT32:
      case INT64:
        if (value.bitLength() > p.bits() - 1) {
          throw fail(n, value + " is out of range for " + p.keyword());
        }
        return new CandidValue.FixedInt(p.bits(), value.longValue());
      default:
        throw fail(n, "a number does not fit type " + p.keyword());
    }
  }

  private static double parseFloat(ValueSyntax.Number n, boolean single) {
    String s = n.literal().replace("_", "");
    boolean hex = s.startsWith("0x") || s.startsWith("0X");
    if (hex && s.indexOf('p') < 0 && s.indexOf('P') < 0) {
      s = s + "p0";
    }
    if (s.length() > 10_000) {
      throw fail(n, "number literal is too long");
    }
    try {
      String signed = n.negative() ? "-" + s : s;
      return single ? Float.parseFloat(signed) : Double.parseDouble(signed);
    } catch (NumberFormatException e) {
      throw fail(n, "malformed float " + n.literal());
    }
  }

  private static Principal principal(ValueSyntax at, String text) {
    try {
      return Principal.fromText(text);
    } catch (PrincipalFormatException e) {
      throw fail(at, e.getMessage());
    }
  }

  private static String utf8(ValueSyntax at, byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw fail(at, "text is not valid UTF-8");
    }
  }

  static CandidValue absent(CandidType t) {
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

  private static CandidSyntaxException mismatch(ValueSyntax v, CandidType type) {
    return fail(v, "this " + kind(v) + " does not fit type " + CandidPrinter.type(type));
  }

  private static CandidSyntaxException fail(ValueSyntax v, String message) {
    return new CandidSyntaxException(v.pos().line(), v.pos().column(), message);
  }

  private static String kind(ValueSyntax v) {
    return switch (v.getClass().getSimpleName()) {
      case "Number" -> "number";
      case "TextLit" -> "text";
      case "BoolLit" -> "bool";
      case "NullLit" -> "null";
      case "OptLit" -> "opt value";
      case "VecLit" -> "vec";
      case "BlobLit" -> "blob";
      case "RecordLit" -> "record";
      case "VariantLit" -> "variant";
      case "PrincipalLit" -> "principal";
      case "ServiceLit" -> "service reference";
      case "FuncLit" -> "func reference";
      default -> "value";
    };
  }

  // ---- inference --------------------------------------------------------------------------

  /**
   * A type for a value written without one, as a command line does: numbers are {@code int} (or
   * {@code float64} with a dot or exponent), {@code null} is {@code null}, an empty {@code vec}
   * is {@code vec empty}, and annotations are taken as given.
   */
  public static CandidType inferType(ValueSyntax v) {
    if (v instanceof ValueSyntax.Annotated a) {
      return a.type();
    }
    if (v instanceof ValueSyntax.Number n) {
      return n.isFloat() ? Prim.FLOAT64 : Prim.INT;
    }
    if (v instanceof ValueSyntax.TextLit) {
      return Prim.TEXT;
    }
    if (v instanceof ValueSyntax.BoolLit) {
      return Prim.BOOL;
    }
    if (v instanceof ValueSyntax.NullLit) {
      return Prim.NULL;
    }
    if (v instanceof ValueSyntax.OptLit o) {
      return new CandidType.Opt(inferType(o.value()));
    }
    if (v instanceof ValueSyntax.BlobLit) {
      return new CandidType.Vec(Prim.NAT8);
    }
    if (v instanceof ValueSyntax.VecLit vec) {
      return new CandidType.Vec(
          vec.elements().isEmpty() ? Prim.EMPTY : inferType(vec.elements().get(0)));
    }
    if (v instanceof ValueSyntax.RecordLit r) {
      List<Field> fields = new ArrayList<>();
      for (FieldLit f : r.fields()) {
        fields.add(new Field(f.id(), f.name(), inferType(f.value())));
      }
      return new CandidType.Record(fields);
    }
    if (v instanceof ValueSyntax.VariantLit variant) {
      FieldLit f = variant.field();
      return new CandidType.Variant(List.of(new Field(f.id(), f.name(), inferType(f.value()))));
    }
    if (v instanceof ValueSyntax.PrincipalLit) {
      return Prim.PRINCIPAL;
    }
    if (v instanceof ValueSyntax.ServiceLit) {
      return new CandidType.Service(List.of());
    }
    if (v instanceof ValueSyntax.FuncLit) {
      return new CandidType.Func(List.of(), List.of(), java.util.Set.of());
    }
    throw new IllegalStateException("unknown value syntax " + v);
  }

  /** Parses {@code ( v, ... )} and infers a type for each value; see {@link #inferType}. */
  public static CandidArgs parseUntypedArgs(String text) {
    List<ValueSyntax> values = parseArgs(text);
    List<CandidType> types = new ArrayList<>(values.size());
    for (ValueSyntax v : values) {
      types.add(inferType(v));
    }
    return new CandidArgs(types, typedArgs(values, types));
  }
}
