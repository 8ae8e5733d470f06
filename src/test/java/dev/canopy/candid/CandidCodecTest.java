package dev.canopy.candid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.candid.CandidType.Prim;
import dev.canopy.types.Hex;
import java.util.List;
import org.junit.jupiter.api.Test;

class CandidCodecTest {

  @Test
  void encodesTheSpecExampleOfARecordWithNamedFields() {
    CandidType t = CandidType.record(
        CandidType.field("foo", Prim.INT), CandidType.field("bar", Prim.BOOL));
    CandidValue v = CandidValue.record(
        CandidValue.field("foo", CandidValue.integer(42)),
        CandidValue.field("bar", CandidValue.bool(true)));

    // The same bytes as construct.test.did "record: named fields".
    assertThat(Hex.encode(CandidEncoder.encode(List.of(t), List.of(v))))
        .isEqualTo("4449444c016c02d3e3aa027e868eb7027c0100012a");
  }

  @Test
  void aRecursiveTypeIsOneTableEntryThatRefersToItself() {
    CandidType list = RandomCandid.list(Prim.NAT);
    CandidValue two = CandidValue.some(CandidValue.record(
        CandidValue.field("head", CandidValue.nat(1)),
        CandidValue.field("tail", CandidValue.some(CandidValue.record(
            CandidValue.field("head", CandidValue.nat(2)),
            CandidValue.field("tail", CandidValue.none()))))));

    byte[] bytes = CandidEncoder.encode(List.of(list), List.of(two));

    assertThat(bytes[4]).as("type table size").isEqualTo((byte) 2);
    assertThat(CandidArgs.decode(bytes, List.of(list)).values()).containsExactly(two);
  }

  @Test
  void encodingAValueThatDoesNotFitNamesTheField() {
    CandidType t = CandidText.parseType("record { a : record { b : nat8 } }");
    CandidValue v = CandidValue.record(CandidValue.field("a",
        CandidValue.record(CandidValue.field("b", CandidValue.text("x")))));

    assertThatThrownBy(() -> CandidEncoder.encode(List.of(t), List.of(v)))
        .isInstanceOf(CandidEncodeException.class)
        .hasMessageStartingWith("argument 0.a.b: expected a value of type nat8");
  }

  @Test
  void limitsOnTheTypeTableDepthAndCostAreEnforcedWithOffsets() {
    byte[] twoEntries = Hex.decode("4449444c026e7c6e7d00");
    assertThatThrownBy(() -> CandidDecoder.decode(twoEntries, List.of(),
        DecodeLimits.builder().maxTypeTableEntries(1).build()))
        .isInstanceOf(CandidDecodeException.class)
        .hasMessageContaining("type table of 2 entries exceeds the limit of 1");

    CandidType nested = CandidText.parseType("opt opt opt opt nat");
    byte[] deep = CandidEncoder.encode(List.of(nested), List.of(CandidValue.some(CandidValue.some(
        CandidValue.some(CandidValue.some(CandidValue.nat(1)))))));
    assertThatThrownBy(() -> CandidDecoder.decode(deep, List.of(nested),
        DecodeLimits.builder().maxDepth(3).build()))
        .isInstanceOf(CandidDecodeException.class).hasMessageContaining("deeper than the limit");

    byte[] manyNulls = Hex.decode("4449444c016d7f0100e807"); // vec null of 1000 elements
    assertThat(CandidDecoder.decode(manyNulls, List.of(CandidType.vec(Prim.NULL)),
        DecodeLimits.DEFAULT).get(0)).isEqualTo(CandidValue.vec(java.util.Collections.nCopies(
            1000, CandidValue.NULL)));
    CandidDecodeException e = org.junit.jupiter.api.Assertions.assertThrows(
        CandidDecodeException.class, () -> CandidDecoder.decode(manyNulls,
            List.of(CandidType.vec(Prim.NULL)),
            DecodeLimits.builder().baseCostUnits(500).costUnitsPerInputByte(0).build()));
    assertThat(e).hasMessageContaining("decoding cost exceeds the budget of 500 units");
    assertThat(e.offset()).isEqualTo(11);
  }

  @Test
  void decodingAtASupertypeDropsFieldsAndDefaultsOptionalOnes() {
    CandidType sent = CandidText.parseType("record { a : nat; b : text; c : vec nat }");
    CandidType expected = CandidText.parseType("record { a : int; d : opt text; e : reserved }");
    byte[] bytes = CandidEncoder.encode(List.of(sent), CandidText.parseArgs(
        "(record { a = 1; b = \"x\"; c = vec { 1; 2 } })", List.of(sent)));

    assertThat(CandidArgs.decode(bytes, List.of(expected)).toString())
        .isEqualTo("(record { a = 1; d = null; e = null })");
  }
}
