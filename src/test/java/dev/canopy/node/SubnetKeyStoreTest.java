package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.consensus.SubnetKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
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
    return TestKeyGeneration.dataDirs(dir);
  }

  private List<ReplicaIdentity> members() {
    return TestKeyGeneration.members(dir, SEED);
  }

  /** Every member deals at height 1; the record closes at the first closing height. */
  private static KeyGenerationRecord closedRecord(List<ReplicaIdentity> members) {
    return TestKeyGeneration.closedRecord(members, 0);
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
    KeyGenerationRecord otherRun = TestKeyGeneration.closedRecord(members, 100);
    assertThatThrownBy(() -> new SubnetKeyStore(members.get(0), dataDirs().get(0).resolve(DataDirectory.KEYS_DIR))
        .establish(otherRun))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("belongs to another key generation");
  }

  @Test
  void theKeyFileAloneGivesTheKeysToVerifyCatchUpPackagesWithAndIsCheckedAgainstTheGenesis() throws Exception {
    List<ReplicaIdentity> members = members();
    KeyGenerationRecord record = closedRecord(members);
    Path keys2 = dataDirs().get(2).resolve(DataDirectory.KEYS_DIR);
    assertThat(new SubnetKeyStore(members.get(2), keys2).loadFile()).isEmpty();
    SubnetKeys established = new SubnetKeyStore(members.get(2), keys2).establish(record);

    // A restart whose state lost the record: the file gives the keys, not yet established.
    SubnetKeyStore store = new SubnetKeyStore(members.get(2), keys2);
    SubnetKeys fromFile = store.loadFile().orElseThrow();
    assertThat(fromFile.sameAs(established)).isTrue();
    assertThat(SubnetKeyStore.samePublic(fromFile, SubnetKeyStore.publicKeys(record))).isTrue();
    assertThat(store.current()).isEmpty();

    // Another replica's file, and a file whose keys no closing height of this genesis can give.
    Files.copy(keyFile(2), keyFile(1));
    assertThatThrownBy(() -> new SubnetKeyStore(members.get(1), dataDirs().get(1).resolve(DataDirectory.KEYS_DIR))
        .loadFile())
        .isInstanceOf(NodeStartupException.class).hasMessageContaining("holds another replica's shares");
    SubnetKeys shifted = new SubnetKeys(established.lastBootstrapHeight() + 1, established.beacon(),
        established.certification(), established.beaconShare(), established.certificationShare());
    Files.delete(keyFile(2));
    KeyFiles.writeNew(keyFile(2), SubnetKeyStore.encode(shifted));
    assertThatThrownBy(() -> new SubnetKeyStore(members.get(2), keys2).loadFile())
        .isInstanceOf(NodeStartupException.class).hasMessageContaining("not of this subnet's key generation");
  }
}
