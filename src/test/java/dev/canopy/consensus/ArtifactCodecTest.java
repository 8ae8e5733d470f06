package dev.canopy.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArtifactCodecTest {
  private static final TestSubnet SUBNET = TestSubnet.create(4, 42);

  @Test
  void everyKindRoundTripsThroughItsCanonicalBytes() {
    for (Artifact a : SampleArtifacts.all(SUBNET)) {
      byte[] bytes = a.toBytes();
      Artifact decoded = ArtifactCodec.decode(bytes);
      assertThat(decoded).as(a.kind()).isEqualTo(a);
      assertThat(decoded.toBytes()).isEqualTo(bytes);
      assertThat(decoded.id()).isEqualTo(a.id());
    }
  }

  @Test
  void aBlockHashCommitsToItsParentAndPayload() {
    Block genesis = SUBNET.genesis;
    Block a = new Block(1, genesis.hash(), 0, SUBNET.configs.get(0).self(), 5, Payload.EMPTY);
    Block otherParent = new Block(1, Hash.ZERO, 0, a.maker(), 5, Payload.EMPTY);
    Block otherPayload = new Block(1, genesis.hash(), 0, a.maker(), 5,
        new Payload(List.of(TestIngressPool.message(new byte[] {9}))));
    assertThat(a.hash()).isNotEqualTo(otherParent.hash()).isNotEqualTo(otherPayload.hash());
    assertThat(a.hash()).isEqualTo(new Block(1, genesis.hash(), 0, a.maker(), 5, Payload.EMPTY).hash());
  }

  @Test
  void onlyBlocksOfTheBootstrapIntervalEncodeAKeyGenerationPayload() {
    Block plain = new Block(1, SUBNET.genesis.hash(), 0, SUBNET.configs.get(0).self(), 5, Payload.EMPTY);
    assertThat(plain.toCbor().has("dkg")).isFalse();
    List<Artifact> dkg = SampleArtifacts.keyGeneration(4);
    Block bootstrap = new Block(1, SUBNET.genesis.hash(), 0, SUBNET.configs.get(0).self(), 5,
        new Payload(List.of(), new DkgPayload(List.of((Artifact.KeyDealing) dkg.get(0)), List.of())));
    assertThat(bootstrap.toCbor().has("dkg")).isTrue();
    assertThat(bootstrap.hash()).isNotEqualTo(plain.hash());
    // An empty payload written out as a field is not the canonical form.
    CborMap withEmpty = withField(plain.toCbor(), "dkg",
        CborMap.builder().put("dealings", new dev.canopy.types.cbor.CborArray(List.of()))
            .put("complaints", new dev.canopy.types.cbor.CborArray(List.of())).build());
    assertThatThrownBy(() -> Block.fromCbor(withEmpty)).isInstanceOf(InvalidArtifactException.class);
  }

  @Test
  void sharesAndAggregatesSignDifferentDomains() {
    Hash h = SUBNET.genesis.hash();
    assertThat(Artifact.NotarizationShare.signedMessage(1, h)).isNotEqualTo(Artifact.FinalizationShare.signedMessage(1, h));
  }

  @Test
  void malformedArtifactsAreTypedErrors() {
    Artifact.NotarizationShare share = SampleArtifacts.all(SUBNET).stream()
        .filter(a -> a instanceof Artifact.NotarizationShare).map(a -> (Artifact.NotarizationShare) a)
        .findFirst().orElseThrow();
    CborMap valid = share.toCbor();
    assertThatThrownBy(() -> ArtifactCodec.decode(CborEncoder.encode(withField(valid, "kind", CborValue.text("vote")))))
        .isInstanceOf(InvalidArtifactException.class).hasMessageContaining("unknown artifact kind");
    assertThatThrownBy(() -> ArtifactCodec.decode(CborEncoder.encode(withField(valid, "height", CborValue.unsigned(0)))))
        .isInstanceOf(InvalidArtifactException.class).hasMessageContaining("height");
    assertThatThrownBy(() -> ArtifactCodec.decode(CborEncoder.encode(withField(valid, "block", CborValue.bytes(new byte[31])))))
        .isInstanceOf(InvalidArtifactException.class).hasMessageContaining("block");
    assertThatThrownBy(() -> ArtifactCodec.decode(CborEncoder.encode(withField(valid, "extra", CborValue.unsigned(1)))))
        .isInstanceOf(InvalidArtifactException.class).hasMessageContaining("fields");
    assertThatThrownBy(() -> ArtifactCodec.decode(CborEncoder.encode(withField(valid, "signer", CborValue.bytes(new byte[40])))))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(() -> ArtifactCodec.decode(new byte[] {(byte) 0x80}))
        .isInstanceOf(InvalidInputException.class);
  }

  private static CborMap withField(CborMap map, String key, CborValue value) {
    CborMap.Builder b = CborMap.builder();
    map.entries().forEach((k, v) -> {
      if (!k.equals(CborValue.text(key))) {
        b.put(k, v);
      }
    });
    return b.put(key, value).build();
  }
}
