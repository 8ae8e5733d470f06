package dev.canopy.candid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.candid.CandidLexer.Kind;
import dev.canopy.candid.CandidLexer.Token;
import dev.canopy.types.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The official Candid conformance suite (dfinity/candid {@code test/*.test.did}, see SOURCE.md
 * beside the files): every {@code assert} is one test named after its file and line.
 *
 * <p>Binary inputs are decoded at the asserted argument types with {@link DecodeLimits#DEFAULT};
 * textual inputs are parsed and typed with {@link CandidText}. Equality is {@link CandidValue}
 * equality, the host-language equality the suite's README asks for. No assertion is skipped.
 */
class CandidConformanceTest {
  private static final String DIR = "conformance/candid/";
  private static final List<String> FILES = List.of(
      "construct.test.did", "overshoot.test.did", "prim.test.did", "reference.test.did",
      "spacebomb.test.did", "subtypes.test.did");
  /**
   * The assertions of the suite at the copied commit. 471 lines start with {@code assert}, but four
   * of them sit inside the explanatory block comment of subtypes.test.did (templates with an
   * {@code XX} placeholder), so 467 are real.
   */
  private static final int ASSERTIONS = 467;

  enum Kind2 {
    DECODES,
    FAILS,
    EQUAL,
    NOT_EQUAL
  }

  record Input(boolean binary, byte[] bytes) {
    List<CandidValue> read(List<CandidType> types) {
      if (binary) {
        return CandidArgs.decode(bytes, types).values();
      }
      return CandidText.parseArgs(new String(bytes, StandardCharsets.UTF_8), types);
    }
  }

  record Assertion(
      String file, int line, Kind2 kind, Input left, Input right, List<CandidType> types,
      String description) {
    String name() {
      return file + ":" + line + (description == null ? "" : " " + description);
    }

    void check() {
      switch (kind) {
        case DECODES -> left.read(types);
        case FAILS -> assertThatThrownBy(() -> left.read(types))
            .as("input must be refused at %s", CandidPrinter.tupleType(types))
            .isInstanceOf(InvalidInputException.class);
        case EQUAL -> assertThat(left.read(types)).isEqualTo(right.read(types));
        case NOT_EQUAL -> assertThat(left.read(types)).isNotEqualTo(right.read(types));
        default -> throw new IllegalStateException();
      }
    }
  }

  @TestFactory
  Stream<DynamicNode> conformanceSuite() throws IOException {
    List<DynamicNode> files = new ArrayList<>();
    for (String file : FILES) {
      List<DynamicNode> tests = new ArrayList<>();
      for (Assertion a : parse(file, read(file))) {
        tests.add(DynamicTest.dynamicTest(a.name(), a::check));
      }
      files.add(DynamicContainer.dynamicContainer(file, tests));
    }
    return files.stream();
  }

  @Test
  void everyAssertionOfTheSuiteIsRun() throws IOException, URISyntaxException {
    int count = 0;
    for (String file : FILES) {
      count += parse(file, read(file)).size();
    }
    assertThat(count).isEqualTo(ASSERTIONS);
    // No test file was added upstream without being listed here.
    URL dir = getClass().getClassLoader().getResource(DIR);
    if (dir != null && dir.getProtocol().equals("file")) {
      try (Stream<Path> listing = Files.list(Paths.get(dir.toURI()))) {
        assertThat(listing.map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".test.did")))
            .containsExactlyInAnyOrderElementsOf(FILES);
      }
    }
  }

  private static String read(String file) throws IOException {
    try (InputStream in = CandidConformanceTest.class.getClassLoader()
        .getResourceAsStream(DIR + file)) {
      if (in == null) {
        throw new IOException("missing test resource " + DIR + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** {@code <def>;* <test>;*} as described in the suite's README. */
  static List<Assertion> parse(String file, String source) {
    CandidParser p = new CandidParser(source);
    p.parseDefinitions();
    List<Assertion> out = new ArrayList<>();
    while (!p.atEnd()) {
      Token start = p.next();
      if (!start.is("assert")) {
        throw CandidParser.error(start, "expected 'assert'");
      }
      Input left = input(p);
      Input right = null;
      Kind2 kind;
      if (p.accept("==")) {
        right = input(p);
        kind = Kind2.EQUAL;
        p.expect(":");
      } else if (p.accept("!=")) {
        right = input(p);
        kind = Kind2.NOT_EQUAL;
        p.expect(":");
      } else if (p.accept("!:")) {
        kind = Kind2.FAILS;
      } else {
        p.expect(":");
        kind = Kind2.DECODES;
      }
      List<CandidType> types = p.parseTupleType();
      String description = null;
      if (p.peek().kind() == Kind.TEXT) {
        description = CandidParser.utf8(p.next());
      }
      p.expect(";");
      out.add(new Assertion(file, start.line(), kind, left, right, types, description));
    }
    p.finishDefinitions();
    return out;
  }

  private static Input input(CandidParser p) {
    boolean binary = p.accept("blob");
    Token text = p.expectKind(Kind.TEXT, "a text literal");
    return new Input(binary, text.bytes());
  }
}
