package dev.canopy.types.cbor;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/** Random CBOR values of every kind the decoder accepts (no tags: they decode to integers). */
final class CborValues {
  private CborValues() {}

  static Arbitrary<CborValue> values() {
    return Arbitraries.recursive(CborValues::scalars, CborValues::containers, 0, 3);
  }

  static Arbitrary<CborValue> scalars() {
    Arbitrary<BigInteger> integers =
        Arbitraries.oneOf(
            Arbitraries.bigIntegers().between(BigInteger.valueOf(-30), BigInteger.valueOf(300)),
            Arbitraries.bigIntegers()
                .between(BigInteger.ONE.shiftLeft(70).negate(), BigInteger.ONE.shiftLeft(70)),
            Arbitraries.of(
                BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE),
                BigInteger.ONE.shiftLeft(64),
                BigInteger.ONE.shiftLeft(64).negate(),
                BigInteger.ONE.shiftLeft(64).negate().subtract(BigInteger.ONE),
                BigInteger.valueOf(Long.MAX_VALUE),
                BigInteger.valueOf(Long.MIN_VALUE)));
    return Arbitraries.oneOf(
        integers.map(CborValue::integer),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(CborValue::bytes),
        Arbitraries.strings()
            .ofMaxLength(30)
            .filter(CborValue.TextString::isWellFormedUtf16)
            .map(CborValue::text),
        Arbitraries.of("a", "\u00e9", "\u6c34", "\ud83d\ude00")
            .list()
            .ofMaxSize(5)
            .map(parts -> CborValue.text(String.join("", parts))),
        Arbitraries.of(CborValue.Bool.TRUE, CborValue.Bool.FALSE, CborValue.Null.INSTANCE));
  }

  private static Arbitrary<CborValue> containers(Arbitrary<CborValue> inner) {
    Arbitrary<CborValue> arrays = inner.list().ofMaxSize(4).map(CborArray::new);
    Arbitrary<CborValue> maps =
        Arbitraries.maps(Arbitraries.oneOf(scalars(), inner), inner).ofMaxSize(4).map(CborMap::new);
    Arbitrary<CborValue> textKeyed =
        Arbitraries.maps(
                Arbitraries.strings()
                    .ofMaxLength(8)
                    .filter(CborValue.TextString::isWellFormedUtf16)
                    .map(CborValue::text),
                inner)
            .ofMaxSize(4)
            .map(m -> new CborMap(new java.util.LinkedHashMap<CborValue, CborValue>(m)));
    return Arbitraries.oneOf(inner, arrays, maps, textKeyed);
  }
}
