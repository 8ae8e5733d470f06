package dev.canopy.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.consensus.Artifact.BlockProposal;
import dev.canopy.consensus.Artifact.Notarization;
import dev.canopy.consensus.Artifact.NotarizationShare;
import dev.canopy.consensus.Artifact.RandomBeacon;
import dev.canopy.consensus.Artifact.RandomBeaconShare;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.InvalidThresholdInputException;
import dev.canopy.crypto.ThresholdBls;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decision function on hand-built pools, one replica at a time, with time set by the test. */
class ConsensusStepTest {
  private static final ConsensusParameters PARAMETERS = ConsensusParameters.defaults().withDelays(300, 150);

  /** One replica and its pool, stepped until nothing changes. */
  private static final class Driver {
    final ConsensusStep step;
    final ArtifactPool pool;
    final TestIngressPool ingress = new TestIngressPool();
    final List<Artifact> sent = new ArrayList<>();
    final List<Batch> delivered = new ArrayList<>();
    final List<PoolChanges.Rejection> rejected = new ArrayList<>();
    boolean mayHurry = true;

    Driver(TestSubnet subnet, int index) {
      this(subnet, subnet.configs.get(index));
    }

    Driver(TestSubnet subnet, SubnetConfig config) {
      this(subnet, config, PARAMETERS);
    }

    Driver(TestSubnet subnet, SubnetConfig config, ConsensusParameters parameters) {
      this(subnet, config, parameters, SignatureVerifier.DIRECT);
    }

    Driver(TestSubnet subnet, SubnetConfig config, ConsensusParameters parameters, SignatureVerifier verifier) {
      step = new ConsensusStep(config, parameters, ingress, verifier);
      pool = subnet.newPool(parameters);
    }

    /** Steps until nothing changes; returns how many steps changed something. */
    int runAt(long nowMs) {
      for (int i = 0; i < 100; i++) {
        PoolChanges c = step.onStateChange(pool, nowMs, delivered.size() + 1, mayHurry);
        if (c.isEmpty(pool.purgedBelowHeight())) {
          return i;
        }
        pool.apply(c, nowMs);
        sent.addAll(c.toSend());
        delivered.addAll(c.toDeliver());
        rejected.addAll(c.toReject());
      }
      throw new AssertionError("did not settle");
    }

    void receive(Artifact a, long nowMs) {
      assertThat(pool.receive(a, nowMs)).isTrue();
    }
  }

  @Test
  void aSubnetOfOneMakesNotarizesAndFinalizesEachRoundAfterTheNotaryDelay() {
    TestSubnet subnet = TestSubnet.create(1, 1);
    Driver d = new Driver(subnet, 0);
    d.ingress.submit(TestIngressPool.message(new byte[] {42}));
    d.runAt(0);
    // Beacon 1 and the rank-0 block at once; the notary waits for its delay.
    assertThat(d.pool.beaconHeight()).isEqualTo(1);
    assertThat(d.pool.blocks(1)).hasSize(1);
    assertThat(d.pool.notarizedHeight()).isZero();
    d.runAt(149);
    assertThat(d.pool.notarizedHeight()).isZero();
    d.runAt(150);
    assertThat(d.pool.finalizedHeight()).isEqualTo(1);
    assertThat(d.delivered).hasSize(1);
    Batch first = d.delivered.get(0);
    assertThat(first.height()).isEqualTo(1);
    assertThat(first.messages()).extracting(IngressMessage::content).containsExactly(new byte[] {42});
    assertThat(first.blockHash()).isEqualTo(d.pool.finalization(1).orElseThrow().blockHash());
    long now = 150;
    for (int round = 2; round <= 100; round++) {
      now += 150;
      d.runAt(now);
      assertThat(d.delivered).hasSize(round);
      Batch b = d.delivered.get(round - 1);
      assertThat(b.height()).isEqualTo(round);
      assertThat(b.timeMs()).isGreaterThanOrEqualTo(d.delivered.get(round - 2).timeMs());
      // The chain links: each block's parent is the previous batch's block.
      assertThat(d.pool.block(round, b.blockHash()).orElseThrow().block().parentHash())
          .isEqualTo(d.delivered.get(round - 2).blockHash());
    }
    // Old heights are purged, keeping the retained window.
    assertThat(d.pool.purgedBelowHeight()).isEqualTo(100 - PARAMETERS.retainHeights());
    assertThat(d.pool.blocks(1)).isEmpty();
  }

