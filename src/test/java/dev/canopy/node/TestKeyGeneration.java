package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.DkgPayload;
import dev.canopy.consensus.KeyGeneration;
import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.crypto.DeterministicRandom;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A subnet of four replicas that generates its keys, as the node tests need it: each replica's
 * data directory with its genesis and keys (written by {@link Genesis}), and closed key generation
 * records folded from every member's honest dealings as the finalized chain would carry them.
 */
final class TestKeyGeneration {
  static final int REPLICAS = 4;
  /** Closing every 4 heights, the last one for complaints only. */
  static final KeyGeneration.Schedule SCHEDULE = new KeyGeneration.Schedule(4, 1);

  private TestKeyGeneration() {}

  static List<Path> dataDirs(Path root) {
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < REPLICAS; i++) {
      dirs.add(root.resolve("replica-" + i));
    }
    return dirs;
  }

  /** The members of the subnet under {@code root}, created on first use from {@code seed}. */
  static List<ReplicaIdentity> members(Path root, long seed) {
    Genesis.loadOrCreateSubnetGenesis(dataDirs(root), SubnetGenesisTest.RANGE, SCHEDULE, new SplittableRandom(seed));
    List<ReplicaIdentity> out = new ArrayList<>();
    for (Path d : dataDirs(root)) {
      out.add(Genesis.loadMember(d, d.resolve(DataDirectory.KEYS_DIR)));
    }
    return out;
  }

  /**
   * Every member deals at height 1 with randomness from {@code dealingSeed} (another seed, another
   * run of the key generation, other keys); the record closes at the first closing height.
   */
  static KeyGenerationRecord closedRecord(List<ReplicaIdentity> members, long dealingSeed) {
    KeyGeneration setup = members.get(0).keyGeneration().orElseThrow();
    List<Artifact.KeyDealing> dealings = new ArrayList<>();
    for (ReplicaIdentity m : members) {
      dealings.addAll(setup.deal(m.replicaIndex(), m.nodeSigningKey(),
          DeterministicRandom.fromSeed(dealingSeed + m.replicaIndex())));
    }
    KeyGenerationRecord record = setup.start().append(1, new DkgPayload(dealings, List.of()));
    for (long h = 2; h <= SCHEDULE.intervalHeights(); h++) {
      record = record.append(h, DkgPayload.EMPTY);
    }
    assertThat(record.isClosed()).isTrue();
    return record;
  }
}
