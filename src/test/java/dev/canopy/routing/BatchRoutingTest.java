package dev.canopy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.consensus.Batch;
import dev.canopy.consensus.Hash;
import dev.canopy.consensus.IngressMessage;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.ingress.CallContent;
import dev.canopy.ingress.Envelope;
import dev.canopy.ingress.EnvelopeDecoder;
import dev.canopy.ingress.EnvelopeLimits;
import dev.canopy.state.EffectiveId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Finalized batches to execution batches, and the journal's encoding of batches. */
class BatchRoutingTest {
  private static final EnvelopeDecoder DECODER = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
  private static final CanisterId CANISTER = CanisterId.fromIndex(3);

  private static Envelope<CallContent> anonymousCall(String method) {
    CborMap content = CborMap.builder()
        .put("request_type", "call")
        .put("sender", Principal.ANONYMOUS.toBytes())
        .put("ingress_expiry", CborValue.unsigned(1_700_000_000_000_000_000L))
        .put("canister_id", CANISTER.toBytes())
        .put("method_name", method)
        .put("arg", new byte[] {'D', 'I', 'D', 'L', 0, 0})
        .build();
    return DECODER.decodeCall(
        CborEncoder.encodeWithSelfDescribeTag(CborMap.builder().put("content", content).build()));
  }

  private static Batch batch(List<IngressMessage> messages) {
    byte[] randomness = new byte[32];
    DeterministicRandom.fromSeed(5).nextBytes(randomness);
    return new Batch(7, new Hash(new byte[32]), 1_700_000_000_000L, randomness, messages);
  }

  @Test
  void aBootstrapBatchKeepsItsDealingsInTheJournalAndOtherBatchesEncodeAsBefore() {
    var setup = new dev.canopy.consensus.KeyGeneration(new dev.canopy.consensus.SubnetMembership(
        new dev.canopy.types.SubnetId(Principal.fromBytes(new byte[] {1, 2, 3})),
        List.of(dev.canopy.crypto.Ed25519SigningKey.generate(DeterministicRandom.fromSeed(1)).publicKey()),
        List.of(dev.canopy.crypto.dkg.DkgDecryptionKey.generate(DeterministicRandom.fromSeed(2)).publicKey())),
        dev.canopy.consensus.KeyGeneration.Schedule.defaults());
    var dealings = setup.deal(0, dev.canopy.crypto.Ed25519SigningKey.generate(DeterministicRandom.fromSeed(1)),
        DeterministicRandom.fromSeed(3));
    Batch plain = batch(List.of());
    Batch bootstrap = new Batch(7, new Hash(new byte[32]), 1_700_000_000_000L, plain.randomness(), List.of(),
        new dev.canopy.consensus.DkgPayload(dealings, List.of()));

    assertThat(BatchRouting.decode(BatchRouting.encode(bootstrap))).isEqualTo(bootstrap);
    assertThat(BatchRouting.decode(BatchRouting.encode(plain)).keyGeneration().isEmpty()).isTrue();
    assertThat(dev.canopy.types.cbor.CborDecoder.DEFAULT.decodeMap(BatchRouting.encode(plain), "batch").has("dkg"))
        .isFalse();
  }

  @Test
  void aCallTravelsWithItsEffectiveIdAndRequestId() {
    Envelope<CallContent> call = anonymousCall("inc");
    IngressMessage m = IngressPayload.encode(call, EffectiveId.canister(CANISTER));
    dev.canopy.execution.Batch executed = new BatchRouting(DECODER).toExecution(batch(List.of(m)));
    assertThat(executed.height()).isEqualTo(7);
    assertThat(executed.timeNs()).isEqualTo(1_700_000_000_000L * 1_000_000L);
    assertThat(executed.ingress()).hasSize(1);
    dev.canopy.execution.IngressMessage in = executed.ingress().get(0);
    assertThat(in.requestId()).isEqualTo(call.content().requestId());
    assertThat(in.method()).isEqualTo("inc");
    assertThat(in.canisterId()).isEqualTo(CANISTER);
    assertThat(in.effectiveId()).isEqualTo(EffectiveId.canister(CANISTER));
  }

  @Test
  void aMessageWhoseIdIsNotItsRequestIdIsDroppedByEveryReplica() {
    IngressMessage honest = IngressPayload.encode(anonymousCall("inc"), EffectiveId.canister(CANISTER));
    IngressMessage relabelled = new IngressMessage(new Hash(new byte[32]), honest.content());
    IngressMessage garbage = new IngressMessage(new Hash(new byte[32]), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> IngressPayload.decode(relabelled, DECODER))
        .isInstanceOf(InvalidPayloadException.class);
    assertThatThrownBy(() -> IngressPayload.decode(garbage, DECODER))
        .isInstanceOf(InvalidPayloadException.class);
    assertThat(new BatchRouting(DECODER).toExecution(batch(List.of(relabelled, honest, garbage)))
        .ingress()).hasSize(1);
  }

  @Test
  void theJournalEncodingRoundTripsAndRefusesOtherBytes() {
    Batch b = batch(List.of(
        IngressPayload.encode(anonymousCall("a"), EffectiveId.canister(CANISTER)),
        IngressPayload.encode(anonymousCall("b"), EffectiveId.canister(CANISTER))));
    assertThat(BatchRouting.decode(BatchRouting.encode(b))).isEqualTo(b);
    byte[] truncated = BatchRouting.encode(b);
    truncated = java.util.Arrays.copyOf(truncated, truncated.length / 2);
    byte[] cut = truncated;
    assertThatThrownBy(() -> BatchRouting.decode(cut)).isInstanceOf(InvalidPayloadException.class);
    assertThatThrownBy(() -> BatchRouting.decode(CborEncoder.encode(CborMap.builder().build())))
        .isInstanceOf(InvalidPayloadException.class);
  }

