package dev.canopy.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.consensus.SubnetSimulation.Behavior;
import dev.canopy.consensus.SubnetSimulation.Network;
import dev.canopy.consensus.SubnetSimulation.Partition;
import dev.canopy.consensus.SubnetSimulation.Result;
import dev.canopy.consensus.SubnetSimulation.Scenario;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The consensus core under the deterministic subnet simulation. Each test runs fixed seeds; a
 * failure names its seed and prints the last events.
 *
 * <p>A longer random run: {@code mvn -B -q test -Dtest=SubnetSimulationTest#randomSeeds
 * -Dcanopy.sim.seeds=1000} (optionally {@code -Dcanopy.sim.firstSeed=N}).
 */
class SubnetSimulationTest {

  @Test
  void aSubnetOfOneFinalizesABlockPerRoundAndDeliversInOrder() {
    Result r = SubnetSimulation.run(Scenario.of("n=1", 1, 3_000), 1);
    var batches = r.deliveredByHonest().get(0);
    // Rounds last at least the initial notary delay (150 ms): about 3000/150 of them.
    assertThat(batches.size()).isBetween(10, 21);
    for (int i = 0; i < batches.size(); i++) {
      assertThat(batches.get(i).height()).isEqualTo(i + 1);
      assertThat(r.finalizedBlocks()).containsEntry((long) i + 1, batches.get(i).blockHash());
    }
    assertThat(batches.stream().mapToInt(b -> b.messages().size()).sum()).isPositive();
  }

  @Test
  void fourReplicasWithOneSilentKeepFinalizing() {
    for (long seed = 1; seed <= 3; seed++) {
      Result r = SubnetSimulation.run(
          Scenario.of("n=4 one silent", 4, 6_000).with(2, Behavior.SILENT, 0).with(Network.lossy()), seed);
      assertThat(r.minDeliveredHeight()).as("seed %d", seed).isGreaterThanOrEqualTo(8);
    }
  }

  @Test
  void fourReplicasWithTwoSilentStopFinalizingAndNeverFork() {
    for (long seed = 1; seed <= 2; seed++) {
      Scenario s = Scenario.of("n=4 two go silent", 4, 6_000)
          .with(1, Behavior.SILENT, 2_000)
          .with(3, Behavior.SILENT, 2_000)
          .withoutLiveness();
      Result r = SubnetSimulation.run(s, seed);
      long heightWhenSilenced = r.deliveredByHonest().values().stream()
          .flatMap(java.util.List::stream)
          .filter(b -> b.timeMs() < 2_000)
          .mapToLong(Batch::height).max().orElse(0);
      assertThat(heightWhenSilenced).as("progress before the crash, seed %d", seed).isGreaterThan(3);
      // Nothing made after the crash (plus a round in flight) is ever finalized.
      assertThat(r.finalizedBlocks().lastKey()).as("seed %d", seed).isLessThanOrEqualTo(heightWhenSilenced + 2);
    }
  }

  @Test
  void anEquivocatingMakerNeverCausesTwoFinalizedBlocksAtAHeight() {
    for (long seed = 1; seed <= 3; seed++) {
      Result r = SubnetSimulation.run(
          Scenario.of("n=4 equivocating maker", 4, 6_000).with(0, Behavior.EQUIVOCATING_MAKER, 0), seed);
      assertThat(r.minDeliveredHeight()).as("seed %d", seed).isGreaterThanOrEqualTo(8);
    }
  }

  @Test
  void invalidSignaturesAreIgnored() {
    Result r = SubnetSimulation.run(
        Scenario.of("n=4 forger", 4, 5_000).with(1, Behavior.INVALID_SIGNATURES, 0), 7);
    assertThat(r.forgeriesSent()).isGreaterThan(50);
    assertThat(r.forgeriesRejected()).isGreaterThan(50);
    assertThat(r.minDeliveredHeight()).isGreaterThanOrEqualTo(8);
  }

