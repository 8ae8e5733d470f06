package dev.canopy.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.consensus.KeyGeneration.Key;
import dev.canopy.consensus.SubnetSimulation.Behavior;
import dev.canopy.consensus.SubnetSimulation.Network;
import dev.canopy.consensus.SubnetSimulation.Partition;
import dev.canopy.consensus.SubnetSimulation.Result;
import dev.canopy.consensus.SubnetSimulation.Scenario;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.crypto.dkg.DkgException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Distributed key generation through consensus, under the deterministic subnet simulation: the
 * replicas start with node keys and DKG encryption keys only, put dealings and complaints on the
 * chain, and every replica that follows the protocol derives the same public keys and its own
 * shares, after which the beacon is threshold-signed (the simulation checks every beacon). Each
 * test runs fixed seeds; a failure names its seed.
 */
class SubnetKeyGenerationSimulationTest {
  private static final KeyGeneration.Schedule SCHEDULE = new KeyGeneration.Schedule(6, 2);

  private static Scenario scenario(String name, int n, long durationMs) {
    return Scenario.of(name, n, durationMs).withKeyGeneration(SCHEDULE);
  }

  /**
   * The replicas in {@code expected} all hold keys with the same public parts, each only its own
   * shares, and any threshold of their shares signs under the public keys.
   */
  private static void assertOneKeySetSharedBy(Result r, Set<Integer> expected) {
    Map<Integer, SubnetKeys> keys = r.keysByReplica();
    assertThat(keys.keySet()).as("seed %d: replicas with keys", r.seed()).containsAll(expected);
    SubnetKeys first = keys.get(expected.iterator().next());
    byte[] message = BlsSignatureScheme.stateRootMessage(new byte[32]);
    List<ThresholdBls.SignatureShare> certification = new ArrayList<>();
    List<ThresholdBls.SignatureShare> beacon = new ArrayList<>();
    for (int i : expected) {
      SubnetKeys k = keys.get(i);
      assertThat(k.beacon()).as("seed %d: replica %d's beacon key", r.seed(), i).isEqualTo(first.beacon());
      assertThat(k.certification()).as("seed %d: replica %d's certification key", r.seed(), i)
          .isEqualTo(first.certification());
      assertThat(k.lastBootstrapHeight()).isEqualTo(first.lastBootstrapHeight());
      assertThat(k.beaconShare().orElseThrow().index()).isEqualTo(i + 1);
      assertThat(k.certificationShare().orElseThrow().index()).isEqualTo(i + 1);
      certification.add(ThresholdBls.signShare(k.certificationShare().get(), message));
      beacon.add(ThresholdBls.signShare(k.beaconShare().get(), message));
    }
    ThresholdBls.Parameters c = first.certification().parameters();
    assertThat(BlsSignatureScheme.verify(first.certification().groupPublicKey(), message,
        ThresholdBls.combineSignatures(c, certification.subList(certification.size() - c.threshold(), certification.size()))))
        .as("seed %d: the last t replicas' certification shares combine", r.seed()).isTrue();
    ThresholdBls.Parameters b = first.beacon().parameters();
    assertThat(BlsSignatureScheme.verify(first.beacon().groupPublicKey(), message,
        ThresholdBls.combineSignatures(b, beacon.subList(0, b.threshold())))).isTrue();
    assertThat(first.certification().groupPublicKey()).isNotEqualTo(first.beacon().groupPublicKey());
  }

  /** Dealer indices (1-based) whose dealings the transcript of {@code key} combines. */
  private static List<Integer> dealersOf(Result r, int replica, Key key) {
    return r.recordsByReplica().get(replica).transcript(key).dealings().stream().map(DkgDealing::dealerIndex).toList();
  }

  @Test
  void fourReplicasGenerateTheirKeysOnTheChainThenSignTheBeaconWithThem() {
    for (long seed = 1; seed <= 2; seed++) {
      Result r = SubnetSimulation.run(scenario("n=4 key generation", 4, 5_000), seed);
      assertOneKeySetSharedBy(r, Set.of(0, 1, 2, 3));
      long closed = r.keysByReplica().get(0).lastBootstrapHeight();
      assertThat(closed).as("seed %d: closes at the first closing height", seed).isEqualTo(6);
      assertThat(r.thresholdBeacons()).as("seed %d", seed).isPositive();
      assertThat(r.minDeliveredHeight()).as("seed %d: consensus goes on after the keys", seed).isGreaterThan(closed + 5);
      assertThat(r.recordsByReplica().get(0).transcript(Key.CERTIFICATION).excludedDealers()).isEmpty();
      // Bootstrap batches carry dealings, no ingress; the ingress comes after the keys.
      for (Batch batch : r.deliveredByHonest().get(0)) {
        if (batch.height() <= closed) {
          assertThat(batch.messages()).isEmpty();
        } else {
          assertThat(batch.keyGeneration().isEmpty()).isTrue();
        }
      }
      assertThat(r.deliveredByHonest().get(0).stream().mapToInt(batch -> batch.keyGeneration().dealings().size()).sum())
          .as("seed %d: every dealing reached the chain once", seed).isEqualTo(8);
    }
  }