  /**
   * A subnet of several journals each batch beside its block proposal, which carries the messages:
   * the batch is journaled without them, and decodes to the same batch only with its own block.
   */
  @Test
  void aBatchJournaledWithoutItsMessagesTakesThemFromItsOwnBlockProposalOnly() {
    List<IngressMessage> messages = List.of(
        IngressPayload.encode(anonymousCall("a"), EffectiveId.canister(CANISTER)),
        IngressPayload.encode(anonymousCall("b"), EffectiveId.canister(CANISTER)));
    var maker = dev.canopy.crypto.Ed25519SigningKey.generate(DeterministicRandom.fromSeed(4));
    dev.canopy.types.NodeId makerId = new dev.canopy.types.NodeId(Principal.selfAuthenticating(
        maker.publicKey().toDer()));
    dev.canopy.consensus.Block block = new dev.canopy.consensus.Block(7, new Hash(new byte[32]), 0, makerId,
        1_700_000_000_000L, new dev.canopy.consensus.Payload(messages));
    dev.canopy.consensus.Block other = new dev.canopy.consensus.Block(7, new Hash(new byte[32]), 1, makerId,
        1_700_000_000_000L, new dev.canopy.consensus.Payload(messages.subList(0, 1)));
    byte[] proposal = dev.canopy.consensus.Artifact.BlockProposal.sign(block, maker).toBytes();
    byte[] otherProposal = dev.canopy.consensus.Artifact.BlockProposal.sign(other, maker).toBytes();
    Batch b = new Batch(7, block.hash(), 1_700_000_000_000L, batch(List.of()).randomness(), messages);

    byte[] journaled = BatchRouting.encodeWithoutMessages(b);
    assertThat(journaled.length).isLessThan(BatchRouting.encode(b).length - messages.get(0).sizeBytes());
    assertThat(BatchRouting.decode(journaled, proposal)).isEqualTo(b);
    assertThat(BatchRouting.decode(BatchRouting.encode(b), proposal)).isEqualTo(b);
    assertThatThrownBy(() -> BatchRouting.decode(journaled, otherProposal))
        .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("not the batch's block");
    assertThatThrownBy(() -> BatchRouting.decode(journaled))
        .isInstanceOf(InvalidPayloadException.class).hasMessageContaining("needs its block proposal");
    assertThatThrownBy(() -> BatchRouting.decode(journaled, new byte[] {1, 2, 3}))
        .isInstanceOf(InvalidPayloadException.class);
  }

  @Test
  void aDecodedCallIsWhatDecodingItsMessageGivesWhetherItWasEncodedOrDecodedHere() {
    Envelope<CallContent> call = anonymousCall("inc");
    EffectiveId effective = EffectiveId.canister(CANISTER);
    IngressMessage m = IngressPayload.encode(call, effective);

    IngressPayload.Decoded ownCall =
        IngressPayload.decoded(m, new IngressPayload.Submitted(call, effective)).orElseThrow();
    IngressPayload.Decoded gossiped =
        IngressPayload.decoded(m, IngressPayload.decodeSubmitted(m, DECODER)).orElseThrow();

    assertThat(ownCall.call()).isEqualTo(IngressPayload.decode(m, DECODER));
    assertThat(gossiped.call()).isEqualTo(IngressPayload.decode(m, DECODER));
    BatchRouting routing = new BatchRouting(DECODER);
    assertThat(routing.toExecution(batch(List.of(m)), List.of(ownCall)).ingress())
        .isEqualTo(routing.toExecution(batch(List.of(m))).ingress());
  }

  @Test
  void aCallDecodedBeforeIsNotDecodedAgain() {
    IngressMessage m = IngressPayload.encode(anonymousCall("inc"), EffectiveId.canister(CANISTER));
    IngressPayload.Decoded known =
        IngressPayload.decoded(m, IngressPayload.decodeSubmitted(m, DECODER)).orElseThrow();
    // A decoder that refuses every envelope: only a call taken as decoded gets through.
    BatchRouting refusing =
        new BatchRouting(new EnvelopeDecoder(EnvelopeLimits.DEFAULT.withMaxBodySizeBytes(1)));

    assertThat(refusing.toExecution(batch(List.of(m))).ingress()).isEmpty();
    assertThat(refusing.toExecution(batch(List.of(m)), List.of(known)).ingress())
        .containsExactly(known.call());
  }

  @Test
  void aDecodedCallIsTakenOnlyForAMessageWithTheSameBytes() {
    Envelope<CallContent> call = anonymousCall("inc");
    IngressMessage inBlock = IngressPayload.encode(call, EffectiveId.canister(CANISTER));
    // Same request id, other bytes: another effective id (a Byzantine block maker could do this).
    EffectiveId other = EffectiveId.canister(CanisterId.fromIndex(4));
    IngressMessage relabelled = IngressPayload.encode(call, other);
    IngressPayload.Decoded stale =
        IngressPayload.decoded(relabelled, new IngressPayload.Submitted(call, other)).orElseThrow();

    dev.canopy.execution.Batch executed =
        new BatchRouting(DECODER).toExecution(batch(List.of(inBlock)), List.of(stale));
    assertThat(executed.ingress()).hasSize(1);
    assertThat(executed.ingress().get(0).effectiveId()).isEqualTo(EffectiveId.canister(CANISTER));
    assertThat(executed.ingress())
        .isEqualTo(new BatchRouting(DECODER).toExecution(batch(List.of(inBlock))).ingress());
  }
}
