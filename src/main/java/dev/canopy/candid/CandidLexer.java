package dev.canopy.candid;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Tokens of the Candid text grammar (spec "Core Grammar" and "Values"): identifiers and keywords,
 * text literals (kept as bytes, since {@code \XX} escapes may form any byte sequence, as blobs
 * need), numbers, and symbols. Comments ({@code //} and nesting block comments) are skipped.
 */
final class CandidLexer {
  enum Kind {
    ID,
    TEXT,
    NUMBER,
    SYMBOL,
    EOF
  }

  /** One token; {@code text} is the identifier, symbol or number as written. */
  record Token(Kind kind, String text, byte[] bytes, boolean isFloat, int line, int column) {
    boolean is(String symbolOrId) {
      return (kind == Kind.SYMBOL || kind == Kind.ID) && text.equals(symbolOrId);
    }

    String describe() {
      return switch (kind) {
        case EOF -> "end of input";
        case TEXT -> "a text literal";
        case NUMBER -> "number " + text;
        default -> "'" + text + "'";
      };
    }
  }

  /** The longest input accepted, so token lists stay bounded. */
  static final int MAX_SOURCE_CHARS = 16 << 20;

  private final String src;
  private int pos;
  private int line = 1;
  private int lineStart;

  private CandidLexer(String src) {
    this.src = src;
  }

  static List<Token> tokenize(String src) {
    if (src.length() > MAX_SOURCE_CHARS) {
      throw new CandidSyntaxException(1, 1, "Candid text of " + src.length()
          + " characters exceeds the limit of " + MAX_SOURCE_CHARS);
    }
    CandidLexer lexer = new CandidLexer(src);
    List<Token> tokens = new ArrayList<>();
    Token t;
    do {
      t = lexer.next();
      tokens.add(t);
    } while (t.kind() != Kind.EOF);
    return tokens;
  }

  private CandidSyntaxException error(String message) {
    return new CandidSyntaxException(line, pos - lineStart + 1, message);
  }

  private Token next() {
    skipSpaceAndComments();
    int startLine = line;
    int startColumn = pos - lineStart + 1;
    if (pos >= src.length()) {
      return new Token(Kind.EOF, "", null, false, startLine, startColumn);
    }
    char c = src.charAt(pos);
    if (Character.isLetter(c) && c < 128 || c == '_') {
      int start = pos;
      while (pos < src.length() && isIdChar(src.charAt(pos))) {
        pos++;
      }
      return new Token(Kind.ID, src.substring(start, pos), null, false, startLine, startColumn);
    }
    if (c >= '0' && c <= '9') {
      return number(startLine, startColumn);
    }
    if (c == '"') {
      byte[] bytes = text();
      return new Token(Kind.TEXT, "\"", bytes, false, startLine, startColumn);
    }
    String two = pos + 1 < src.length() ? src.substring(pos, pos + 2) : "";
    if (two.equals("->") || two.equals("==") || two.equals("!=") || two.equals("!:")
        || two.equals("<:")) {
      pos += 2;
      return new Token(Kind.SYMBOL, two, null, false, startLine, startColumn);
    }
    if ("(){};,:=.+-".indexOf(c) >= 0) {
      pos++;
      return new Token(Kind.SYMBOL, String.valueOf(c), null, false, startLine, startColumn);
    }
    throw error("unexpected character '" + (Character.isISOControl(c)
        ? String.format("\\u%04x", (int) c) : String.valueOf(c)) + "'");
  }

  private static boolean isIdChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  private void skipSpaceAndComments() {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\n') {
        pos++;
        line++;
        lineStart = pos;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        pos++;
      } else if (src.startsWith("//", pos)) {
        while (pos < src.length() && src.charAt(pos) != '\n') {
          pos++;
        }
      } else if (src.startsWith("/*", pos)) {
        blockComment();
      } else {
        return;
      }
    }
  }

  /** Block comments nest (spec "Comments"). */
  private void blockComment() {
    int depth = 0;
    do {
      if (pos >= src.length()) {
        throw error("unclosed block comment");
      }
      if (src.startsWith("/*", pos)) {
        depth++;
        pos += 2;
      } else if (src.startsWith("*/", pos)) {
        depth--;
        pos += 2;
      } else {
        if (src.charAt(pos) == '\n') {
          line++;
          lineStart = pos + 1;
        }
        pos++;
      }
    } while (depth > 0);
  }

  private Token number(int startLine, int startColumn) {
    int start = pos;
    boolean isFloat = false;
    if (src.startsWith("0x", pos) || src.startsWith("0X", pos)) {
      pos += 2;
      digits(true);
      if (pos < src.length() && src.charAt(pos) == '.') {
        isFloat = true;
        pos++;
        digits(true);
      }
      if (pos < src.length() && (src.charAt(pos) == 'p' || src.charAt(pos) == 'P')) {
        isFloat = true;
        pos++;
        exponent();
      }
    } else {
      digits(false);
      if (pos < src.length() && src.charAt(pos) == '.') {
        isFloat = true;
        pos++;
        digits(false);
      }
      if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
        isFloat = true;
        pos++;
        exponent();
      }
    }
    return new Token(Kind.NUMBER, src.substring(start, pos), null, isFloat, startLine, startColumn);
  }

  private void digits(boolean hex) {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      boolean digit = (c >= '0' && c <= '9')
          || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
      if (!digit && c != '_') {
        return;
      }
      pos++;
    }
  }

  private void exponent() {
    if (pos < src.length() && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
      pos++;
    }
    int start = pos;
    digits(false);
    if (pos == start) {
      throw error("a float exponent needs digits");
    }
  }

  /** A text literal as bytes (spec {@code <text>}); the caller checks UTF-8 where it matters. */
  private byte[] text() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    pos++; // opening quote
    while (true) {
      if (pos >= src.length()) {
        throw error("unclosed text literal");
      }
      char c = src.charAt(pos);
      if (c == '"') {
        pos++;
        return out.toByteArray();
      }
      if (c == '\n') {
        throw error("a text literal cannot span lines; write \\n");
      }
      if (c != '\\') {
        int cp = src.codePointAt(pos);
        pos += Character.charCount(cp);
        out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      pos++;
      if (pos >= src.length()) {
        throw error("unclosed text literal");
      }
      char e = src.charAt(pos);
      switch (e) {
        case 'n' -> {
          out.write('\n');
          pos++;
        }
        case 'r' -> {
          out.write('\r');
          pos++;
        }
        case 't' -> {
          out.write('\t');
          pos++;
        }
        case '\\', '"', '\'' -> {
          out.write(e);
          pos++;
        }
        case 'u' -> out.writeBytes(unicodeEscape());
        default -> {
          if (pos + 1 < src.length() && isHex(e) && isHex(src.charAt(pos + 1))) {
            out.write(Integer.parseInt(src.substring(pos, pos + 2), 16));
            pos += 2;
          } else {
            throw error("unknown escape \\" + e);
          }
        }
      }
    }
  }

  private byte[] unicodeEscape() {
    pos++; // 'u'
    if (pos >= src.length() || src.charAt(pos) != '{') {
      throw error("a unicode escape is written \\u{hex}");
    }
    pos++;
    int start = pos;
    StringBuilder hex = new StringBuilder();
    while (pos < src.length() && src.charAt(pos) != '}') {
      char c = src.charAt(pos);
      if (isHex(c)) {
        hex.append(c);
      } else if (c != '_' || pos == start) {
        throw error("bad character '" + c + "' in unicode escape");
      }
      pos++;
    }
    if (pos >= src.length()) {
      throw error("unclosed unicode escape");
    }
    pos++; // '}'
    if (hex.length() == 0 || hex.length() > 6) {
      throw error("a unicode escape has 1 to 6 hex digits");
    }
    int cp = Integer.parseInt(hex.toString(), 16);
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      throw error("\\u{" + hex + "} is not a Unicode scalar value");
    }
    return new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
