package dev.canopy.candid;

import dev.canopy.candid.CandidLexer.Kind;
import dev.canopy.candid.CandidLexer.Token;
import dev.canopy.candid.CandidType.Field;
import dev.canopy.candid.CandidType.FuncMode;
import dev.canopy.candid.CandidType.Method;
import dev.canopy.candid.CandidType.Named;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.candid.ValueSyntax.FieldLit;
import dev.canopy.candid.ValueSyntax.Pos;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A recursive-descent parser for Candid text: types and type definitions (spec "Type
 * Structure"), service descriptions ({@code .did}, spec "Interfaces") and values (spec "Values").
 * Shorthands are reduced as the spec says: field names to their hashes, tuple fields to 0, 1, ...,
 * bare variant tags to {@code null}, {@code blob} to {@code vec nat8}.
 */
final class CandidParser {
  /**
   * The deepest nesting of types or values accepted, so parsing cannot overflow the stack.
   *
   * <p>Note: text is parsed (and typed) by recursion, so this bound must fit the smallest thread
   * stack in use, whatever the JIT has made of the frames: 128 levels parse and type on a 256 KiB
   * stack with about twice the room they need, where 256 and 500 overflowed once compiled. Text
   * comes from people and tools, not from the replicated path; binary values have no such bound
   * (see {@link CandidDecoder}).
   */
  static final int MAX_NESTING = 128;

  private static final Set<String> KEYWORDS = Set.of(
      "type", "import", "service", "func", "opt", "vec", "record", "variant", "blob",
      "principal", "query", "oneway", "composite_query", "true", "false", "null");

  private final List<Token> tokens;
  private int index;
  private int nesting;
  /** Named types by name, in order of first mention; bound when their definition is parsed. */
  private final Map<String, Named> types = new LinkedHashMap<>();
  private final Map<String, Token> firstUse = new LinkedHashMap<>();
  private final List<String> definedOrder = new ArrayList<>();

  CandidParser(String source) {
    this.tokens = CandidLexer.tokenize(source);
  }

  // ---- tokens -----------------------------------------------------------------------------

  Token peek() {
    return tokens.get(index);
  }

  Token peek(int ahead) {
    return tokens.get(Math.min(index + ahead, tokens.size() - 1));
  }

  Token next() {
    Token t = tokens.get(index);
    if (t.kind() != Kind.EOF) {
      index++;
    }
    return t;
  }

  boolean atEnd() {
    return peek().kind() == Kind.EOF;
  }

  boolean accept(String symbol) {
    if (peek().is(symbol)) {
      next();
      return true;
    }
    return false;
  }

  Token expect(String symbol) {
    Token t = next();
    if (!t.is(symbol)) {
      throw error(t, "expected '" + symbol + "' but found " + t.describe());
    }
    return t;
  }

  Token expectKind(Kind kind, String what) {
    Token t = next();
    if (t.kind() != kind) {
      throw error(t, "expected " + what + " but found " + t.describe());
    }
    return t;
  }

  static CandidSyntaxException error(Token at, String message) {
    return new CandidSyntaxException(at.line(), at.column(), message);
  }

  void expectEnd() {
    if (!atEnd()) {
      throw error(peek(), "unexpected " + peek().describe() + " after the end");
    }
  }

  private void enter(Token at) {
    if (++nesting > MAX_NESTING) {
      throw error(at, "nesting deeper than " + MAX_NESTING + " levels");
    }
  }

  private void leave() {
    nesting--;
  }

  // ---- definitions and services -----------------------------------------------------------

  /** {@code (type id = datatype ;)*}; imports are refused with a reason. */
  void parseDefinitions() {
    while (true) {
      if (peek().is("type")) {
        next();
        Token name = expectKind(Kind.ID, "a type name");
        if (KEYWORDS.contains(name.text()) || Prim.ofKeyword(name.text()) != null) {
          throw error(name, "'" + name.text() + "' is a keyword and cannot name a type");
        }
        expect("=");
        CandidType body = parseDataType();
        Named named = namedType(name.text());
        if (named.isBound()) {
          throw error(name, "type " + name.text() + " is defined twice");
        }
        named.bind(body);
        definedOrder.add(name.text());
        expect(";");
      } else if (peek().is("import")) {
        throw error(peek(), "imports are not supported; inline the imported definitions");
      } else {
        return;
      }
    }
  }

  /** Checks that every named type is defined and that no definition is vacuous. */
  void finishDefinitions() {
    for (Map.Entry<String, Named> e : types.entrySet()) {
      if (!e.getValue().isBound()) {
        throw error(firstUse.get(e.getKey()), "unknown type " + e.getKey());
      }
    }
    for (Map.Entry<String, Named> e : types.entrySet()) {
      Set<Named> seen = Collections.newSetFromMap(new IdentityHashMap<>());
      CandidType t = e.getValue();
      while (t instanceof Named n) {
        if (!seen.add(n)) {
          throw new CandidSyntaxException(1, 1, "type " + e.getKey()
              + " is vacuous: its definition only names itself");
        }
        t = n.target();
      }
    }
  }

  Map<String, CandidType> definitions() {
    Map<String, CandidType> defs = new LinkedHashMap<>();
    for (String name : definedOrder) {
      defs.put(name, types.get(name));
    }
    return defs;
  }

  /** {@code service id? : (tuptype ->)? (actortype | id) ;?} after the definitions. */
  DidFile parseDidFile() {
    parseDefinitions();
    List<CandidType> initArgs = null;
    CandidType service = null;
    Token serviceAt = null;
    if (peek().is("service")) {
      next();
      if (peek().kind() == Kind.ID) {
        next(); // the service's name is documentation only
      }
      expect(":");
      if (peek().is("(")) {
        initArgs = parseTupleType();
        expect("->");
      }
      serviceAt = peek();
      service = peek().is("{") ? parseActorType() : parseDataType();
      accept(";");
    }
    expectEnd();
    finishDefinitions();
    if (service != null && !(service.resolve() instanceof CandidType.Service)) {
      throw error(serviceAt, "the main service must have a service type");
    }
    return new DidFile(definitions(), initArgs, service);
  }

  // ---- types ------------------------------------------------------------------------------

  private Named namedType(String name) {
    return types.computeIfAbsent(name, Named::new);
  }

  CandidType parseDataType() {
    Token t = next();
    if (t.kind() != Kind.ID) {
      throw error(t, "expected a type but found " + t.describe());
    }
    enter(t);
    try {
      switch (t.text()) {
        case "opt":
          return new CandidType.Opt(parseDataType());
        case "vec":
          return new CandidType.Vec(parseDataType());
        case "blob":
          return new CandidType.Vec(Prim.NAT8);
        case "record":
          return new CandidType.Record(parseFieldTypes(true));
        case "variant":
          return new CandidType.Variant(parseFieldTypes(false));
        case "func":
          return parseFuncType();
        case "service":
          return parseActorType();
        default:
          Prim p = Prim.ofKeyword(t.text());
          if (p != null) {
            return p;
          }
          if (KEYWORDS.contains(t.text())) {
            throw error(t, "expected a type but found keyword '" + t.text() + "'");
          }
          firstUse.putIfAbsent(t.text(), t);
          return namedType(t.text());
      }
    } finally {
      leave();
    }
  }

  private List<Field> parseFieldTypes(boolean record) {
    return parseFields(record, ":", this::parseDataType, at -> Prim.NULL, Field::new, Field::id);
  }

  /** What builds one field (type or value) from its id, name (or null) and content. */
  private interface FieldMaker<F, V> {
    F make(long id, String name, V content);
  }

  /**
   * {@code { field; ... }} of a record or variant, type or value alike: {@code label <sep> x},
   * a bare {@code x} in a record (the next tuple index), or a bare label in a variant (content
   * {@code nullContent}); ids must be distinct.
   */
  private <F, V> List<F> parseFields(boolean record, String separator,
      java.util.function.Supplier<V> content, java.util.function.Function<Token, V> nullContent,
      FieldMaker<F, V> make, java.util.function.ToLongFunction<F> idOf) {
    expect("{");
    List<F> fields = new ArrayList<>();
    Set<Long> ids = new HashSet<>();
    long nextTupleIndex = 0;
    while (!peek().is("}")) {
      Token at = peek();
      F f;
      if (isLabel(at) && peek(1).is(separator)) {
        Label label = parseLabel();
        next(); // the separator
        f = make.make(label.id, label.name, content.get());
      } else if (record) {
        f = make.make(nextTupleIndex, null, content.get());
      } else if (isLabel(at)) {
        Label label = parseLabel();
        f = make.make(label.id, label.name, nullContent.apply(at));
      } else {
        throw error(at, "expected a variant case but found " + at.describe());
      }
      long id = idOf.applyAsLong(f);
      if (!ids.add(id)) {
        throw error(at, "field id " + id + " occurs twice");
      }
      nextTupleIndex = id + 1;
      fields.add(f);
      if (!accept(";")) {
        break;
      }
    }
    expect("}");
    return fields;
  }

  private record Label(long id, String name) {}

  private static boolean isLabel(Token t) {
    return t.kind() == Kind.ID || t.kind() == Kind.TEXT || (t.kind() == Kind.NUMBER && !t.isFloat());
  }

  private Label parseLabel() {
    Token t = next();
    if (t.kind() == Kind.NUMBER) {
      BigInteger id = parseNat(t);
      if (id.bitLength() > 32) {
        throw error(t, "field id " + id + " does not fit 32 bits");
      }
      return new Label(id.longValue(), null);
    }
    String name = t.kind() == Kind.TEXT ? utf8(t) : t.text();
    return new Label(FieldId.hash(name), name);
  }

  /** {@code (args) -> (results) annotations}. */
  CandidType.Func parseFuncType() {
    List<CandidType> args = parseTupleType();
    expect("->");
    List<CandidType> results = parseTupleType();
    EnumSet<FuncMode> modes = EnumSet.noneOf(FuncMode.class);
    while (peek().kind() == Kind.ID) {
      FuncMode mode = switch (peek().text()) {
        case "query" -> FuncMode.QUERY;
        case "oneway" -> FuncMode.ONEWAY;
        case "composite_query" -> FuncMode.COMPOSITE_QUERY;
        default -> null;
      };
      if (mode == null) {
        break;
      }
      next();
      modes.add(mode);
    }
    return new CandidType.Func(args, results, modes);
  }

  /** {@code ( argtype,* )}, where an argument may carry a documentation name. */
  List<CandidType> parseTupleType() {
    expect("(");
    List<CandidType> types = new ArrayList<>();
    while (!peek().is(")")) {
      if ((peek().kind() == Kind.ID || peek().kind() == Kind.TEXT) && peek(1).is(":")) {
        next();
        next();
      }
      types.add(parseDataType());
      if (!accept(",")) {
        break;
      }
    }
    expect(")");
    return types;
  }

  /** {@code { name : (functype | id) ;* }}. */
  CandidType.Service parseActorType() {
    expect("{");
    List<Method> methods = new ArrayList<>();
    Set<String> names = new HashSet<>();
    while (!peek().is("}")) {
      Token at = next();
      String name;
      if (at.kind() == Kind.ID) {
        name = at.text();
      } else if (at.kind() == Kind.TEXT) {
        name = utf8(at);
      } else {
        throw error(at, "expected a method name but found " + at.describe());
      }
      if (!names.add(name)) {
        throw error(at, "method " + name + " is declared twice");
      }
      expect(":");
      CandidType type = peek().is("(") ? parseFuncType() : parseDataType();
      methods.add(new Method(name, type));
      if (!accept(";")) {
        break;
      }
    }
    expect("}");
    return new CandidType.Service(methods);
  }

  // ---- values -----------------------------------------------------------------------------

  /** {@code ( annval,* )}. */
  List<ValueSyntax> parseArgs() {
    expect("(");
    List<ValueSyntax> values = new ArrayList<>();
    while (!peek().is(")")) {
      values.add(parseAnnotatedValue());
      if (!accept(",")) {
        break;
      }
    }
    expect(")");
    return values;
  }

  ValueSyntax parseAnnotatedValue() {
    Token at = peek();
    ValueSyntax v = parseValue();
    if (accept(":")) {
      return new ValueSyntax.Annotated(pos(at), v, parseDataType());
    }
    return v;
  }

  private static Pos pos(Token t) {
    return new Pos(t.line(), t.column());
  }

  ValueSyntax parseValue() {
    Token t = next();
    enter(t);
    try {
      Pos pos = pos(t);
      if (t.is("(")) {
        ValueSyntax inner = parseAnnotatedValue();
        expect(")");
        return inner;
      }
      if (t.is("+") || t.is("-")) {
        Token n = expectKind(Kind.NUMBER, "a number after the sign");
        return new ValueSyntax.Number(pos, t.is("-"), n.text(), n.isFloat());
      }
      if (t.kind() == Kind.NUMBER) {
        return new ValueSyntax.Number(pos, false, t.text(), t.isFloat());
      }
      if (t.kind() == Kind.TEXT) {
        return new ValueSyntax.TextLit(pos, t.bytes());
      }
      if (t.kind() != Kind.ID) {
        throw error(t, "expected a value but found " + t.describe());
      }
      switch (t.text()) {
        case "true":
          return new ValueSyntax.BoolLit(pos, true);
        case "false":
          return new ValueSyntax.BoolLit(pos, false);
        case "null":
          return new ValueSyntax.NullLit(pos);
        case "opt":
          return new ValueSyntax.OptLit(pos, parseValue());
        case "vec": {
          expect("{");
          List<ValueSyntax> elements = new ArrayList<>();
          while (!peek().is("}")) {
            elements.add(parseAnnotatedValue());
            if (!accept(";")) {
              break;
            }
          }
          expect("}");
          return new ValueSyntax.VecLit(pos, elements);
        }
        case "blob":
          return new ValueSyntax.BlobLit(pos, expectKind(Kind.TEXT, "a text literal").bytes());
        case "record":
          return new ValueSyntax.RecordLit(pos, parseFieldValues(true));
        case "variant": {
          List<FieldLit> fields = parseFieldValues(false);
          if (fields.size() != 1) {
            throw error(t, "a variant value has exactly one case, not " + fields.size());
          }
          return new ValueSyntax.VariantLit(pos, fields.get(0));
        }
        case "principal":
          return new ValueSyntax.PrincipalLit(pos, utf8(expectKind(Kind.TEXT, "a text literal")));
        case "service":
          return new ValueSyntax.ServiceLit(pos, utf8(expectKind(Kind.TEXT, "a text literal")));
        case "func": {
          String service = utf8(expectKind(Kind.TEXT, "a text literal"));
          expect(".");
          Token m = next();
          String method;
          if (m.kind() == Kind.ID) {
            method = m.text();
          } else if (m.kind() == Kind.TEXT) {
            method = utf8(m);
          } else {
            throw error(m, "expected a method name but found " + m.describe());
          }
          return new ValueSyntax.FuncLit(pos, service, method);
        }
        default:
          throw error(t, "expected a value but found '" + t.text() + "'");
      }
    } finally {
      leave();
    }
  }

  private List<FieldLit> parseFieldValues(boolean record) {
    return parseFields(record, "=", this::parseAnnotatedValue,
        at -> new ValueSyntax.NullLit(pos(at)), FieldLit::new, FieldLit::id);
  }

  // ---- literals ---------------------------------------------------------------------------

  /** A {@code <nat>}: decimal or {@code 0x} hex, with {@code _} separators. */
  static BigInteger parseNat(Token t) {
    return parseNat(t.text(), t.line(), t.column());
  }

  static BigInteger parseNat(String literal, int line, int column) {
    String s = literal;
    int radix = 10;
    if (s.startsWith("0x") || s.startsWith("0X")) {
      s = s.substring(2);
      radix = 16;
    }
    if (s.isEmpty() || s.startsWith("_") || s.endsWith("_") || s.contains("__")) {
      throw new CandidSyntaxException(line, column, "malformed number " + literal);
    }
    s = s.replace("_", "");
    if (s.length() > 10_000) {
      throw new CandidSyntaxException(line, column, "number literal is too long");
    }
    try {
      return new BigInteger(s, radix);
    } catch (NumberFormatException e) {
      throw new CandidSyntaxException(line, column, "malformed number " + literal);
    }
  }

  /** The text of a text literal, which must be valid UTF-8. */
  static String utf8(Token t) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(t.bytes()))
          .toString();
    } catch (CharacterCodingException e) {
      throw error(t, "text literal is not valid UTF-8");
    }
  }
}
