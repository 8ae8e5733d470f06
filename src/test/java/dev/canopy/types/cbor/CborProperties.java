package dev.canopy.types.cbor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.Mutation;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The decoder either decodes or throws {@link CborDecodeException} (never anything else, whatever
 * the bytes), and canonical encodings round-trip.
 */
class CborProperties {
  private static final CborDecoder ANY_KEYS = CborDecoder.builder().textKeysOnly(false).build();
  private static final CborDecoder SMALL =
      CborDecoder.builder()
          .textKeysOnly(false)
          .limits(new CborLimits(256, 4, 64))
          .build();

  @Property(tries = 1000, seed = "8949001")
  void randomBytesDecodeOrFailTyped(@ForAll("randomBytes") byte[] input) {
    decodeOrTypedError(CborDecoder.DEFAULT, input);
    decodeOrTypedError(ANY_KEYS, input);
    decodeOrTypedError(SMALL, input);
  }

  @Property(tries = 1000, seed = "8949002")
  void mutatedEncodingsDecodeOrFailTyped(
      @ForAll("values") CborValue value, @ForAll("mutations") List<Mutation> mutations) {
    byte[] input = Mutation.applyAll(CborEncoder.encodeWithSelfDescribeTag(value), mutations);
    decodeOrTypedError(CborDecoder.DEFAULT, input);
    decodeOrTypedError(ANY_KEYS, input);
    decodeOrTypedError(SMALL, input);
  }

  @Property(tries = 500, seed = "8949003")
  void canonicalEncodingsRoundTrip(@ForAll("values") CborValue value) {
    byte[] encoded = CborEncoder.encode(value);
    CborValue decoded = ANY_KEYS.decode(encoded);
    assertThat(decoded).isEqualTo(value);
    // Equal values give equal bytes, whatever the map order they were built in.
    assertThat(CborEncoder.encode(decoded)).isEqualTo(encoded);
    assertThat(ANY_KEYS.decode(CborEncoder.encodeWithSelfDescribeTag(value))).isEqualTo(value);
  }

  @Property(tries = 300, seed = "8949004")
  void everyTruncationIsRejected(@ForAll("values") CborValue value) {
    byte[] encoded = CborEncoder.encode(value);
    for (int length = 0; length < encoded.length; length++) {
      byte[] prefix = java.util.Arrays.copyOf(encoded, length);
      try {
        ANY_KEYS.decode(prefix);
        throw new AssertionError("a strict prefix of a data item decoded: " + value);
      } catch (CborDecodeException e) {
        assertThat(e.reason())
            .isIn(CborDecodeException.Reason.TRUNCATED, CborDecodeException.Reason.LENGTH_EXCEEDS_INPUT);
      }
    }
  }

  private static void decodeOrTypedError(CborDecoder decoder, byte[] input) {
    try {
      decoder.decode(input);
    } catch (CborDecodeException e) {
      assertThat(e.offset()).isBetween(0L, (long) Math.max(input.length, decoder.limits().maxSizeBytes()));
      assertThat(e.reason()).isNotNull();
    }
  }

  @Provide
  Arbitrary<byte[]> randomBytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
  }

  @Provide
  Arbitrary<CborValue> values() {
    return CborValues.values();
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Mutation.some();
  }
}
