package dev.canopy.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborFieldException;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RequestIdTest {
  private static final byte[] SPEC_CANISTER = Hex.decode("00000000000004d2");
  private static final byte[] SPEC_ARG = {0x44, 0x49, 0x44, 0x4c, 0x00, (byte) 0xfd, 0x2a};

  private static CborValue labels(String... labels) {
    return new CborArray(
        java.util.Arrays.stream(labels)
            .map(l -> (CborValue) CborValue.bytes(l.getBytes(StandardCharsets.UTF_8)))
            .toList());
  }

  @Test
  void theSpecsWorkedExample() {
    CborMap content =
        CborMap.builder()
            .put("request_type", "call")
            .put("sender", new byte[] {0x04})
            .put("ingress_expiry", CborValue.unsigned(1_685_570_400_000_000_000L))
            .put("canister_id", SPEC_CANISTER)
            .put("method_name", "hello")
            .put("arg", SPEC_ARG)
            .build();
    assertThat(RequestId.of(content))
        .hasToString("1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");
    assertThat(RequestId.of(content).toDisplayString()).startsWith("0x1d1091");
  }

  /** Vectors of the Go agent's request-id tests (aviate-labs/agent-go, request_test.go). */
  @Test
  void theGoAgentsVectorsIncludingNestedPathArrays() {
    assertThat(
            RequestId.of(
                CborMap.builder()
                    .put("request_type", "call")
                    .put("canister_id", SPEC_CANISTER)
                    .put("method_name", "hello")
                    .put("arg", SPEC_ARG)
                    .build()))
        .hasToString("8781291c347db32a9d8c10eb62b710fce5a93be676474c42babc74c51858f94b");
    assertThat(
            RequestId.of(
                CborMap.builder()
                    .put("sender", SPEC_CANISTER)
                    .put("paths", CborArray.of(labels(), labels(""), labels("hello", "world")))
                    .build()))
        .hasToString("97d6f297aea699aec85d3377c7643ea66db810aba5c4372fbc2082c999f452dc");
    assertThat(RequestId.of(CborMap.builder().put("paths", CborArray.of()).build()))
        .hasToString("99daa8c80a61e87ac1fdf9dd49e39963bfe4dafb2a45095ebf4cad72d916d5be");
    assertThat(RequestId.of(CborMap.builder().put("paths", CborArray.of(labels())).build()))
        .hasToString("ea01a9c3d3830db108e0a87995ea0d4183dc9c6e51324e9818fced5c57aa64f5");
    byte[] updateSettingsArg =
        Hex.decode(
            "4449444c066e7d6d686e016c05c0cff27100d7e09b90020280ad988a0400deebb5a90e00a882acc60f00"
                + "6e786c03b3c4b1f20468e3f9f5d90803ca9998b40d0401050" + "10a8000000000100001010100010101010400000000");
    assertThat(
            RequestId.of(
                CborMap.builder()
                    .put("request_type", "call")
                    .put("sender", new byte[] {0x04})
                    .put("ingress_expiry", CborValue.unsigned(1_711_532_558_242_940_000L))
                    .put("canister_id", new byte[0])
                    .put("method_name", "update_settings")
                    .put("arg", updateSettingsArg)
                    .build()))
        .hasToString("3599fd3f4505a6ec44429dddff35a3e1338d9d28c64444cf4632df427d83d3cf");
  }

  @Test
  void everyFieldCountsIncludingOnesThisVersionDoesNotKnow() {
    CborMap.Builder base =
        CborMap.builder()
            .put("request_type", "call")
            .put("sender", new byte[] {0x04})
            .put("ingress_expiry", CborValue.unsigned(1_685_570_400_000_000_000L))
            .put("canister_id", SPEC_CANISTER)
            .put("method_name", "hello")
            .put("arg", SPEC_ARG);
    CborMap known = base.build();
    CborMap withFuture =
        base.put("future_field", CborMap.builder().put("depth", CborValue.unsigned(3)).put("list", CborArray.of(CborValue.text("x"))).build())
            .build();
    Map<String, Object> plain = new LinkedHashMap<>();
    plain.put("request_type", "call");
    plain.put("sender", new byte[] {0x04});
    plain.put("ingress_expiry", 1_685_570_400_000_000_000L);
    plain.put("canister_id", SPEC_CANISTER);
    plain.put("method_name", "hello");
    plain.put("arg", SPEC_ARG);
    plain.put("future_field", Map.of("depth", 3L, "list", List.of("x")));
    assertThat(RequestId.of(withFuture)).isNotEqualTo(RequestId.of(known));
    assertThat(RequestId.of(withFuture).toBytes())
        .isEqualTo(RepresentationIndependentHash.hashOfMap(plain));
  }

  @Test
  void aNatHashesByValueWhetherSentAsU64OrBignum() {
    // {"e": 2(h'01')} and {"e": 1}: the bignum form of a small nat is the same value.
    byte[] bignum = Hex.decode("a16165c24101");
    byte[] small = Hex.decode("a1616501");
    CborMap a = CborDecoder.DEFAULT.decodeMap(bignum, "content");
    CborMap b = CborDecoder.DEFAULT.decodeMap(small, "content");
    assertThat(RequestId.of(a)).isEqualTo(RequestId.of(b));
    BigInteger huge = BigInteger.ONE.shiftLeft(70).add(BigInteger.valueOf(5));
    assertThat(RequestId.of(CborMap.builder().put("n", CborValue.unsigned(huge)).build()).toBytes())
        .isEqualTo(RepresentationIndependentHash.hashOfMap(Map.of("n", huge)));
  }

  @Test
  void aNegativeIntegerHashesAsSignedLeb128() {
    CborMap m = CborMap.builder().put("i", CborValue.integer(BigInteger.valueOf(-123456))).build();
    assertThat(RequestId.of(m).toBytes())
        .isEqualTo(
            RepresentationIndependentHash.hashOfMap(
                Map.of("i", new RepresentationIndependentHash.Int(BigInteger.valueOf(-123456)))));
  }

  @Test
  void valuesWithoutARepresentationIndependentHashAreRefusedNamingTheField() {
    CborMap m =
        CborMap.builder()
            .put("outer", CborMap.builder().put("flag", CborValue.Bool.TRUE).build())
            .build();
    assertThatThrownBy(() -> RequestId.of(m))
        .isInstanceOf(CborFieldException.class)
        .hasMessageContaining("content.outer.flag")
        .hasMessageContaining("a boolean");
  }

  @Test
  void hexFormsRoundTrip() {
    RequestId id = RequestId.fromHex("1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");
    assertThat(RequestId.fromHex(id.toDisplayString())).isEqualTo(id);
    assertThat(RequestId.fromBytes(id.toBytes())).isEqualTo(id).hasSameHashCodeAs(id);
    assertThatThrownBy(() -> RequestId.fromHex("1d10")).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> RequestId.fromHex("zz".repeat(32))).isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> RequestId.fromBytes(new byte[31])).isInstanceOf(InvalidInputException.class);
  }

  /** Ids that share a prefix of {@code shared} bytes and then differ; sign bits set on purpose. */
  private static List<byte[]> adversarialIds(SplittableRandom random) {
    List<byte[]> ids = new ArrayList<>();
    byte[] base = new byte[RequestId.LENGTH_BYTES];
    random.nextBytes(base);
    for (int shared = 0; shared < RequestId.LENGTH_BYTES; shared++) {
      for (int b : new int[] {0x00, 0x01, 0x7f, 0x80, 0xff}) {
        byte[] id = base.clone();
        id[shared] = (byte) b;
        ids.add(id);
      }
    }
    ids.add(new byte[RequestId.LENGTH_BYTES]);
    byte[] ones = new byte[RequestId.LENGTH_BYTES];
    Arrays.fill(ones, (byte) 0xff);
    ids.add(ones);
    byte[] signOnly = new byte[RequestId.LENGTH_BYTES];
    signOnly[0] = (byte) 0x80;
    ids.add(signOnly);
    ids.add(base.clone());
    return ids;
  }

  @Test
  void orderAndEqualityAreThoseOfTheUnsignedBytes() {
    SplittableRandom random = new SplittableRandom(20261121L);
    List<byte[]> ids = adversarialIds(random);
    for (int i = 0; i < 200; i++) {
      byte[] id = new byte[RequestId.LENGTH_BYTES];
      random.nextBytes(id);
      ids.add(id);
    }
    for (byte[] a : ids) {
      for (byte[] b : ids) {
        RequestId x = RequestId.fromBytes(a);
        RequestId y = RequestId.fromBytes(b);
        int expected = Integer.signum(Arrays.compareUnsigned(a, b));
        assertThat(Integer.signum(x.compareTo(y))).as("%s vs %s", x, y).isEqualTo(expected);
        assertThat(x.equals(y)).isEqualTo(expected == 0);
        if (expected == 0) {
          assertThat(x.hashCode()).isEqualTo(y.hashCode());
        }
      }
    }
  }

  @Test
  void sortedIdsAreInUnsignedByteOrder() {
    SplittableRandom random = new SplittableRandom(7L);
    List<byte[]> ids = adversarialIds(random);
    List<RequestId> sorted = new ArrayList<>(ids.stream().map(RequestId::fromBytes).toList());
    Collections.shuffle(sorted, new Random(7L));
    Collections.sort(sorted);
    List<byte[]> expected = new ArrayList<>(ids);
    expected.sort(Arrays::compareUnsigned);
    assertThat(sorted.stream().map(RequestId::toBytes).toList())
        .containsExactlyElementsOf(expected);
  }
}
