package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.Block;
import dev.canopy.consensus.CatchUpPackage;
import dev.canopy.consensus.Hash;
import dev.canopy.consensus.IngressMessage;
import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.consensus.Payload;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.state.CertificationPool;
import dev.canopy.state.Certifier;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Catch-up packages of a subnet of four replicas (subnet key threshold 3): n − f replicas' shares
 * combine into a package that verifies under the subnet key; the canonical bytes round-trip; a
 * package whose signature is not the subnet's over exactly its content (another key, another
 * domain, another state hash, manifest, block or key generation record) is rejected, as are
 * malformed bytes; the largest package fits Artery's large-message frame.
 */
class CatchUpPackageTest {
  static final long SEED = 20260301L;
  static final ThresholdBls.Parameters PARAMETERS = new ThresholdBls.Parameters(3, 4);

  ThresholdBls.Dealing dealing;
  List<CatchUpKeys> replicas;
  CatchUpPackage.Content content;

  static CatchUpKeys keysOf(ThresholdBls.Dealing dealing, int replica) {
    return new CatchUpKeys(PARAMETERS, java.util.Optional.of(dealing.secretKeyShares().get(replica)),
        dealing.publicKeyShares(), dealing.groupPublicKey());
  }

  static Hash filled(int b) {
    byte[] bytes = new byte[Hash.BYTES];
    Arrays.fill(bytes, (byte) b);
    return new Hash(bytes);
  }

