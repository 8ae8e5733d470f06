package dev.canopy.types;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RepresentationIndependentHashTest {
  @Test
  void specRequestIdExample() {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("request_type", "call");
    content.put("sender", Principal.ANONYMOUS);
    content.put("ingress_expiry", 1685570400000000000L);
    content.put("canister_id", Hex.decode("00000000000004d2"));
    content.put("method_name", "hello");
    content.put("arg", "DIDL\u0000\u00fd*".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(Hex.encode(RepresentationIndependentHash.hashOfMap(content)))
        .isEqualTo("1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");
  }

  @Test
  void absentFieldsAndFieldOrderDoNotMatter() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("a", "x");
    a.put("b", 1L);
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("b", BigInteger.ONE);
    b.put("c", null);
    b.put("a", "x");
    assertThat(RepresentationIndependentHash.hashOfMap(a))
        .isEqualTo(RepresentationIndependentHash.hashOfMap(b));
  }

  @Test
  void arraysHashTheirElementHashes() {
    byte[] label = "time".getBytes(StandardCharsets.UTF_8);
    byte[] expected = Hashing.sha256(Hashing.sha256(Hashing.sha256(label)));
    assertThat(RepresentationIndependentHash.hashOfValue(List.of(List.of(label))))
        .isEqualTo(expected);
  }

  @Test
  void leb128() {
    assertThat(Leb128.encodeUnsigned(624485L)).isEqualTo(Hex.decode("e58e26"));
    assertThat(Leb128.encodeSigned(BigInteger.valueOf(-123456))).isEqualTo(Hex.decode("c0bb78"));
    assertThat(Leb128.encodeUnsigned(-1L)).isEqualTo(Hex.decode("ffffffffffffffffff01"));
  }
}