  @Test
  void anInvalidDealingIsRefusedAndItsDealerHasNoPartInTheKeys() {
    Result r = SubnetSimulation.run(scenario("n=4 invalid dealing", 4, 5_000).with(1, Behavior.INVALID_DEALING, 0), 3);
    assertThat(r.forgeriesSent()).isGreaterThanOrEqualTo(2);
    assertThat(r.forgeriesRejected()).isGreaterThanOrEqualTo(2);
    assertOneKeySetSharedBy(r, Set.of(0, 1, 2, 3)); // the dishonest dealer is still a receiver
    for (Key key : Key.values()) {
      assertThat(dealersOf(r, 0, key)).doesNotContain(2);
    }
    assertThat(dealersOf(r, 0, Key.CERTIFICATION)).containsExactly(1, 3, 4);
  }

  @Test
  void aDealerThatSendsOneReceiverABadShareIsConvictedByThatReceiversComplaint() {
    for (long seed = 1; seed <= 2; seed++) {
      Result r = SubnetSimulation.run(scenario("n=4 bad share", 4, 5_000).with(2, Behavior.BAD_SHARE_DEALER, 0), seed);
      assertOneKeySetSharedBy(r, Set.of(0, 1, 2, 3)); // the victim (replica 3) holds its shares
      KeyGenerationRecord record = r.recordsByReplica().get(0);
      for (Key key : Key.values()) {
        assertThat(record.transcript(key).excludedDealers()).as("seed %d, %s key", seed, key)
            .containsExactly(Map.entry(3, DkgException.Reason.BAD_SHARE));
        assertThat(record.complaints(key)).as("seed %d", seed).hasSize(1);
        assertThat(record.complaints(key).get(0).complaint().receiverIndex()).isEqualTo(4);
        assertThat(dealersOf(r, 0, key)).doesNotContain(3);
      }
    }
  }

  @Test
  void aSilentDealerIsSimplyAbsent() {
    Result r = SubnetSimulation.run(scenario("n=4 silent dealer", 4, 5_000).with(3, Behavior.SILENT_DEALER, 0), 5);
    assertOneKeySetSharedBy(r, Set.of(0, 1, 2, 3));
    assertThat(dealersOf(r, 0, Key.CERTIFICATION)).containsExactly(1, 2, 3);
    assertThat(dealersOf(r, 0, Key.BEACON)).containsExactly(1, 2);
  }

  @Test
  void aCrashedReplicaDealsNothingAndTheOthersGenerateTheKeys() {
    Result r = SubnetSimulation.run(scenario("n=4 one crashed", 4, 5_000).with(1, Behavior.SILENT, 0), 7);
    assertOneKeySetSharedBy(r, Set.of(0, 2, 3));
    assertThat(dealersOf(r, 0, Key.CERTIFICATION)).containsExactly(1, 3, 4);
  }

  @Test
  void sevenReplicasWithTwoDishonestDealersOverALossyNetworkGenerateTheKeys() {
    for (long seed = 1; seed <= 1; seed++) {
      Scenario s = scenario("n=7 two dishonest dealers, lossy", 7, 6_000)
          .with(Network.lossy())
          .with(1, Behavior.INVALID_DEALING, 0)
          .with(4, Behavior.BAD_SHARE_DEALER, 0);
      Result r = SubnetSimulation.run(s, seed);
      assertOneKeySetSharedBy(r, Set.of(0, 1, 2, 3, 4, 5, 6));
      KeyGenerationRecord record = r.recordsByReplica().get(0);
      assertThat(record.transcript(Key.CERTIFICATION).excludedDealers()).containsKey(5);
      assertThat(dealersOf(r, 0, Key.CERTIFICATION)).containsExactly(1, 3, 4, 6, 7);
      assertThat(r.thresholdBeacons()).isPositive();
    }
  }

  @Test
  void tooFewDealingsOnTheChainExtendTheBootstrapInterval() {
    // Replica 3 never deals and replica 2 is cut off until after the first closing height, so
    // only two dealings (of the three the certification key needs) are on the chain then.
    Scenario s = Scenario.of("n=4 late dealer", 4, 8_000)
        .withKeyGeneration(new KeyGeneration.Schedule(8, 2))
        .with(3, Behavior.SILENT_DEALER, 0)
        .with(new Partition(0, 2_500, Set.of(2)));
    Result r = SubnetSimulation.run(s, 11);
    assertOneKeySetSharedBy(r, Set.of(0, 1, 2, 3));
    assertThat(r.keysByReplica().get(0).lastBootstrapHeight()).isGreaterThanOrEqualTo(16);
    assertThat(dealersOf(r, 0, Key.CERTIFICATION)).containsExactly(1, 2, 3);
  }

  @Test
  void theSameSeedGivesTheSameKeys() {
    Scenario s = scenario("n=4 determinism", 4, 3_000).with(Network.lossy()).with(2, Behavior.BAD_SHARE_DEALER, 0);
    Result first = SubnetSimulation.run(s, 13);
    Result second = SubnetSimulation.run(s, 13);
    assertThat(second.keysByReplica().get(0).certification()).isEqualTo(first.keysByReplica().get(0).certification());
    assertThat(second.deliveredByHonest()).isEqualTo(first.deliveredByHonest());
  }
}
