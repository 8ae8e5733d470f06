package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.DkgPayload;
import dev.canopy.consensus.KeyGeneration;
import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.consensus.SubnetKeys;
import dev.canopy.crypto.DeterministicRandom;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica's threshold key shares after the key generation: derived from the closed record and
 * kept owner-only, loaded again on the next start, derived again when the file is lost, and a file
 * of another key generation refused. The record here comes from every member's honest dealings
 * folded in as the finalized chain would carry them.
 */
class SubnetKeyStoreTest {
  private static final long SEED = 77;

  @TempDir Path dir;

  private List<Path> dataDirs() {
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      dirs.add(dir.resolve("replica-" + i));
    }
    return dirs;
  }

  private List<ReplicaIdentity> members() {
    Genesis.loadOrCreateSubnetGenesis(dataDirs(), SubnetGenesisTest.RANGE, new KeyGeneration.Schedule(4, 1),
        new SplittableRandom(SEED));
    List<ReplicaIdentity> out = new ArrayList<>();
    for (Path d : dataDirs()) {
      out.add(Genesis.loadMember(d, d.resolve(DataDirectory.KEYS_DIR)));
    }
    return out;
  }

  /** Every member deals at height 1; the record closes at the first closing height. */
  private static KeyGenerationRecord closedRecord(List<ReplicaIdentity> members) {
    KeyGeneration setup = members.get(0).keyGeneration().orElseThrow();
    List<Artifact.KeyDealing> dealings = new ArrayList<>();
    for (ReplicaIdentity m : members) {
      dealings.addAll(setup.deal(m.replicaIndex(), m.nodeSigningKey(), DeterministicRandom.fromSeed(m.replicaIndex())));
    }
    KeyGenerationRecord record = setup.start().append(1, new DkgPayload(dealings, List.of()));
    for (long h = 2; h <= 4; h++) {
      record = record.append(h, DkgPayload.EMPTY);
    }
    assertThat(record.isClosed()).isTrue();
    return record;
  }

  private Path keyFile(int replica) {
    return dataDirs().get(replica).resolve(DataDirectory.KEYS_DIR).resolve(SubnetKeyStore.FILE);
  }

  @Test
  void theSharesAreDerivedOnceThenLoadedAndTheFileIsOwnerOnly() throws Exception {
    List<ReplicaIdentity> members = members();
    KeyGenerationRecord record = closedRecord(members);
    ReplicaIdentity m = members.get(2);
    SubnetKeyStore first = new SubnetKeyStore(m, dataDirs().get(2).resolve(DataDirectory.KEYS_DIR));

    SubnetKeys derived = first.establish(record);
    assertThat(first.source()).isEqualTo("derived");
    assertThat(derived.certificationShare().orElseThrow().index()).isEqualTo(3);
    assertThat(Files.getPosixFilePermissions(keyFile(2))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    byte[] written = Files.readAllBytes(keyFile(2));

    SubnetKeyStore again = new SubnetKeyStore(m, dataDirs().get(2).resolve(DataDirectory.KEYS_DIR));
    SubnetKeys loaded = again.establish(record);
    assertThat(again.source()).isEqualTo("loaded");
    assertThat(loaded.sameAs(derived)).isTrue();
    assertThat(Files.readAllBytes(keyFile(2))).isEqualTo(written);
    // The file holds this replica's shares and no other's.
    for (ReplicaIdentity other : members) {
      SubnetKeys theirs = SubnetKeys.derive(record, other.replicaIndex(), other.dkgKey().orElseThrow());
      assertThat(SubnetGenesisTest.contains(written, theirs.certificationShare().orElseThrow().key().toBytes()))
          .isEqualTo(other.replicaIndex() == 2);
    }
  }

  @Test
  void aLostFileIsDerivedAgainFromTheRecordWithTheSameShares() throws Exception {
    List<ReplicaIdentity> members = members();
    KeyGenerationRecord record = closedRecord(members);
    SubnetKeys before = new SubnetKeyStore(members.get(1), dataDirs().get(1).resolve(DataDirectory.KEYS_DIR))
        .establish(record);
    Files.delete(keyFile(1));
    // The record survives as the state manager keeps it: encoded, and decoded on recovery.
    KeyGenerationRecord recovered = KeyGenerationRecord.decode(members.get(1).keyGeneration().orElseThrow(), record.encode());

    SubnetKeyStore store = new SubnetKeyStore(members.get(1), dataDirs().get(1).resolve(DataDirectory.KEYS_DIR));
    SubnetKeys after = store.establish(recovered);
    assertThat(store.source()).isEqualTo("derived");
    assertThat(after.sameAs(before)).isTrue();
    assertThat(Files.exists(keyFile(1))).isTrue();
  }

  @Test
  void anotherReplicasOrAnotherKeyGenerationsFileIsRefused() throws Exception {
    List<ReplicaIdentity> members = members();
    KeyGenerationRecord record = closedRecord(members);
    new SubnetKeyStore(members.get(0), dataDirs().get(0).resolve(DataDirectory.KEYS_DIR)).establish(record);
    Files.copy(keyFile(0), keyFile(3));

    assertThatThrownBy(() -> new SubnetKeyStore(members.get(3), dataDirs().get(3).resolve(DataDirectory.KEYS_DIR))
        .establish(record))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("holds another replica's shares");

    // Another run of the key generation over the same members gives other keys.
    KeyGeneration setup = members.get(0).keyGeneration().orElseThrow();
    List<Artifact.KeyDealing> dealings = new ArrayList<>();
    for (ReplicaIdentity m : members) {
      dealings.addAll(setup.deal(m.replicaIndex(), m.nodeSigningKey(), DeterministicRandom.fromSeed(100 + m.replicaIndex())));
    }
    KeyGenerationRecord other = setup.start().append(1, new DkgPayload(dealings, List.of()));
    for (long h = 2; h <= 4; h++) {
      other = other.append(h, DkgPayload.EMPTY);
    }
    KeyGenerationRecord otherRun = other;
    assertThatThrownBy(() -> new SubnetKeyStore(members.get(0), dataDirs().get(0).resolve(DataDirectory.KEYS_DIR))
        .establish(otherRun))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("belongs to another key generation");
  }
}
