package dev.canopy.types.cbor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Hex;
import dev.canopy.types.RepresentationIndependentHash;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CborMapTest {
  /** The spec's request-id example ("Request ids") as an agent would send it. */
  private static CborMap exampleEnvelope() {
    CborMap content =
        CborMap.builder()
            .put("request_type", "call")
            .put("sender", new byte[] {4})
            .put("ingress_expiry", CborValue.unsigned(1685570400000000000L))
            .put("canister_id", Hex.decode("00000000000004d2"))
            .put("method_name", "hello")
            .put("arg", Hex.decode("4449444c00fd2a"))
            .build();
    return CborMap.builder().put("content", content).build();
  }

  @Test
  void typedAccessorsReadAnEnvelopeAndItsRequestIdMatchesTheSpec() {
    byte[] wire = CborEncoder.encodeWithSelfDescribeTag(exampleEnvelope());
    CborMap envelope = CborDecoder.DEFAULT.decodeMap(wire, "envelope");
    CborMap content = envelope.getMap("content");
    assertThat(content.getText("request_type")).isEqualTo("call");
    assertThat(content.getBytes("sender")).containsExactly(4);
    assertThat(content.getLong("ingress_expiry")).isEqualTo(1685570400000000000L);
    assertThat(content.findBytes("nonce")).isEmpty();

    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("request_type", content.getText("request_type"));
    fields.put("sender", content.getBytes("sender"));
    fields.put("ingress_expiry", content.getUnsigned("ingress_expiry"));
    fields.put("canister_id", content.getBytes("canister_id"));
    fields.put("method_name", content.getText("method_name"));
    fields.put("arg", content.getBytes("arg"));
    assertThat(Hex.encode(RepresentationIndependentHash.hashOfMap(fields)))
        .isEqualTo("1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");
  }

  @Test
  void missingFieldsAreNamed() {
    assertThatThrownBy(() -> exampleEnvelope().getMap("content").getBytes("nonce"))
        .isInstanceOfSatisfying(
            CborFieldException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(CborFieldException.Reason.MISSING_FIELD);
              assertThat(e.field()).isEqualTo("nonce");
            })
        .hasMessageContaining("'nonce'");
  }

  @Test
  void mistypedFieldsAreNamed() {
    CborMap content = exampleEnvelope().getMap("content");
    assertThatThrownBy(() -> content.getBytes("method_name"))
        .isInstanceOfSatisfying(
            CborFieldException.class,
            e -> assertThat(e.reason()).isEqualTo(CborFieldException.Reason.WRONG_TYPE))
        .hasMessage("field 'method_name' must be a byte string, got a text string");
    assertThatThrownBy(() -> content.findText("sender"))
        .isInstanceOf(CborFieldException.class);
  }

  @Test
  void longsOutOfRangeAreNamed() {
    CborMap m =
        CborMap.builder().put("n", CborValue.unsigned(BigInteger.ONE.shiftLeft(63))).build();
    assertThat(m.getUnsigned("n")).isEqualTo(BigInteger.ONE.shiftLeft(63));
    assertThatThrownBy(() -> m.getLong("n"))
        .isInstanceOfSatisfying(
            CborFieldException.class,
            e -> assertThat(e.reason()).isEqualTo(CborFieldException.Reason.OUT_OF_RANGE));
  }

  @Test
  void builderRejectsDuplicateKeys() {
    assertThatThrownBy(() -> CborMap.builder().put("a", "x").put("a", "y"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void byteStringsAreImmutable() {
    byte[] raw = {1, 2};
    CborValue.ByteString b = CborValue.bytes(raw);
    raw[0] = 9;
    b.bytes()[1] = 9;
    assertThat(b.bytes()).containsExactly(1, 2);
  }

  @Test
  void textWithoutAUtf8FormIsRefused() {
    assertThatThrownBy(() -> CborValue.text("a\ud800b")).isInstanceOf(IllegalArgumentException.class);
    assertThat(CborEncoder.encode(CborValue.text("\ud83d\ude00"))).hasSize(5);
  }
}
