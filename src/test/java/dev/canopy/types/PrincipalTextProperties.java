package dev.canopy.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link Principal#fromText} either parses or says why not, never anything else. */
class PrincipalTextProperties {
  @Property(tries = 500, seed = "20261121")
  void randomTextParsesOrFailsTyped(@ForAll("principalLikeText") String text) {
    parseOrTypedError(text);
  }

  @Property(tries = 500, seed = "20261122")
  void mutatedValidTextParsesOrFailsTyped(
      @ForAll("principalBytes") byte[] bytes, @ForAll("mutations") List<Mutation> mutations) {
    byte[] text = Principal.fromBytes(bytes).toText().getBytes(StandardCharsets.US_ASCII);
    String mutated = new String(Mutation.applyAll(text, mutations), StandardCharsets.ISO_8859_1);
    Principal p = parseOrTypedError(mutated);
    if (p != null) {
      // Whatever parses is canonical: it prints back to the same text, up to case.
      assertThat(p.toText()).isEqualToIgnoringCase(mutated);
    }
  }

  @Property(tries = 300, seed = "20261123")
  void textRoundTrips(@ForAll("principalBytes") byte[] bytes) {
    Principal p = Principal.fromBytes(bytes);
    assertThat(Principal.fromText(p.toText())).isEqualTo(p);
    assertThat(Principal.fromText(p.toText().toUpperCase())).isEqualTo(p);
  }

  private static Principal parseOrTypedError(String text) {
    try {
      return Principal.fromText(text);
    } catch (PrincipalFormatException e) {
      assertThat(e.getMessage()).isNotBlank();
      return null;
    }
  }

  @Provide
  Arbitrary<String> principalLikeText() {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz234567-").ofMaxLength(70),
        Arbitraries.strings().all().ofMaxLength(70),
        Arbitraries.strings().withChars("aAbB2-7\u0000\u00e9\ud83d\ude00").ofMaxLength(70));
  }

  @Provide
  Arbitrary<byte[]> principalBytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(Principal.MAX_LENGTH_BYTES);
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Mutation.some();
  }
}