  @Test
  void sevenReplicasWithTwoByzantineOverALossyNetworkAgree() {
    for (long seed = 1; seed <= 2; seed++) {
      Scenario s = Scenario.of("n=7 two byzantine, lossy", 7, 6_000)
          .with(Network.lossy())
          .with(0, Behavior.EQUIVOCATING_MAKER, 0)
          .with(5, Behavior.CONFLICTING_SHARES, 0);
      Result r = SubnetSimulation.run(s, seed);
      assertThat(r.minDeliveredHeight()).as("seed %d", seed).isGreaterThanOrEqualTo(6);
    }
  }

  @Test
  void progressResumesAfterAPartitionHeals() {
    for (long seed = 1; seed <= 2; seed++) {
      // Two against two: no side has a quorum of three, so nothing finalizes until it heals.
      Scenario s = Scenario.of("n=4 split 2/2", 4, 8_000)
          .with(new Partition(1_500, 4_000, Set.of(0, 1)))
          .with(Network.lossy());
      Result r = SubnetSimulation.run(s, seed);
      assertThat(r.minDeliveredHeight()).as("seed %d", seed).isGreaterThanOrEqualTo(8);
    }
  }

  @Test
  void aCutOffReplicaCatchesUpAfterHealing() {
    Scenario s = Scenario.of("n=7 one cut off", 7, 7_000)
        .with(new Partition(500, 3_500, Set.of(6)))
        .with(3, Behavior.SILENT, 0);
    Result r = SubnetSimulation.run(s, 3);
    var lagging = r.deliveredByHonest().get(6);
    var other = r.deliveredByHonest().get(0);
    assertThat(lagging.size()).isGreaterThanOrEqualTo(other.size() - 3);
  }

  @Test
  void theSameSeedGivesTheSameRun() {
    Scenario s = Scenario.of("n=4 determinism", 4, 3_000).with(Network.lossy()).with(3, Behavior.CONFLICTING_SHARES, 0);
    Result first = SubnetSimulation.run(s, 11);
    Result second = SubnetSimulation.run(s, 11);
    assertThat(first.minDeliveredHeight()).isPositive();
    assertThat(second.deliveredByHonest()).isEqualTo(first.deliveredByHonest());
    assertThat(second.finalizedBlocks()).isEqualTo(first.finalizedBlocks());
    assertThat(second.messagesDelivered()).isEqualTo(first.messagesDelivered());
  }

  // ---- busy rounds (ConsensusParameters#busyRounds) ----

  /** The simulation's delays (300 ms per rank, 150 ms rounds) with a 5 ms notary delay for blocks with calls. */
  private static ConsensusParameters busyRounds() {
    return SubnetSimulation.defaultParameters().withBusyNotaryDelay(5);
  }

  private static final Network FAST = new Network(1, 10, 0.0, 0.0, 0.0);

  @Test
  void withBusyRoundsASubnetWithCallsWaitingMakesHeightsFasterThanTheRoundInterval() {
    for (long seed = 1; seed <= 3; seed++) {
      // Every replica gets a call at each of its 50 ms ticks.
      Scenario paced = Scenario.of("n=4 paced, calls waiting", 4, 5_000).with(FAST).withOneCallIn(1);
      Scenario busy = Scenario.of("n=4 busy rounds, calls waiting", 4, 5_000).with(FAST).withOneCallIn(1)
          .with(busyRounds());
      Result p = SubnetSimulation.run(paced, seed);
      Result b = SubnetSimulation.run(busy, seed);
      // Paced: at most one height per 150 ms round.
      assertThat(p.minDeliveredHeight()).as("seed %d", seed).isLessThanOrEqualTo(5_000 / 150);
      assertThat(b.minDeliveredHeight()).as("seed %d", seed).isGreaterThanOrEqualTo(2 * p.minDeliveredHeight());
      assertThat(b.meanCallLatencyMs()).as("seed %d", seed).isLessThan(p.meanCallLatencyMs() / 2);
    }
  }

