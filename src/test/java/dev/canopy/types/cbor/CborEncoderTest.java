package dev.canopy.types.cbor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.Hex;
import dev.canopy.types.cbor.CborValue.Bool;
import dev.canopy.types.cbor.CborValue.NegativeInt;
import dev.canopy.types.cbor.CborValue.Null;
import dev.canopy.types.cbor.CborValue.Tagged;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 8949 Appendix A vectors, and the §4.2.1 deterministic rules. */
class CborEncoderTest {
  private static String hex(CborValue v) {
    return Hex.encode(CborEncoder.encode(v));
  }

  @Test
  void integersUseTheShortestHead() {
    assertThat(hex(CborValue.unsigned(0))).isEqualTo("00");
    assertThat(hex(CborValue.unsigned(23))).isEqualTo("17");
    assertThat(hex(CborValue.unsigned(24))).isEqualTo("1818");
    assertThat(hex(CborValue.unsigned(100))).isEqualTo("1864");
    assertThat(hex(CborValue.unsigned(1000))).isEqualTo("1903e8");
    assertThat(hex(CborValue.unsigned(1000000))).isEqualTo("1a000f4240");
    assertThat(hex(CborValue.unsigned(1000000000000L))).isEqualTo("1b000000e8d4a51000");
    assertThat(hex(CborValue.UnsignedInt.ofUnsignedBits(-1L))).isEqualTo("1bffffffffffffffff");
    assertThat(hex(NegativeInt.of(-1))).isEqualTo("20");
    assertThat(hex(NegativeInt.of(-10))).isEqualTo("29");
    assertThat(hex(NegativeInt.of(-100))).isEqualTo("3863");
    assertThat(hex(NegativeInt.of(-1000))).isEqualTo("3903e7");
  }

  @Test
  void integersBeyond64BitsAreBignumsWithoutLeadingZeros() {
    BigInteger twoTo64 = BigInteger.ONE.shiftLeft(64);
    assertThat(hex(CborValue.unsigned(twoTo64))).isEqualTo("c249010000000000000000");
    assertThat(hex(new NegativeInt(twoTo64.negate()))).isEqualTo("3bffffffffffffffff");
    assertThat(hex(new NegativeInt(twoTo64.negate().subtract(BigInteger.ONE))))
        .isEqualTo("c349010000000000000000");
  }

  @Test
  void stringsArraysAndSimpleValues() {
    assertThat(hex(CborValue.text(""))).isEqualTo("60");
    assertThat(hex(CborValue.text("IETF"))).isEqualTo("6449455446");
    assertThat(hex(CborValue.text("\u00fc"))).isEqualTo("62c3bc");
    assertThat(hex(CborValue.text("\u6c34"))).isEqualTo("63e6b0b4");
    assertThat(hex(CborValue.text("\ud800\udd51"))).isEqualTo("64f0908591");
    assertThat(hex(CborValue.text("a\u00fc\u6c34\ud800\udd51"))).isEqualTo("6a61c3bce6b0b4f0908591");
    assertThat(hex(CborValue.bytes(new byte[0]))).isEqualTo("40");
    assertThat(hex(CborValue.bytes(new byte[] {1, 2, 3, 4}))).isEqualTo("4401020304");
    assertThat(hex(CborArray.of())).isEqualTo("80");
    assertThat(
            hex(
                CborArray.of(
                    CborValue.unsigned(1),
                    CborArray.of(CborValue.unsigned(2), CborValue.unsigned(3)),
                    CborArray.of(CborValue.unsigned(4), CborValue.unsigned(5)))))
        .isEqualTo("8301820203820405");
    List<CborValue> items = new ArrayList<>();
    for (int i = 1; i <= 25; i++) {
      items.add(CborValue.unsigned(i));
    }
    assertThat(hex(new CborArray(items)))
        .isEqualTo("98190102030405060708090a0b0c0d0e0f101112131415161718181819");
    assertThat(hex(Bool.FALSE)).isEqualTo("f4");
    assertThat(hex(Bool.TRUE)).isEqualTo("f5");
    assertThat(hex(Null.INSTANCE)).isEqualTo("f6");
    assertThat(hex(new Tagged(55799, CborValue.unsigned(1)))).isEqualTo("d9d9f701");
  }

  @Test
  void mapKeysAreSortedByTheirEncodedBytes() {
    // RFC 8949 §4.2.1: 10, 100, -1, "z", "aa", [100], [-1], false.
    CborMap map =
        CborMap.builder()
            .put(Bool.FALSE, CborValue.unsigned(7))
            .put(CborArray.of(NegativeInt.of(-1)), CborValue.unsigned(6))
            .put(CborArray.of(CborValue.unsigned(100)), CborValue.unsigned(5))
            .put(CborValue.text("aa"), CborValue.unsigned(4))
            .put(CborValue.text("z"), CborValue.unsigned(3))
            .put(NegativeInt.of(-1), CborValue.unsigned(2))
            .put(CborValue.unsigned(100), CborValue.unsigned(1))
            .put(CborValue.unsigned(10), CborValue.unsigned(0))
            .build();
    assertThat(hex(map)).isEqualTo("a80a001864012002617a036261610481186405812006f407");
  }

  @Test
  void rfcMapExample() {
    CborMap map =
        CborMap.builder()
            .put("b", CborArray.of(CborValue.unsigned(2), CborValue.unsigned(3)))
            .put("a", CborValue.unsigned(1))
            .build();
    assertThat(hex(map)).isEqualTo("a26161016162820203");
  }

  @Test
  void selfDescribeTagIsAnOption() {
    assertThat(Hex.encode(CborEncoder.encodeWithSelfDescribeTag(CborMap.builder().build())))
        .isEqualTo("d9d9f7a0");
  }

  @Test
  void decodingNonCanonicalInputThenEncodingGivesTheCanonicalForm() {
    // {"b": 1 (with a one-byte head), "a": bignum 1}: sorted keys, shortest heads, no bignum.
    CborValue v = CborDecoder.DEFAULT.decode(Hex.decode("a2616218016161c24101"));
    assertThat(hex(v)).isEqualTo("a2616101616201");
  }
}
