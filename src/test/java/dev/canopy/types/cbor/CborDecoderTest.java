package dev.canopy.types.cbor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborDecodeException.Reason;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class CborDecoderTest {
  private static CborValue decode(String hex) {
    return CborDecoder.DEFAULT.decode(Hex.decode(hex));
  }

  private static void rejects(String hex, Reason reason, long offset) {
    rejects(CborDecoder.DEFAULT, hex, reason, offset);
  }

  private static void rejects(CborDecoder decoder, String hex, Reason reason, long offset) {
    assertThatThrownBy(() -> decoder.decode(Hex.decode(hex)))
        .isInstanceOf(CborDecodeException.class)
        .isInstanceOf(InvalidInputException.class)
        .satisfies(
            e -> {
              CborDecodeException c = (CborDecodeException) e;
              assertThat(c.reason()).as(c.getMessage()).isEqualTo(reason);
              assertThat(c.offset()).as(c.getMessage()).isEqualTo(offset);
            });
  }

  @Test
  void decodesIntegersToSixtyFourBitsAndBignums() {
    assertThat(decode("1bffffffffffffffff")).isEqualTo(CborValue.UnsignedInt.ofUnsignedBits(-1L));
    assertThat(decode("3bffffffffffffffff"))
        .isEqualTo(new CborValue.NegativeInt(BigInteger.ONE.shiftLeft(64).negate()));
    assertThat(decode("c249010000000000000000"))
        .isEqualTo(CborValue.unsigned(BigInteger.ONE.shiftLeft(64)));
    assertThat(decode("c349010000000000000000"))
        .isEqualTo(
            new CborValue.NegativeInt(BigInteger.ONE.shiftLeft(64).negate().subtract(BigInteger.ONE)));
    assertThat(decode("c240")).isEqualTo(CborValue.unsigned(0)); // empty bignum is zero
  }

  @Test
  void acceptsLongerHeadsThanNeeded() {
    assertThat(decode("1b0000000000000001")).isEqualTo(CborValue.unsigned(1));
    assertThat(decode("7800")).isEqualTo(CborValue.text(""));
  }

  @Test
  void stripsTheSelfDescribeTagAtTheTop() {
    assertThat(decode("d9d9f7a0")).isEqualTo(CborMap.builder().build());
    assertThat(decode("da0000d9f701")).isEqualTo(CborValue.unsigned(1)); // a longer head too
  }

  @Test
  void decodesNestedStructuresKeepingMapOrder() {
    CborMap m = (CborMap) decode("a26162820102616140");
    assertThat(m.entries().keySet())
        .containsExactly(CborValue.text("b"), CborValue.text("a"));
    assertThat(m.getArray("b").items())
        .containsExactly(CborValue.unsigned(1), CborValue.unsigned(2));
    assertThat(m.getBytes("a")).isEmpty();
    assertThat(decode("83f4f5f6"))
        .isEqualTo(
            CborArray.of(CborValue.Bool.FALSE, CborValue.Bool.TRUE, CborValue.Null.INSTANCE));
  }

  @Test
  void rejectsTruncatedInput() {
    rejects("", Reason.TRUNCATED, 0);
    rejects("19 01".replace(" ", ""), Reason.TRUNCATED, 0);
    rejects("d9d9", Reason.TRUNCATED, 0);
    rejects("d9d9f7", Reason.TRUNCATED, 3);
    rejects("83010218", Reason.TRUNCATED, 3);
  }

  @Test
  void rejectsTrailingBytes() {
    rejects("0102", Reason.TRAILING_BYTES, 1);
    rejects("d9d9f7a000", Reason.TRAILING_BYTES, 4);
  }

  @Test
  void rejectsInputBeyondTheSizeLimit() {
    CborDecoder small =
        CborDecoder.builder().limits(CborLimits.DEFAULT.withMaxSizeBytes(4)).build();
    assertThat(small.decode(Hex.decode("43010203"))).isEqualTo(CborValue.bytes(new byte[] {1, 2, 3}));
    rejects(small, "4401020304", Reason.TOO_LARGE, 4);
  }

  @Test
  void rejectsNestingBeyondTheDepthLimit() {
    CborDecoder shallow = CborDecoder.builder().limits(CborLimits.DEFAULT.withMaxDepth(3)).build();
    assertThat(shallow.decode(Hex.decode("818180"))).isNotNull();
    rejects(shallow, "81818180", Reason.TOO_DEEP, 3);
    rejects(shallow, "a1616181a1616280", Reason.TOO_DEEP, 5);
    rejects(shallow, "8181c24101", Reason.TOO_DEEP, 3); // a bignum's content is one level down
  }

  @Test
  void deepInputIsATypedErrorNotAStackOverflow() {
    byte[] deep = new byte[200_000];
    java.util.Arrays.fill(deep, (byte) 0x81);
    assertThatThrownBy(() -> CborDecoder.DEFAULT.decode(deep))
        .isInstanceOfSatisfying(
            CborDecodeException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_DEEP));
  }

  @Test
  void rejectsMoreItemsThanTheLimit() {
    CborDecoder few = CborDecoder.builder().limits(CborLimits.DEFAULT.withMaxItemCount(3)).build();
    assertThat(few.decode(Hex.decode("820102"))).isNotNull();
    rejects(few, "8201820102", Reason.TOO_MANY_ITEMS, 2);
    // A container that declares too many items is refused before its items are read.
    rejects(few, "83010203", Reason.TOO_MANY_ITEMS, 0);
    rejects(few, "a2616101616202", Reason.TOO_MANY_ITEMS, 0);
  }

  @Test
  void rejectsLengthsLongerThanTheRemainingInputBeforeAllocating() {
    rejects("5bffffffffffffffff", Reason.LENGTH_EXCEEDS_INPUT, 0);
    rejects("5b7fffffffffffffff", Reason.LENGTH_EXCEEDS_INPUT, 0);
    rejects("5a7fffffff00", Reason.LENGTH_EXCEEDS_INPUT, 0);
    rejects("7a0000000561", Reason.LENGTH_EXCEEDS_INPUT, 0);
    rejects("9b00000000ffffffff01", Reason.LENGTH_EXCEEDS_INPUT, 0);
    rejects("8281" + "9affffffff", Reason.LENGTH_EXCEEDS_INPUT, 2);
    rejects("a2616101", Reason.LENGTH_EXCEEDS_INPUT, 0); // two entries need at least four bytes
  }

  @Test
  void rejectsIndefiniteLengths() {
    rejects("5f4101ff", Reason.INDEFINITE_LENGTH, 0);
    rejects("7f6161ff", Reason.INDEFINITE_LENGTH, 0);
    rejects("9f01ff", Reason.INDEFINITE_LENGTH, 0);
    rejects("bf616101ff", Reason.INDEFINITE_LENGTH, 0);
    rejects("8201ff", Reason.INDEFINITE_LENGTH, 2); // a stray break
  }

  @Test
  void rejectsReservedAdditionalInformation() {
    rejects("1c", Reason.RESERVED_ADDITIONAL_INFO, 0);
    rejects("5d", Reason.RESERVED_ADDITIONAL_INFO, 0);
    rejects("1f", Reason.RESERVED_ADDITIONAL_INFO, 0);
    rejects("df", Reason.RESERVED_ADDITIONAL_INFO, 0);
  }

  @Test
  void rejectsFloats() {
    rejects("f93c00", Reason.FLOAT, 0);
    rejects("fa47c35000", Reason.FLOAT, 0);
    rejects("a16161fb3ff199999999999a", Reason.FLOAT, 3);
  }

  @Test
  void rejectsOtherSimpleValues() {
    rejects("f7", Reason.UNSUPPORTED_SIMPLE_VALUE, 0); // undefined
    rejects("f0", Reason.UNSUPPORTED_SIMPLE_VALUE, 0);
    rejects("f8ff", Reason.UNSUPPORTED_SIMPLE_VALUE, 0);
  }

  @Test
  void rejectsTagsOtherThanBignumsAndTopLevelSelfDescribe() {
    rejects("c11a514b67b0", Reason.UNKNOWN_TAG, 0);
    rejects("d82076687474703a2f2f7777772e6578616d706c652e636f6d", Reason.UNKNOWN_TAG, 0);
    rejects("81d9d9f701", Reason.UNKNOWN_TAG, 1); // self-describe only around the top item
    rejects("d9d9f7d9d9f701", Reason.UNKNOWN_TAG, 3);
    rejects("c201", Reason.INVALID_BIGNUM, 0);
  }

  @Test
  void rejectsInvalidUtf8() {
    rejects("62c328", Reason.INVALID_UTF8, 0);
    rejects("63eda080", Reason.INVALID_UTF8, 0); // an encoded surrogate
    rejects("62c080", Reason.INVALID_UTF8, 0); // overlong
    rejects("8161ff", Reason.INVALID_UTF8, 1);
  }

  @Test
  void rejectsDuplicateKeys() {
    rejects("a26161016161 02".replace(" ", ""), Reason.DUPLICATE_KEY, 4);
    // The same key with a longer head is still the same key.
    rejects("a2616101780161 02".replace(" ", ""), Reason.DUPLICATE_KEY, 4);
    CborDecoder anyKeys = CborDecoder.builder().textKeysOnly(false).build();
    rejects(anyKeys, "a201011b000000000000000102", Reason.DUPLICATE_KEY, 3);
  }

  @Test
  void rejectsNonTextKeysUnlessAllowed() {
    rejects("a10102", Reason.NON_TEXT_KEY, 1);
    rejects("a1616aa14101f6", Reason.NON_TEXT_KEY, 4);
    CborDecoder anyKeys = CborDecoder.builder().textKeysOnly(false).build();
    assertThat(anyKeys.decode(Hex.decode("a10102")))
        .isEqualTo(CborMap.builder().put(CborValue.unsigned(1), CborValue.unsigned(2)).build());
  }

  @Test
  void errorsNameTheOffset() {
    assertThatThrownBy(() -> decode("0102")).hasMessageContaining("at byte 1");
  }
}