  @Test
  void withBusyRoundsABlockWithMessagesIsMadeAndNotarizedAtOnceAndAnEmptyOneAfterTheRoundInterval() {
    TestSubnet subnet = TestSubnet.create(1, 1);
    Driver d = new Driver(subnet, subnet.configs.get(0), PARAMETERS.withBusyNotaryDelay(5));
    d.runAt(0);
    // Nothing to propose: the maker waits for calls while an empty block could not be notarized.
    assertThat(d.pool.beaconHeight()).isEqualTo(1);
    assertThat(d.pool.blocks(1)).isEmpty();
    d.runAt(100);
    assertThat(d.pool.blocks(1)).isEmpty();
    IngressMessage call = TestIngressPool.message(new byte[] {1});
    d.ingress.submit(call);
    d.runAt(101);
    // A call arrived: its block is made, notarized (busy delay 5 ms is over) and finalized at once.
    assertThat(d.delivered).hasSize(1);
    assertThat(d.delivered.get(0).messages()).containsExactly(call);
    // Round 2 starts at 101; the call is in the chain, so nothing new: an empty block at 101 + 150.
    d.runAt(250);
    assertThat(d.pool.blocks(2)).isEmpty();
    d.runAt(251);
    assertThat(d.delivered).hasSize(2);
    assertThat(d.delivered.get(1).messages()).isEmpty();
  }

  @Test
  void withBusyRoundsANotaryThatMayNotHurryWaitsTheRoundIntervalForEveryBlock() {
    TestSubnet subnet = TestSubnet.create(1, 2);
    Driver d = new Driver(subnet, subnet.configs.get(0), PARAMETERS.withBusyNotaryDelay(5));
    d.mayHurry = false;
    d.ingress.submit(TestIngressPool.message(new byte[] {2}));
    d.runAt(0);
    // The maker proposes the call at once; the notary (execution lags, say) waits 150 ms.
    assertThat(d.pool.blocks(1)).hasSize(1);
    d.runAt(149);
    assertThat(d.pool.notarizedHeight()).isZero();
    d.runAt(150);
    assertThat(d.delivered).hasSize(1);
    d.mayHurry = true;
    d.ingress.submit(TestIngressPool.message(new byte[] {3}));
    d.runAt(155);
    assertThat(d.delivered).hasSize(2);
  }

  @Test
  void theBeaconIsUnpredictableBeforeThresholdSharesAndIdenticalAcrossReplicasAfter() {
    TestSubnet subnet = TestSubnet.create(4, 3); // f = 1: the beacon needs 2 shares
    List<Driver> replicas = new ArrayList<>();
    List<RandomBeaconShare> shares = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Driver d = new Driver(subnet, i);
      d.runAt(0);
      replicas.add(d);
      shares.add((RandomBeaconShare) d.sent.stream().filter(a -> a instanceof RandomBeaconShare).findFirst().orElseThrow());
    }
    // Replica 0 holds its own share and sees one more only later: with f = 1 shares there is no beacon.
    assertThat(replicas.get(0).pool.beaconHeight()).isZero();
    assertThat(replicas.get(0).sent).noneMatch(a -> a instanceof RandomBeacon || a instanceof BlockProposal);
    // The f shares a faulty replica holds do not give the beacon: too few to combine, and
    // interpolating what there is gives some other point.
    ThresholdBls.Parameters params = subnet.membership.beaconParameters();
    assertThatThrownBy(() -> ThresholdBls.combineSignatures(params, List.of(toShare(subnet, shares.get(1)))))
        .isInstanceOf(InvalidThresholdInputException.class);

