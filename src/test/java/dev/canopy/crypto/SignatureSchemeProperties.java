package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.crypto.WebAuthnTestAuthenticator.Kind;
import dev.canopy.types.Hex;
import dev.canopy.types.Mutation;
import dev.canopy.types.Principal;
import dev.canopy.types.hashtree.HashTree;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Corrupted WebAuthn and canister signatures and keys: the verifiers answer with their typed
 * exceptions, never another one, and accept a corrupted signature only if it still says the same.
 */
class SignatureSchemeProperties {
  /** A key, a payload, a valid signature, and the verifier that accepts it. */
  record Case(String name, UserPublicKey key, byte[] payload, byte[] signature, UserSignatureVerifier verifier) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final byte[] PAYLOAD = Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, new byte[32]);
  private static final UserSignatureVerifier OURS = UserSignatureVerifier.forRootKey(CertificateVerifierTest.ROOT.publicKey().toDer());

  private static final List<Case> WEBAUTHN = webAuthnCases();
  private static final List<Case> CANISTER = canisterCases();

  private static List<Case> webAuthnCases() {
    List<Case> cases = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      WebAuthnTestAuthenticator device = new WebAuthnTestAuthenticator(kind, 61);
      cases.add(new Case(kind.toString(), UserPublicKey.fromDer(device.publicKeyDer()), PAYLOAD, device.sign(PAYLOAD),
          UserSignatureVerifier.WITHOUT_ROOT_KEY));
    }
    cases.add(new Case("IC RSA vector", UserPublicKey.fromDer(Hex.decode(WebAuthnTest.IC_RSA_KEY)),
        "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8), Hex.decode(WebAuthnTest.IC_RSA_SIG_HELLO),
        UserSignatureVerifier.WITHOUT_ROOT_KEY));
    return cases;
  }

  private static List<Case> canisterCases() {
    CanisterSignaturePublicKey ours = CanisterSignaturePublicKey.of(CanisterSignatureTest.CANISTER, CanisterSignatureTest.SEED);
    HashTree tree = CanisterSignatureTest.witness(CanisterSignatureTest.SEED, PAYLOAD);
    byte[] signature = CanisterSignatureTest.signature(CanisterSignatureTest.certifying(CanisterSignatureTest.CANISTER, tree.digest()), tree);
    CanisterSignaturePublicKey ic = CanisterSignaturePublicKey.of(
        Principal.fromText(CanisterSignatureTest.IC_CANISTER), CanisterSignatureTest.IC_SEED);
    return List.of(
        new Case("our canister signature", ours, PAYLOAD, signature, OURS),
        new Case("IC vector", ic, CanisterSignatureTest.IC_PAYLOAD, Hex.decode(CanisterSignatureTest.IC_SIGNATURE),
            UserSignatureVerifier.forRootKey(Hex.decode(CanisterSignatureTest.IC_ROOT_KEY))));
  }

  @Provide
  Arbitrary<Case> webAuthn() {
    return Arbitraries.of(WEBAUTHN);
  }

  @Provide
  Arbitrary<Case> canister() {
    return Arbitraries.of(CANISTER);
  }

  @Provide
  Arbitrary<Case> anyCase() {
    List<Case> all = new ArrayList<>(WEBAUTHN);
    all.addAll(CANISTER);
    return Arbitraries.of(all);
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Mutation.some();
  }

  @Property(tries = 1000, seed = "56387011")
  void aCorruptedWebAuthnSignatureIsRefusedTypedOrSaysTheSame(
      @ForAll("webAuthn") Case c, @ForAll("mutations") List<Mutation> mutations) {
    c.verifier().verify(c.key(), c.payload(), c.signature());
    byte[] corrupted = Mutation.applyAll(c.signature(), mutations);
    try {
      c.verifier().verify(c.key(), c.payload(), corrupted);
      assertThat(WebAuthnSignature.decode(corrupted)).isEqualTo(WebAuthnSignature.decode(c.signature()));
    } catch (InvalidSignatureException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 600, seed = "56387012")
  void aCorruptedCanisterSignatureIsRefusedTypedOrSaysTheSame(
      @ForAll("canister") Case c, @ForAll("mutations") List<Mutation> mutations) {
    byte[] corrupted = Mutation.applyAll(c.signature(), mutations);
    try {
      c.verifier().verify(c.key(), c.payload(), corrupted);
      CanisterSignature original = CanisterSignature.decode(c.signature());
      CanisterSignature accepted = CanisterSignature.decode(corrupted);
      assertThat(accepted.tree()).isEqualTo(original.tree());
      assertThat(dev.canopy.types.hashtree.Certificate.decode(accepted.certificate()))
          .isEqualTo(dev.canopy.types.hashtree.Certificate.decode(original.certificate()));
    } catch (InvalidSignatureException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  /** A corrupted key parses to some key or is refused typed; with it, verification is typed too. */
  @Property(tries = 1000, seed = "56387013")
  void aCorruptedKeyIsRefusedTypedOrVerifiesTyped(
      @ForAll("anyCase") Case c, @ForAll("mutations") List<Mutation> mutations) {
    byte[] corrupted = Mutation.applyAll(c.key().toDer(), mutations);
    UserPublicKey key;
    try {
      key = UserPublicKey.fromDer(corrupted);
    } catch (InvalidPublicKeyException expected) {
      assertThat(expected.getMessage()).isNotBlank();
      return;
    }
    assertThat(key.toDer()).isEqualTo(corrupted);
    try {
      c.verifier().verify(key, c.payload(), c.signature());
    } catch (InvalidSignatureException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  /** Whatever bytes arrive as sender_sig under a WebAuthn or canister key, only typed refusals leave. */
  @Property(tries = 300, seed = "56387014")
  void arbitraryBytesAreNeverASignature(@ForAll("anyCase") Case c, @ForAll byte[] junk) {
    try {
      c.verifier().verify(c.key(), c.payload(), junk);
      throw new AssertionError("accepted " + Hex.encode(junk));
    } catch (InvalidSignatureException expected) {
      assertThat(expected.reason()).isIn(InvalidSignatureException.Reason.MALFORMED, InvalidSignatureException.Reason.DOES_NOT_VERIFY);
    }
  }
}