  @Test
  void withBusyRoundsAnIdleSubnetStaysPaced() {
    for (long seed = 1; seed <= 2; seed++) {
      Result r = SubnetSimulation.run(
          Scenario.of("n=4 busy rounds, idle", 4, 6_000).with(FAST).withOneCallIn(0).with(busyRounds()), seed);
      // Empty blocks still wait for the 150 ms notary delay: no more heights than when paced.
      assertThat(r.minDeliveredHeight()).as("seed %d", seed).isBetween(20L, 6_000L / 150);
      assertThat(r.deliveredByHonest().get(0)).allMatch(batch -> batch.messages().isEmpty());
    }
  }

  @Test
  void withBusyRoundsASilentOrEquivocatingReplicaStillLeavesProgress() {
    for (long seed = 1; seed <= 3; seed++) {
      // A silent replica is the rank-0 maker in about one round of four: rank 1 takes over.
      Result silent = SubnetSimulation.run(Scenario.of("n=4 busy rounds, one silent", 4, 6_000)
          .with(2, Behavior.SILENT, 0).with(Network.lossy()).withOneCallIn(1).with(busyRounds()), seed);
      assertThat(silent.minDeliveredHeight()).as("seed %d", seed).isGreaterThanOrEqualTo(12);
      Result equivocating = SubnetSimulation.run(Scenario.of("n=4 busy rounds, equivocating maker", 4, 6_000)
          .with(0, Behavior.EQUIVOCATING_MAKER, 0).with(Network.lossy()).withOneCallIn(1).with(busyRounds()), seed);
      assertThat(equivocating.minDeliveredHeight()).as("seed %d", seed).isGreaterThanOrEqualTo(8);
      Result shares = SubnetSimulation.run(Scenario.of("n=7 busy rounds, two byzantine", 7, 6_000)
          .with(1, Behavior.CONFLICTING_SHARES, 0).with(4, Behavior.INVALID_SIGNATURES, 0)
          .with(Network.lossy()).withOneCallIn(2).with(busyRounds()), seed);
      assertThat(shares.minDeliveredHeight()).as("seed %d", seed).isGreaterThanOrEqualTo(8);
    }
  }

  @Test
  void randomSeeds() {
    int seeds = Integer.getInteger("canopy.sim.seeds", 2);
    long first = Long.getLong("canopy.sim.firstSeed", 100);
    for (long seed = first; seed < first + seeds; seed++) {
      for (Scenario s : randomScenarios(seed)) {
        SubnetSimulation.run(s, seed);
      }
    }
  }

  /** The scenario families the random run draws from: each subnet size with up to f Byzantine. */
  private static java.util.List<Scenario> randomScenarios(long seed) {
    Behavior[] byzantine = {Behavior.SILENT, Behavior.EQUIVOCATING_MAKER, Behavior.INVALID_SIGNATURES,
        Behavior.CONFLICTING_SHARES};
    Behavior a = byzantine[(int) Math.floorMod(seed, 4)];
    Behavior b = byzantine[(int) Math.floorMod(seed / 4, 4)];
    return java.util.List.of(
        Scenario.of("random n=1", 1, 2_000).with(Network.lossy()),
        Scenario.of("random n=4", 4, 5_000).with(Network.lossy()).with(1, a, 0)
            .with(new Partition(1_000, 2_000, Set.of(0, 2))),
        Scenario.of("random n=4 busy rounds", 4, 5_000).with(Network.lossy()).with(3, a, 0).withOneCallIn(1)
            .with(busyRounds()).with(new Partition(1_500, 2_500, Set.of(1, 2))),
        Scenario.of("random n=7", 7, 5_000).with(Network.lossy()).with(2, a, 0).with(4, b, 500)
            .with(new Partition(800, 1_800, Set.of(0, 1, 6))));
  }
}
