package dev.canopy.candid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.candid.CandidType.FuncMode;
import dev.canopy.candid.CandidType.Prim;
import java.util.List;
import org.junit.jupiter.api.Test;

class DidFileTest {
  private static final String COUNTER = """
      // A counter with an owner, as a canister would publish it.
      type Owner = record { id : principal; name : text };
      type Result = variant { ok : nat; err : text };
      type List = opt record { head : nat; tail : List };
      service counter : (init : Owner) -> {
        inc : (by : nat) -> (Result);
        get : () -> (nat) query;
        history : () -> (List) composite_query;
        "reset all" : () -> () oneway;
      }
      """;

  @Test
  void parsesAServiceWithInitArgumentsDefinitionsAndAnnotations() {
    DidFile did = DidFile.parse(COUNTER);

    assertThat(did.definitions()).containsOnlyKeys("Owner", "Result", "List");
    assertThat(did.initArgs()).hasValueSatisfying(args ->
        assertThat(args).containsExactly(did.definition("Owner").orElseThrow()));
    assertThat(did.serviceType().methods()).extracting(CandidType.Method::name)
        .containsExactly("get", "history", "inc", "reset all");
    assertThat(did.method("get").orElseThrow().modes()).containsExactly(FuncMode.QUERY);
    assertThat(did.method("history").orElseThrow().modes())
        .containsExactly(FuncMode.COMPOSITE_QUERY);
    assertThat(did.method("inc").orElseThrow().args()).containsExactly(Prim.NAT);
  }

  @Test
  void printingAndParsingAgainGivesAnEquivalentService() {
    DidFile did = DidFile.parse(COUNTER);

    DidFile again = DidFile.parse(did.toString());

    assertThat(again.toString()).isEqualTo(did.toString());
    assertThat(Subtyping.isSubtype(again.serviceType(), did.serviceType())).isTrue();
    assertThat(Subtyping.isSubtype(did.serviceType(), again.serviceType())).isTrue();
    assertThat(did.toString()).contains("type List = opt record { head : nat; tail : List };")
        .contains("service : (Owner) -> {").contains("\"reset all\" : () -> () oneway;");
  }

  @Test
  void anUpgradeMayAddMethodsResultFieldsAndOptionalArguments() {
    DidFile v1 = DidFile.parse("""
        type T = record { x : nat };
        service : { produce : () -> (T); consume : (T) -> () }""");
    DidFile v2 = DidFile.parse("""
        type T = record { x : nat; y : opt nat };
        service : { produce : () -> (T); consume : (T, opt text) -> (); extra : () -> () }""");

    assertThat(v1.acceptsUpgradeTo(v2)).isTrue();
    assertThat(v2.acceptsUpgradeTo(v1)).isFalse();
  }

  @Test
  void anUpgradeThatBreaksClientsIsRefused() {
    DidFile v1 = DidFile.parse("service : { get : () -> (nat) query; put : (nat) -> () }");

    assertThat(v1.acceptsUpgradeTo(DidFile.parse(
        "service : { get : () -> (int) query; put : (nat) -> () }"))).isFalse();
    assertThat(v1.acceptsUpgradeTo(DidFile.parse(
        "service : { get : () -> (nat); put : (nat) -> () }"))).isFalse();
    assertThat(v1.acceptsUpgradeTo(DidFile.parse(
        "service : { get : () -> (nat) query; put : (nat8) -> () }"))).isFalse();
    assertThat(v1.acceptsUpgradeTo(DidFile.parse("service : { get : () -> (nat) query }")))
        .isFalse();
    assertThat(v1.acceptsUpgradeTo(DidFile.parse(
        "service : { get : () -> (nat) query; put : (int) -> () }"))).isTrue();
  }

  @Test
  void recursiveServicesCompareInFiniteTime() {
    DidFile a = DidFile.parse("type S = service { next : () -> (S) }; service : S");
    DidFile b = DidFile.parse(
        "type S = service { next : () -> (S); other : () -> () }; service : S");

    assertThat(a.acceptsUpgradeTo(b)).isTrue();
    assertThat(b.acceptsUpgradeTo(a)).isFalse();
  }

  @Test
  void badDescriptionsAreRefusedWithAReason() {
    assertThatThrownBy(() -> DidFile.parse("type A = B; type B = A; service : {}"))
        .isInstanceOf(CandidSyntaxException.class).hasMessageContaining("vacuous");
    assertThatThrownBy(() -> DidFile.parse("service : { f : (Unknown) -> () }"))
        .isInstanceOf(CandidSyntaxException.class).hasMessageContaining("unknown type Unknown");
    assertThatThrownBy(() -> DidFile.parse("type T = record { a : nat; a : text };"))
        .isInstanceOf(CandidSyntaxException.class).hasMessageContaining("occurs twice");
    assertThatThrownBy(() -> DidFile.parse("service : nat"))
        .isInstanceOf(CandidSyntaxException.class).hasMessageContaining("service type");
    assertThatThrownBy(() -> DidFile.parse("import \"a.did\"; service : {}"))
        .isInstanceOf(CandidSyntaxException.class).hasMessageContaining("imports");
  }

  @Test
  void decodedResultsPrintWithTheNamesOfTheDescription() {
    DidFile did = DidFile.parse(COUNTER);
    List<CandidType> results = did.method("inc").orElseThrow().results();
    byte[] reply = CandidArgs.builder()
        .add(CandidType.variant(CandidType.field("ok", Prim.NAT)), CandidValue.variant("ok",
            CandidValue.nat(7)))
        .build().encode();

    assertThat(CandidArgs.decode(reply, results).toString()).isEqualTo("(variant { ok = 7 })");
    assertThat(CandidArgs.decode(reply).toString()).isEqualTo("(variant { 24860 = 7 })");
  }
}