  static CatchUpPackage.Content content(long height, Hash stateHash, Hash manifestHash,
      byte[] message) {
    Ed25519SigningKey maker = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(SEED));
    Block block = new Block(height, filled(7), 0,
        new NodeId(Principal.selfAuthenticating(maker.publicKey().toDer())), 1_700_000_000_000L,
        new Payload(List.of(new IngressMessage(filled(9), message))));
    return new CatchUpPackage.Content(Artifact.BlockProposal.sign(block, maker),
        new Artifact.RandomBeacon(height, filled(8), new byte[48]), stateHash, manifestHash);
  }

  @BeforeEach
  void setUp() {
    dealing = ThresholdBls.deal(PARAMETERS, DeterministicRandom.fromSeed(SEED));
    replicas = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      replicas.add(keysOf(dealing, i));
    }
    content = content(500, filled(1), filled(2), new byte[] {1, 2, 3});
  }

  /** Replica 0's pool with its own share and those of {@code peers}. */
  CertificationPool poolWithSharesOf(int... peers) {
    CertificationPool pool = replicas.get(0).sharePool(2_000);
    byte[] hash = content.hash().bytes();
    pool.addOwn(content.height(), hash, replicas.get(0).signShare(content).orElseThrow());
    for (int peer : peers) {
      pool.addPeerShare(content.height(), hash, replicas.get(peer).signShare(content).orElseThrow());
    }
    return pool;
  }

  CatchUpPackage signed() {
    return new CatchUpPackage(content,
        poolWithSharesOf(2, 3).certification(content.height()).orElseThrow().signature());
  }

  @Test
  void sharesOfNMinusFReplicasCombineIntoAPackageThatVerifiesUnderTheSubnetKey() {
    CatchUpPackage cup = signed();

    assertThat(cup.height()).isEqualTo(500);
    assertThat(cup.content().blockHash()).isEqualTo(content.block().block().hash());
    assertThat(cup.verify(dealing.groupPublicKey())).isTrue();
    for (CatchUpKeys keys : replicas) {
      assertThat(keys.verify(cup)).isTrue();
    }
    // Any n − f shares give the same (unique) signature.
    CatchUpPackage other = new CatchUpPackage(content,
        poolWithSharesOf(1, 3).certification(content.height()).orElseThrow().signature());
    assertThat(other).isEqualTo(cup);
  }

  @Test
  void theSharesOfFewerThanNMinusFReplicasCertifyNothing() {
    assertThat(poolWithSharesOf(1).certification(content.height())).isEmpty();
  }

  @Test
  void aPackageRoundTripsThroughItsCanonicalBytes() {
    CatchUpPackage cup = signed();

    CatchUpPackage decoded = CatchUpPackage.decode(cup.toBytes());

    assertThat(decoded).isEqualTo(cup);
    assertThat(decoded.toBytes()).isEqualTo(cup.toBytes());
    assertThat(decoded.content().hash()).isEqualTo(content.hash());
    assertThat(decoded.verify(dealing.groupPublicKey())).isTrue();
  }

  @Test
  void aSignatureOtherThanTheSubnetsOverThisContentIsRejected() {
    CatchUpPackage cup = signed();
    // Another subnet's key.
    ThresholdBls.Dealing other = ThresholdBls.deal(PARAMETERS, DeterministicRandom.fromSeed(SEED + 1));
    CatchUpKeys foreign = keysOf(other, 0);
    CertificationPool pool = foreign.sharePool(2_000);
    byte[] hash = content.hash().bytes();
    pool.addOwn(500, hash, foreign.signShare(content).orElseThrow());
    pool.addPeerShare(500, hash, keysOf(other, 1).signShare(content).orElseThrow());
    pool.addPeerShare(500, hash, keysOf(other, 2).signShare(content).orElseThrow());
    CatchUpPackage foreignCup =
        new CatchUpPackage(content, pool.certification(500).orElseThrow().signature());
    assertThat(foreignCup.verify(other.groupPublicKey())).isTrue();
    assertThat(replicas.get(0).verify(foreignCup)).isFalse();

    // The subnet's signature of the same hash as a state root (a certification): another domain.
    Certifier stateCertifier = new Certifier(PARAMETERS, dealing.groupPublicKey());
    List<ThresholdBls.SignatureShare> rootShares = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rootShares.add(stateCertifier.signShare(dealing.secretKeyShares().get(i), hash));
    }
    byte[] asRoot = stateCertifier.combine(500, hash, rootShares).signature();
    assertThat(BlsSignatureScheme.verify(dealing.groupPublicKey(),
        BlsSignatureScheme.stateRootMessage(hash), asRoot)).isTrue();
    assertThat(replicas.get(0).verify(new CatchUpPackage(content, asRoot))).isFalse();

    // A single replica's share, and bytes that are no signature at all.
    byte[] share = replicas.get(0).signShare(content).orElseThrow().signature();
    assertThat(replicas.get(0).verify(new CatchUpPackage(content, share))).isFalse();
    assertThat(replicas.get(0).verify(new CatchUpPackage(content, new byte[48]))).isFalse();
    assertThat(cup.verify(dealing.groupPublicKey())).isTrue();
  }

  @Test
  void theSignatureOfOneContentDoesNotVerifyAnother() {
    byte[] signature = signed().signature();
    List<CatchUpPackage.Content> altered = List.of(
        content(500, filled(3), filled(2), new byte[] {1, 2, 3}), // another state hash
        content(500, filled(1), filled(4), new byte[] {1, 2, 3}), // another manifest hash
        content(500, filled(1), filled(2), new byte[] {1, 2, 4}), // another block
        new CatchUpPackage.Content(content.block(),
            new Artifact.RandomBeacon(500, filled(5), new byte[48]), filled(1), filled(2)));

    for (CatchUpPackage.Content c : altered) {
      assertThat(c.hash()).isNotEqualTo(content.hash());
      assertThat(replicas.get(0).verify(new CatchUpPackage(c, signature)))
          .as("%s", c).isFalse();
    }
  }

  @Test
  void malformedPackagesAreRejected() {
    byte[] bytes = signed().toBytes();

    assertThatThrownBy(() -> CatchUpPackage.decode(Arrays.copyOf(bytes, bytes.length - 1)))
        .isInstanceOf(InvalidInputException.class);
    byte[] otherKind = CborEncoder.encode(CborMap.builder()
        .put("kind", "random_beacon")
        .put("content", CborMap.builder().build())
        .put("signature", CborValue.bytes(new byte[48]))
        .build());
    assertThatThrownBy(() -> CatchUpPackage.decode(otherKind))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a catch-up package");
    assertThatThrownBy(() -> CatchUpPackage.decode(new byte[CatchUpPackage.MAX_BYTES + 1]))
        .isInstanceOf(InvalidInputException.class);
    // A block and a beacon of different heights are no package content.
    assertThatThrownBy(() -> new CatchUpPackage.Content(content.block(),
        new Artifact.RandomBeacon(499, filled(8), new byte[48]), filled(1), filled(2)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** {@link #content} carrying {@code keyGeneration}. */
  CatchUpPackage.Content withRecord(byte[] keyGeneration) {
    return new CatchUpPackage.Content(content.block(), content.beacon(), content.stateHash(),
        content.manifestHash(), keyGeneration);
  }

  CatchUpPackage signedBy3(CatchUpPackage.Content c) {
    CertificationPool pool = replicas.get(0).sharePool(2_000);
    byte[] hash = c.hash().bytes();
    pool.addOwn(c.height(), hash, replicas.get(0).signShare(c).orElseThrow());
    pool.addPeerShare(c.height(), hash, replicas.get(1).signShare(c).orElseThrow());
    pool.addPeerShare(c.height(), hash, replicas.get(2).signShare(c).orElseThrow());
    return new CatchUpPackage(c, pool.certification(c.height()).orElseThrow().signature());
  }

  @Test
  void thePackageCarriesTheKeyGenerationRecordUnderItsSignature(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) {
    List<ReplicaIdentity> members = TestKeyGeneration.members(dir, SEED);
    KeyGenerationRecord record = TestKeyGeneration.closedRecord(members, 0).outcome();
    KeyGenerationRecord otherRun = TestKeyGeneration.closedRecord(members, 100).outcome();
    CatchUpPackage cup = signedBy3(withRecord(record.encode()));

    CatchUpPackage decoded = CatchUpPackage.decode(cup.toBytes());

    assertThat(decoded).isEqualTo(cup);
    assertThat(decoded.toBytes()).isEqualTo(cup.toBytes());
    assertThat(KeyGenerationRecord.decode(members.get(0).keyGeneration().orElseThrow(),
        decoded.content().keyGeneration())).isEqualTo(record);
    assertThat(decoded.verify(dealing.groupPublicKey())).isTrue();
    // The record is signed content: another record (or none) under the same signature is refused.
    for (byte[] other : List.of(otherRun.encode(), new byte[0])) {
      CatchUpPackage swapped = new CatchUpPackage(withRecord(other), cup.signature());
      assertThat(swapped.content().hash()).isNotEqualTo(cup.content().hash());
      assertThat(replicas.get(0).verify(swapped)).isFalse();
      assertThat(CatchUpPackage.decode(swapped.toBytes()).verify(dealing.groupPublicKey())).isFalse();
    }
  }

  @Test
  void aRecordBeyondTheBoundAndContentWithoutTheRecordFieldAreRefused() {
    assertThatThrownBy(() -> withRecord(new byte[KeyGenerationRecord.MAX_OUTCOME_BYTES + 1]))
        .isInstanceOf(IllegalArgumentException.class);
    // Content of five fields (no key_generation) is not a package's content.
    CborMap five = CborMap.builder()
        .put("height", CborValue.UnsignedInt.of(500))
        .put("block", CborValue.bytes(content.block().toBytes()))
        .put("beacon", CborValue.bytes(content.beacon().toBytes()))
        .put("state_hash", CborValue.bytes(filled(1).bytes()))
        .put("manifest_hash", CborValue.bytes(filled(2).bytes()))
        .build();
    byte[] bytes = CborEncoder.encode(CborMap.builder()
        .put("kind", "catch_up_package")
        .put("content", five)
        .put("signature", CborValue.bytes(new byte[48]))
        .build());
    assertThatThrownBy(() -> CatchUpPackage.decode(bytes))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("6 fields");
  }

  @Test
  void theLargestPackageFitsArterysLargeMessageFrame() {
    long frameBytes = com.typesafe.config.ConfigFactory.parseFile(TestNodeConfigs.CONF_FILE.toFile())
        .resolve(com.typesafe.config.ConfigResolveOptions.defaults().setAllowUnresolved(true))
        .getBytes("pekko.remote.artery.advanced.maximum-large-frame-size");
    // A package is at most its block, the key generation's outcome and 64 KiB of the rest; the
    // message that carries it adds a few bytes of envelope.
    assertThat((long) CatchUpPackage.MAX_BYTES)
        .isGreaterThanOrEqualTo(dev.canopy.consensus.ArtifactCodec.MAX_ARTIFACT_BYTES
            + (long) KeyGenerationRecord.MAX_OUTCOME_BYTES)
        .isLessThanOrEqualTo(frameBytes - 64 * 1024);
  }
}
