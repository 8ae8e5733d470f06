package dev.canopy.ingress;

import static dev.canopy.ingress.TestRequests.CANISTER;
import static dev.canopy.ingress.TestRequests.NOW_NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.crypto.Delegation;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.SignedDelegation;
import dev.canopy.crypto.SigningKey;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Mutation;
import dev.canopy.types.Principal;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Corrupted bodies: the decoder and validator answer with typed refusals, never forge acceptance. */
class IngressProperties {
  private static final SigningKey KEY = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(5));
  private static final SigningKey SESSION = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(6));
  private static final Principal USER = TestRequests.principalOf(KEY);
  private static final EnvelopeDecoder DECODER = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
  private static final IngressValidator VALIDATOR =
      new IngressValidator(
          IngressValidatorConfig.builder()
              .canisterRange(CanisterId.fromIndex(0).principal(), CanisterId.fromIndex(0xFFFFF).principal())
              .build());

  private static final byte[] INSTALL_ARG =
      CandidArgs.builder()
          .add(
              CandidType.record(CandidType.field("canister_id", CandidType.Prim.PRINCIPAL), CandidType.field("wasm_module", CandidType.blob())),
              CandidValue.record(
                  CandidValue.field("canister_id", CandidValue.principal(CANISTER)),
                  CandidValue.field("wasm_module", CandidValue.blob(new byte[] {0, 0x61, 0x73, 0x6d}))))
          .build()
          .encode();

  @Provide
  Arbitrary<byte[]> validBodies() {
    SignedDelegation delegation =
        SignedDelegation.sign(
            new Delegation(SESSION.publicKey().toDer(), NOW_NS + TestRequests.ONE_MINUTE_NS, Optional.of(List.of(CANISTER, Principal.MANAGEMENT_CANISTER)), Optional.empty()),
            KEY);
    return Arbitraries.of(
        TestRequests.signed(TestRequests.call(USER, CANISTER, "inc", new byte[] {1, 2, 3}), KEY),
        TestRequests.signedBy(TestRequests.call(USER, Principal.MANAGEMENT_CANISTER, "install_code", INSTALL_ARG), KEY, SESSION, List.of(delegation)),
        TestRequests.anonymous(TestRequests.call(Principal.ANONYMOUS, Principal.MANAGEMENT_CANISTER, "install_code", INSTALL_ARG)));
  }

  @Property(tries = 1500, seed = "20261121")
  void aCorruptedCallIsRefusedWithATypedErrorOrIsTheSameRequest(
      @ForAll("validBodies") byte[] body, @ForAll("mutations") List<Mutation> mutations) {
    Envelope<CallContent> original = DECODER.decodeCall(body);
    byte[] corrupted = Mutation.applyAll(body, mutations);
    try {
      Envelope<CallContent> envelope = DECODER.decodeCall(corrupted);
      IngressVerdict<CallContent> verdict = VALIDATOR.validateCall(envelope, CANISTER, NOW_NS);
      if (verdict instanceof IngressVerdict.Accepted<CallContent> accepted && !original.content().sender().isAnonymous()) {
        // A signed request survives corruption only if what was signed is unchanged.
        assertThat(accepted.request().requestId()).isEqualTo(original.content().requestId());
      }
    } catch (IngressRejection expected) {
      assertThat(expected.httpStatus()).isBetween(400, 499);
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Mutation.some();
  }

  @Property(tries = 500, seed = "20261122")
  void aCorruptedReadStateIsRefusedWithATypedError(@ForAll("mutations") List<Mutation> mutations) {
    byte[] body = TestRequests.signed(TestRequests.readState(USER, List.of(List.of("time".getBytes()), List.of("subnet".getBytes(), new byte[3]))), KEY);
    try {
      VALIDATOR.validateReadState(DECODER.decodeReadState(Mutation.applyAll(body, mutations)), NOW_NS);
    } catch (IngressRejection expected) {
      assertThat(expected.httpStatus()).isBetween(400, 499);
    }
  }
}