    // Replicas 0 and 2 each get a different second share: {0,1} and {2,3}.
    replicas.get(0).receive(shares.get(1), 10);
    replicas.get(0).runAt(10);
    replicas.get(2).receive(shares.get(3), 10);
    replicas.get(2).runAt(10);
    RandomBeacon fromFirst = replicas.get(0).pool.beacon(1).orElseThrow();
    RandomBeacon fromSecond = replicas.get(2).pool.beacon(1).orElseThrow();
    assertThat(fromFirst).isEqualTo(fromSecond);
    assertThat(BlsSignatureScheme.verify(subnet.beaconPublicKey,
        RandomBeacon.signedMessage(1, subnet.genesisBeacon.id()), fromFirst.signature())).isTrue();
    // A share alone is not the beacon either.
    assertThat(shares.get(1).share()).isNotEqualTo(fromFirst.signature());
  }

  private static ThresholdBls.SignatureShare toShare(TestSubnet subnet, RandomBeaconShare s) {
    return new ThresholdBls.SignatureShare(subnet.membership.indexOf(s.signer()).getAsInt() + 1, s.share());
  }

  @Test
  void sharesBeyondAQuorumAreNotCheckedAndTheBlockIsStillNotarizedAndFinalized() {
    TestSubnet subnet = TestSubnet.create(4, 5);
    List<byte[]> checkedMessages = new ArrayList<>();
    SignatureVerifier recording = new SignatureVerifier() {
      @Override
      public boolean verifyNodeSignature(dev.canopy.crypto.Ed25519PublicKey key, byte[] message, byte[] signature) {
        checkedMessages.add(message);
        return SignatureVerifier.DIRECT.verifyNodeSignature(key, message, signature);
      }

      @Override
      public boolean verifyBeaconShare(ThresholdBls.PublicKeyShare key, byte[] message, ThresholdBls.SignatureShare share) {
        return SignatureVerifier.DIRECT.verifyBeaconShare(key, message, share);
      }

      @Override
      public boolean verifyBeacon(dev.canopy.crypto.BlsPublicKey key, byte[] message, byte[] signature) {
        return SignatureVerifier.DIRECT.verifyBeacon(key, message, signature);
      }
    };
    Driver d = new Driver(subnet, subnet.configs.get(0), PARAMETERS, recording);
    Driver other = new Driver(subnet, 1);
    d.runAt(0);
    other.runAt(0);
    d.receive(other.sent.get(0), 1); // replica 1's beacon share: beacon 1
    d.runAt(1);
    Hash beacon1 = d.pool.beaconHash(1).orElseThrow();
    SubnetConfig leader = subnet.configs.get(new BlockMakerRanking(beacon1, 4).nodeAt(0));
    Block block = new Block(1, subnet.genesis.hash(), 0, leader.self(), 1, Payload.EMPTY);
    Hash hash = block.hash();
    if (!leader.self().equals(subnet.configs.get(0).self())) {
      d.receive(BlockProposal.sign(block, leader.nodeKey()), 2);
    }
    d.runAt(1_000); // past the notary delay: replica 0 supports the block with its own share
    assertThat(d.sent).anyMatch(a -> a instanceof NotarizationShare n && n.blockHash().equals(hash));

    // All three peers' shares arrive together; a quorum (3 of 4) needs two of them.
    for (int i = 1; i < 4; i++) {
      SubnetConfig c = subnet.configs.get(i);
      d.receive(NotarizationShare.sign(1, hash, c.self(), c.nodeKey()), 1_001);
    }
    d.runAt(1_001);
    assertThat(d.pool.notarizedHeight()).isEqualTo(1);
    byte[] notarizationMessage = NotarizationShare.signedMessage(1, hash);
    assertThat(checkedMessages).filteredOn(m -> Arrays.equals(m, notarizationMessage)).hasSize(2);

    for (int i = 1; i < 4; i++) {
      SubnetConfig c = subnet.configs.get(i);
      d.receive(Artifact.FinalizationShare.sign(1, hash, c.self(), c.nodeKey()), 1_002);
    }
    d.runAt(1_002);
    assertThat(d.pool.finalizedHeight()).isEqualTo(1);
    byte[] finalizationMessage = Artifact.FinalizationShare.signedMessage(1, hash);
    assertThat(checkedMessages).filteredOn(m -> Arrays.equals(m, finalizationMessage)).hasSize(2);
    // The share left over is dropped as stale, not kept.
    assertThat(d.pool.unvalidatedCount()).isZero();
  }

  @Test
  void artifactsWithInvalidSignaturesOrClaimsAreRejected() {
    TestSubnet subnet = TestSubnet.create(4, 5);
    // Replica 0 reaches round 1 with beacon 1 (its share and replica 1's).
    Driver d = new Driver(subnet, 0);
    Driver other = new Driver(subnet, 1);
    d.runAt(0);
    other.runAt(0);
    RandomBeaconShare otherShare = (RandomBeaconShare) other.sent.get(0);
    RandomBeaconShare forgedShare = new RandomBeaconShare(1, otherShare.parentBeaconHash(),
        subnet.configs.get(2).self(), otherShare.share()); // replica 1's share in replica 2's name
    d.receive(forgedShare, 1);
    d.receive(otherShare, 1);
    d.runAt(1);
    assertThat(d.rejected).extracting(PoolChanges.Rejection::reason).anyMatch(r -> r.contains("does not verify"));
    assertThat(d.pool.beaconHeight()).isEqualTo(1);

    Hash beacon1 = d.pool.beaconHash(1).orElseThrow();
    int leaderIndex = new BlockMakerRanking(beacon1, 4).nodeAt(0);
    int secondIndex = new BlockMakerRanking(beacon1, 4).nodeAt(1);
    SubnetConfig leader = subnet.configs.get(leaderIndex);
    Block good = new Block(1, subnet.genesis.hash(), 0, leader.self(), 1, Payload.EMPTY);
    Block wrongRank = new Block(1, subnet.genesis.hash(), 0, subnet.configs.get(secondIndex).self(), 1, Payload.EMPTY);
    Block badPayload = new Block(1, subnet.genesis.hash(), 0, leader.self(), 2,
        new Payload(List.of(new IngressMessage(Hash.ZERO, new byte[] {1}))));
    BlockProposal flipped = BlockProposal.sign(good, leader.nodeKey());
    byte[] sig = flipped.signature();
    sig[0] ^= 1;
    List<Artifact> bad = List.of(
        new BlockProposal(good, sig),
        BlockProposal.sign(wrongRank, subnet.configs.get(secondIndex).nodeKey()),
        BlockProposal.sign(badPayload, leader.nodeKey()),
        BlockProposal.sign(new Block(1, Hash.ZERO, 0, leader.self(), 1, Payload.EMPTY), leader.nodeKey()));
    d.rejected.clear();
    for (Artifact a : bad) {
      d.receive(a, 2);
    }
    d.runAt(2);
    assertThat(d.rejected).extracting(PoolChanges.Rejection::reason)
        .anyMatch(r -> r.contains("signature does not verify"))
        .anyMatch(r -> r.contains("has rank"))
        .anyMatch(r -> r.contains("does not match its content"));
    // The block on an unknown parent is neither valid nor rejected yet: it waits.
    assertThat(d.pool.unvalidatedCount()).isEqualTo(1);

    d.receive(BlockProposal.sign(good, leader.nodeKey()), 3);
    d.runAt(3);
    Hash goodHash = good.hash();
    assertThat(d.pool.block(1, goodHash)).isPresent();

    // Notarizations: too few signers, a repeated signer, a bad signature — all rejected.
    List<NodeSignature> sigs = new ArrayList<>();
    for (int i = 1; i < 4; i++) {
      SubnetConfig c = subnet.configs.get(i);
      sigs.add(NotarizationShare.sign(1, goodHash, c.self(), c.nodeKey()).signature());
    }
    NodeSignature broken = new NodeSignature(sigs.get(2).signer(), flip(sigs.get(2).signature()));
    d.rejected.clear();
    d.receive(new Notarization(1, goodHash, sigs.subList(0, 2)), 4);
    d.receive(new Notarization(1, goodHash, List.of(sigs.get(0), sigs.get(1), sigs.get(1))), 4);
    d.receive(new Notarization(1, goodHash, List.of(sigs.get(0), sigs.get(1), broken)), 4);
    d.runAt(4);
    assertThat(d.rejected).extracting(PoolChanges.Rejection::reason)
        .anyMatch(r -> r.contains("fewer than the quorum"))
        .anyMatch(r -> r.contains("appears twice"))
        .anyMatch(r -> r.contains("does not verify"));
    assertThat(d.pool.notarizedHeight()).isZero();
    // The genuine one notarizes the block, and replica 0 then shares its finalization.
    d.receive(new Notarization(1, goodHash, sigs), 5);
    d.runAt(5);
    assertThat(d.pool.notarizedHeight()).isEqualTo(1);
    assertThat(d.sent).anyMatch(a -> a instanceof Artifact.FinalizationShare f && f.blockHash().equals(goodHash));
  }

  @Test
  void aReplicaThatLostItsPoolCatchesUpFromRetransmissionInAFewSteps() {
    TestSubnet subnet = TestSubnet.create(1, 4);
    Driver a = new Driver(subnet, 0);
    for (int round = 0; round < 40; round++) {
      a.ingress.submit(TestIngressPool.message(new byte[] {(byte) round}));
      a.runAt(round * 150L);
    }
    assertThat(a.delivered).hasSizeGreaterThanOrEqualTo(39);
    Driver b = new Driver(subnet, 0);
    RetransmissionRequest request = b.step.retransmissionRequest(b.pool, 1);
    assertThat(request.filterHeight()).isZero();
    List<Artifact> resent = a.step.retransmission(a.pool, request);
    for (Artifact x : resent) {
      b.pool.receive(ArtifactCodec.decode(x.toBytes()), 6_000);
    }
    int steps = b.runAt(6_000);
    assertThat(steps).isLessThanOrEqualTo(6);
    assertThat(b.delivered.subList(0, a.delivered.size())).isEqualTo(a.delivered);
  }

  @Test
  void blockTimesMayNotGoBackNorRunAheadAndMessagesMayNotRepeatAlongAChain() {
    TestSubnet subnet = TestSubnet.create(1, 8);
    Driver d = new Driver(subnet, 0);
    IngressMessage m = TestIngressPool.message(new byte[] {7});
    d.ingress.submit(m);
    d.runAt(0);
    d.runAt(150);
    d.runAt(300);
    assertThat(d.pool.notarizedHeight()).isEqualTo(2);
    Block parent = d.pool.notarizedBlocks(2).get(0).block();
    assertThat(d.pool.block(1, parent.parentHash()).orElseThrow().block().payload().messages()).containsExactly(m);
    SubnetConfig self = subnet.configs.get(0);
    long t = 310;
    List<Block> bad = List.of(
        new Block(3, parent.hash(), 0, self.self(), parent.timeMs() - 1, Payload.EMPTY),
        new Block(3, parent.hash(), 0, self.self(), t, new Payload(List.of(m))));
    Block ahead = new Block(3, parent.hash(), 0, self.self(), t + PARAMETERS.maxClockDriftMs() + 1, Payload.EMPTY);
    d.rejected.clear();
    for (Block b : bad) {
      d.receive(BlockProposal.sign(b, self.nodeKey()), t);
    }
    d.receive(BlockProposal.sign(ahead, self.nodeKey()), t);
    d.runAt(t);
    assertThat(d.rejected).extracting(PoolChanges.Rejection::reason)
        .anyMatch(r -> r.contains("before the parent's"))
        .anyMatch(r -> r.contains("already in an ancestor block"));
    // Ahead of our clock: kept, and valid once our clock gets there.
    assertThat(d.pool.block(3, ahead.hash())).isEmpty();
    assertThat(d.pool.unvalidated()).extracting(ArtifactPool.Unvalidated::id)
        .contains(BlockProposal.sign(ahead, self.nodeKey()).id());
    d.runAt(ahead.timeMs() - PARAMETERS.maxClockDriftMs());
    assertThat(d.pool.block(3, ahead.hash())).isPresent();
  }

  @Test
  void theFinalizedChainIndexAnswersAsAWalkDownTheWholeChainWould() {
    TestSubnet subnet = TestSubnet.create(1, 12);
    Driver d = new Driver(subnet, 0);
    List<IngressMessage> all = new ArrayList<>();
    long now = 0;
    for (int round = 0; round < 90; round++) {
      IngressMessage m = TestIngressPool.message(new byte[] {(byte) round, 1});
      all.add(m);
      d.ingress.submit(m);
      d.runAt(now);
      now += 150;
    }
    assertThat(d.pool.purgedBelowHeight()).isPositive(); // the index has lost heights too
    long top = d.pool.notarizedHeight();
    Block tip = d.pool.notarizedBlocks(top).get(0).block();
    java.util.function.Predicate<Hash> indexed = ConsensusStep.ancestorMessageIds(
        (h, hash) -> d.pool.block(h, hash).map(BlockProposal::block), d.pool, top, tip.hash());
    // A plain walk down from the tip until a block is missing.
    java.util.Set<Hash> walked = new java.util.HashSet<>();
    Hash at = tip.hash();
    for (long h = top; h > 0 && d.pool.block(h, at).isPresent(); h--) {
      Block b = d.pool.block(h, at).get().block();
      b.payload().messages().forEach(m -> walked.add(m.messageId()));
      at = b.parentHash();
    }
    assertThat(walked).hasSizeGreaterThan(PARAMETERS.retainHeights() / 2);
    for (IngressMessage m : all) {
      assertThat(indexed.test(m.messageId())).as("message %s", m.messageId().shortHex())
          .isEqualTo(walked.contains(m.messageId()));
    }
    // From a block below the tip, messages above it are not its ancestors'.
    Block lower = d.pool.block(top - 5, d.pool.finalization(top - 5).orElseThrow().blockHash()).orElseThrow().block();
    java.util.function.Predicate<Hash> fromLower = ConsensusStep.ancestorMessageIds(
        (h, hash) -> d.pool.block(h, hash).map(BlockProposal::block), d.pool, lower.height(), lower.hash());
    assertThat(fromLower.test(tip.payload().messages().isEmpty() ? Hash.ZERO
        : tip.payload().messages().get(0).messageId())).isFalse();
    assertThat(fromLower.test(lower.payload().messages().get(0).messageId())).isTrue();
  }

  private static byte[] flip(byte[] b) {
    byte[] c = b.clone();
    c[5] ^= 0x10;
    return c;
  }

  @Test
  void aReplicaThatSupportedTwoBlocksOfAHeightDoesNotFinalizeEither() {
    TestSubnet subnet = TestSubnet.create(4, 9);
    List<Driver> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Driver x = new Driver(subnet, i);
      x.runAt(0);
      all.add(x);
    }
    Driver peer = all.get(0);
    peer.receive(all.get(1).sent.get(0), 1);
    peer.runAt(1);
    Hash beacon1 = peer.pool.beaconHash(1).orElseThrow();
    int leaderIndex = new BlockMakerRanking(beacon1, 4).nodeAt(0);
    SubnetConfig leader = subnet.configs.get(leaderIndex);
    // Watch from a replica that is not the leader, with the beacon from two shares.
    int observer = (leaderIndex + 1) % 4;
    Driver d = all.get(observer);
    d.receive(all.get((observer + 1) % 4).sent.get(0), 1);
    d.runAt(1);
    assertThat(d.pool.beaconHeight()).isEqualTo(1);
    // The leader equivocates: two rank-0 blocks.
    Block a = new Block(1, subnet.genesis.hash(), 0, leader.self(), 1, Payload.EMPTY);
    Block b = new Block(1, subnet.genesis.hash(), 0, leader.self(), 2, Payload.EMPTY);
    d.receive(BlockProposal.sign(a, leader.nodeKey()), 2);
    d.receive(BlockProposal.sign(b, leader.nodeKey()), 2);
    d.runAt(2);
    d.runAt(200); // past the notary delay: replica 0 supports both rank-0 blocks
    assertThat(d.pool.blocksNotarizationSharedBy(1, subnet.configs.get(observer).self())).hasSize(2);
    for (Block block : List.of(a, b)) {
      List<NodeSignature> sigs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        if (i != observer && sigs.size() < 3) {
          SubnetConfig c = subnet.configs.get(i);
          sigs.add(NotarizationShare.sign(1, block.hash(), c.self(), c.nodeKey()).signature());
        }
      }
      d.receive(new Notarization(1, block.hash(), sigs), 201);
    }
    d.runAt(201);
    assertThat(d.pool.notarizedBlocks(1)).hasSize(2);
    assertThat(d.sent).noneMatch(x -> x instanceof Artifact.FinalizationShare);
  }

  @Test
  void aReplicaThatAbstainsMakesNothingUpToItsHeightButFollowsItsPeersChain() {
    TestSubnet subnet = TestSubnet.generatingKeys(4, 9, KeyGeneration.Schedule.defaults());
    // Replica 0 lost its state but knows the key generation closed at 10: it abstains up to there.
    Driver abstaining = new Driver(subnet, subnet.configs.get(0).withAbstention(10));
    List<Driver> replicas = new ArrayList<>(List.of(abstaining));
    for (int i = 1; i < 4; i++) {
      replicas.add(new Driver(subnet, i));
    }
    assertThat(abstaining.step.ownDealings(new java.util.SplittableRandom(1))).isEmpty();
    assertThat(replicas.get(1).step.ownDealings(new java.util.SplittableRandom(1))).hasSize(2);

    // Everything each replica sends reaches the others, round after round.
    for (long now = 0; now <= 6_000 && abstaining.delivered.size() < 5; now += 50) {
      List<int[]> cursors = new ArrayList<>();
      for (Driver d : replicas) {
        cursors.add(new int[] {d.sent.size()});
        d.runAt(now);
      }
      for (int i = 0; i < replicas.size(); i++) {
        Driver from = replicas.get(i);
        for (Artifact a : from.sent.subList(cursors.get(i)[0], from.sent.size())) {
          for (Driver to : replicas) {
            if (to != from) {
              to.pool.receive(a, now);
            }
          }
        }
      }
    }

    // Its peers (three of four, a quorum) finalize heights 1 to 5; it delivers the same batches...
    assertThat(abstaining.delivered).hasSizeGreaterThanOrEqualTo(5);
    for (int h = 0; h < 5; h++) {
      assertThat(abstaining.delivered.get(h).blockHash()).isEqualTo(replicas.get(1).delivered.get(h).blockHash());
    }
    // ...but has made no block, notarization share or finalization share of its own.
    assertThat(abstaining.sent).noneMatch(a -> a instanceof BlockProposal
        || a instanceof NotarizationShare || a instanceof Artifact.FinalizationShare
        || a instanceof Artifact.KeyDealing);
    assertThat(replicas.get(1).sent).anyMatch(a -> a instanceof NotarizationShare);
  }
}
