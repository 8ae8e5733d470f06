package dev.canopy.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.EcdsaCurve;
import dev.canopy.crypto.EcdsaSigningKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.PublicKey;
import dev.canopy.ingress.CallContent;
import dev.canopy.ingress.EnvelopeDecoder;
import dev.canopy.ingress.EnvelopeLimits;
import dev.canopy.ingress.IngressValidator;
import dev.canopy.ingress.IngressValidatorConfig;
import dev.canopy.ingress.IngressVerdict;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The agent's envelopes: the spec's request-id vector, and signed envelopes that the node's own
 * decoder and validator accept (signature, sender, expiry, tag 55799).
 */
class EnvelopesTest {
  private static final long NOW_NS = 1_685_577_600_000_000_000L;
  private static final Principal CANISTER = CanisterId.fromIndex(5).principal();
  private static final byte[] ARG = {'D', 'I', 'D', 'L', 0, 0};

  private final EnvelopeDecoder decoder = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
  private final IngressValidator validator =
      new IngressValidator(
          IngressValidatorConfig.builder()
              .subnetId(new SubnetId(Principal.selfAuthenticating(new byte[] {1})))
              .canisterRange(
                  CanisterId.fromIndex(0).principal(), CanisterId.fromIndex(0xFFFFF).principal())
              .build());

  @Test
  void theCallContentHashesToTheSpecsRequestId() {
    // Spec "Request ids": the worked example.
    var content =
        Envelopes.callContent(
            Principal.ANONYMOUS,
            Principal.fromBytes(Hex.decode("00000000000004D2")),
            "hello",
            new byte[] {'D', 'I', 'D', 'L', 0, (byte) 0xFD, '*'},
            1_685_570_400_000_000_000L,
            Optional.empty());

    var signed = Envelopes.sign(content, Identity.anonymous());

    assertThat(signed.requestId().toString())
        .isEqualTo("1d1091364d6bb8a6c16b203ee75467d59ead468f523eb058880ae8ec80e2b101");
    // Self-describe tag, and an anonymous envelope carries neither key nor signature.
    assertThat(Hex.encode(signed.body())).startsWith("d9d9f7");
    var envelope = decoder.decodeCall(signed.body());
    assertThat(envelope.senderPubkey()).isEmpty();
    assertThat(envelope.senderSig()).isEmpty();
  }

  @Test
  void ed25519AndSecp256k1CallsPassTheNodesValidator() {
    for (Identity id :
        List.of(
            Identity.of(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(1))),
            Identity.of(EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(2))))) {
      var content =
          Envelopes.callContent(
              id.sender(), CANISTER, "inc", ARG, NOW_NS + 240_000_000_000L, Optional.of(new byte[8]));
      var signed = Envelopes.sign(content, id);

      var envelope = decoder.decodeCall(signed.body());
      IngressVerdict<CallContent> verdict = validator.validateCall(envelope, CANISTER, NOW_NS);

      assertThat(verdict).isInstanceOf(IngressVerdict.Accepted.class);
      var accepted = ((IngressVerdict.Accepted<CallContent>) verdict).request();
      assertThat(accepted.requestId()).isEqualTo(signed.requestId());
      assertThat(envelope.content().sender()).isEqualTo(id.sender());
      // sender_sig is over "\x0Aic-request" · request id, under sender_pubkey.
      byte[] message = new byte[11 + 32];
      System.arraycopy(Identity.REQUEST_DOMAIN, 0, message, 0, 11);
      System.arraycopy(signed.requestId().toBytes(), 0, message, 11, 32);
      assertThat(PublicKey.fromDer(envelope.senderPubkey().orElseThrow())
              .isValidSignature(message, envelope.senderSig().orElseThrow()))
          .isTrue();
    }
  }

  @Test
  void queryAndReadStateEnvelopesPassTheNodesValidator() {
    Identity id = Identity.of(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(3)));
    var query =
        Envelopes.sign(
            Envelopes.queryContent(id.sender(), CANISTER, "get", ARG, NOW_NS + 60_000_000_000L,
                Optional.empty()),
            id);
    assertThat(validator.validateQuery(decoder.decodeQuery(query.body()), CANISTER, NOW_NS))
        .isInstanceOf(IngressVerdict.Accepted.class);

    var readState =
        Envelopes.sign(
            Envelopes.readStateContent(
                id.sender(),
                List.of(List.of("request_status".getBytes(), new byte[32]), List.of("time".getBytes())),
                NOW_NS + 60_000_000_000L),
            id);
    var validated =
        validator.validateCanisterReadState(decoder.decodeReadState(readState.body()), CANISTER, NOW_NS);
    assertThat(validated.requestId()).isEqualTo(readState.requestId());
    assertThat(validated.content().paths()).hasSize(2);
  }
}
