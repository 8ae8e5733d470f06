package dev.canopy.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrincipalTest {
  @Test
  void specVectorAbcd01() {
    Principal p = Principal.fromBytes(Hex.decode("abcd01"));
    assertThat(p.toText()).isEqualTo("em77e-bvlzu-aq");
    assertThat(Principal.fromText("em77e-bvlzu-aq")).isEqualTo(p);
    assertThat(p.kind()).isEqualTo(Principal.Kind.OPAQUE);
  }

  @Test
  void managementCanisterIsTheEmptyBlob() {
    assertThat(Principal.MANAGEMENT_CANISTER.toText()).isEqualTo("aaaaa-aa");
    assertThat(Principal.fromText("aaaaa-aa").toBytes()).isEmpty();
    assertThat(Principal.fromText("aaaaa-aa").kind()).isEqualTo(Principal.Kind.MANAGEMENT);
  }

  @Test
  void anonymous() {
    assertThat(Principal.ANONYMOUS.toText()).isEqualTo("2vxsx-fae");
    assertThat(Principal.fromText("2vxsx-fae").isAnonymous()).isTrue();
  }

  @Test
  void canisterIdIndexZeroAndTwo() {
    assertThat(CanisterId.fromIndex(0).toText()).isEqualTo("rwlgt-iiaaa-aaaaa-aaaaa-cai");
    assertThat(CanisterId.fromIndex(2).toText()).isEqualTo("ryjl3-tyaaa-aaaaa-aaaba-cai");
    assertThat(CanisterId.fromText("ryjl3-tyaaa-aaaaa-aaaba-cai").index()).isEqualTo(2);
    assertThat(CanisterId.MANAGEMENT.hasIndex()).isFalse();
  }

  @Test
  void parsingIsCaseInsensitive() {
    assertThat(Principal.fromText("EM77E-BVLZU-AQ").toText()).isEqualTo("em77e-bvlzu-aq");
  }

  @Test
  void selfAuthenticatingAndDerivedAndReservedKinds() {
    byte[] der = Hex.decode("302a300506032b6570032100" + "11".repeat(32));
    Principal self = Principal.selfAuthenticating(der);
    assertThat(self.length()).isEqualTo(29);
    assertThat(self.kind()).isEqualTo(Principal.Kind.SELF_AUTHENTICATING);
    assertThat(Principal.derived(self, new byte[] {1}).kind()).isEqualTo(Principal.Kind.DERIVED);
    assertThat(Principal.reserved(new byte[] {9}).kind()).isEqualTo(Principal.Kind.RESERVED);
    assertThat(Principal.fromText(self.toText())).isEqualTo(self);
  }

  @Test
  void errorsSayWhatIsWrong() {
    assertReason("em77e-bvlzv-aq", PrincipalFormatException.Reason.BAD_CHECKSUM);
    assertReason("em77e-bvlzu-ar", PrincipalFormatException.Reason.NOT_CANONICAL);
    assertReason("em77e-bvlz1-aq", PrincipalFormatException.Reason.BAD_CHARACTER);
    assertReason("em77ebvlzuaq", PrincipalFormatException.Reason.BAD_GROUPING);
    assertReason("em77-ebvlzu-aq", PrincipalFormatException.Reason.BAD_GROUPING);
    assertReason("em77e-bvlzu-aq-", PrincipalFormatException.Reason.BAD_GROUPING);
    assertReason("a".repeat(64), PrincipalFormatException.Reason.TOO_LONG);
    assertReason("aaa", PrincipalFormatException.Reason.TOO_SHORT);
    assertThatThrownBy(() -> Principal.fromBytes(new byte[30]))
        .isInstanceOf(PrincipalFormatException.class)
        .hasMessageContaining("at most 29");
  }

  @Test
  void orderIsUnsignedBytewise() {
    Principal a = Principal.fromBytes(new byte[] {0x01});
    Principal b = Principal.fromBytes(new byte[] {(byte) 0xff});
    Principal c = Principal.fromBytes(new byte[] {0x01, 0x00});
    assertThat(a).isLessThan(b);
    assertThat(a).isLessThan(c);
    assertThat(c).isLessThan(b);
    assertThat(Principal.MANAGEMENT_CANISTER).isLessThan(a);
  }

  private static void assertReason(String text, PrincipalFormatException.Reason reason) {
    assertThatThrownBy(() -> Principal.fromText(text))
        .isInstanceOfSatisfying(
            PrincipalFormatException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
