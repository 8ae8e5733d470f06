package dev.canopy.candid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.candid.CandidType.Prim;
import dev.canopy.types.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;

class CandidTextTest {

  @Test
  void aRecordWithNumericAndNamedFieldsParsesAtItsType() {
    CandidType t = CandidText.parseType("record { 1 : text; name : opt nat8 }");

    List<CandidValue> v = CandidText.parseArgs("(record { 1 = \"a\"; name = opt 5 })", List.of(t));

    assertThat(v).containsExactly(CandidValue.record(
        CandidValue.field(1, CandidValue.text("a")),
        CandidValue.field("name", CandidValue.some(CandidValue.nat8(5)))));
  }

  @Test
  void printingWithATypeUsesItsFieldNames() {
    CandidType t = CandidText.parseType("record { name : text; age : nat8; tags : vec text }");
    CandidValue v = CandidValue.record(
        CandidValue.field("name", CandidValue.text("ada")),
        CandidValue.field("age", CandidValue.nat8(36)),
        CandidValue.field("tags", CandidValue.vec(CandidValue.text("x"))));

    assertThat(CandidPrinter.value(v, t))
        .isEqualTo("record { age = 36; name = \"ada\"; tags = vec { \"x\" } }");
    // Without a type only the hashes are known, and fixed-size numbers say their type.
    assertThat(CandidPrinter.value(v)).isEqualTo(
        "record { 4846783 = 36 : nat8; 1224700491 = \"ada\"; 1291236569 = vec { \"x\" } }");
  }

  @Test
  void blobsPrincipalsAndFunctionReferences() {
    List<CandidType> types = List.of(
        CandidType.blob(), Prim.PRINCIPAL, CandidText.parseType("func () -> ()"));

    List<CandidValue> v = CandidText.parseArgs(
        "(blob \"\\de\\ad\", principal \"aaaaa-aa\", func \"w7x7r-cok77-xa\".m)", types);

    assertThat(v).containsExactly(
        CandidValue.blob(new byte[] {(byte) 0xde, (byte) 0xad}),
        CandidValue.principal(Principal.MANAGEMENT_CANISTER),
        CandidValue.func(Principal.fromText("w7x7r-cok77-xa"), "m"));
    assertThat(CandidPrinter.args(v, types))
        .isEqualTo("(blob \"\\de\\ad\", principal \"aaaaa-aa\", func \"w7x7r-cok77-xa\".m)");
  }

  @Test
  void numbersWithTypeAnnotationsAreInferredForTheCommandLine() {
    CandidArgs args = CandidText.parseUntypedArgs(
        "(42 : nat8, -7, 1.5, \"hi\", vec { 1; 2 }, record { a = true }, variant { ok })");

    assertThat(args.types()).containsExactly(
        Prim.NAT8, Prim.INT, Prim.FLOAT64, Prim.TEXT, CandidType.vec(Prim.INT),
        CandidType.record(CandidType.field("a", Prim.BOOL)),
        CandidType.variant(CandidType.field("ok", Prim.NULL)));
    assertThat(args.values().get(0)).isEqualTo(CandidValue.nat8(42));
    assertThat(CandidArgs.decode(args.encode()).values()).isEqualTo(args.values());
    assertThat(args.toString()).isEqualTo(
        "(42, -7, 1.5, \"hi\", vec { 1; 2 }, record { a = true }, variant { ok })");
  }

  @Test
  void anAnnotationIsCoercedToTheExpectedType() {
    assertThat(CandidText.parseArgs("(5 : nat)", List.of(Prim.INT)))
        .containsExactly(CandidValue.integer(5));
    assertThatThrownBy(() -> CandidText.parseArgs("(5 : nat8)", List.of(Prim.NAT)))
        .isInstanceOf(CandidSyntaxException.class);
  }

  @Test
  void outOfRangeAndMalformedValuesAreRefusedWithAPosition() {
    assertThatThrownBy(() -> CandidText.parseArgs("(256)", List.of(Prim.NAT8)))
        .isInstanceOf(CandidSyntaxException.class)
        .hasMessageContaining("out of range for nat8")
        .hasMessageContaining("line 1, column 2");
    assertThatThrownBy(() -> CandidText.parseArgs("(record { a = 1 ", List.of(Prim.RESERVED)))
        .isInstanceOf(CandidSyntaxException.class);
    assertThatThrownBy(() -> CandidText.parseArgs("(\"\\ff\")", List.of(Prim.TEXT)))
        .hasMessageContaining("UTF-8");
    assertThatThrownBy(() -> CandidText.parseArgs("(principal \"aaaaa-ab\")",
        List.of(Prim.PRINCIPAL))).isInstanceOf(CandidSyntaxException.class);
  }

  @Test
  void deeplyNestedTextIsRefusedRatherThanOverflowingTheStack() {
    String deep = "(" + "opt ".repeat(5_000) + "null)";

    assertThatThrownBy(() -> CandidText.parseArgs(deep))
        .isInstanceOf(CandidSyntaxException.class)
        .hasMessageContaining("nesting deeper");
  }

  @Test
  void commentsNestAndHexAndUnderscoresAreNumbers() {
    List<CandidValue> v = CandidText.parseArgs(
        "( /* a /* nested */ comment */ 0xff, 1_000 // trailing\n )",
        List.of(Prim.NAT16, Prim.NAT));

    assertThat(v).containsExactly(CandidValue.nat16(255), CandidValue.nat(1000));
  }
}
