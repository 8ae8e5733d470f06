package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.consensus.KeyGeneration;
import dev.canopy.types.CanisterId;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Genesis of a subnet of several replicas: each replica's directory gets its own node and DKG keys
 * and the shared public record, and no threshold key (the replicas generate those; see
 * LocalSubnetTest and the consensus simulation).
 */
class SubnetGenesisTest {
  private static final long SEED = 20_261_121L;
  static final CanisterIdRange RANGE = new CanisterIdRange(CanisterId.fromIndex(0), CanisterId.fromIndex(0xFFFFF));

  @TempDir Path dir;

  private List<Path> dataDirs(int n) {
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      dirs.add(dir.resolve("replica-" + i));
    }
    return dirs;
  }

  private SubnetGenesis create(int n, long seed) {
    return Genesis.loadOrCreateSubnetGenesis(dataDirs(n), RANGE, KeyGeneration.Schedule.defaults(),
        new SplittableRandom(seed));
  }

  @Test
  void eachReplicaGetsOnlyItsOwnNodeAndDkgKeysOwnerOnlyAndTheSharedRecord() throws Exception {
    SubnetGenesis genesis = create(4, SEED);
    byte[] record = Files.readAllBytes(dataDirs(4).get(0).resolve(SubnetGenesis.FILE));
    List<ReplicaIdentity> members = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Path data = dataDirs(4).get(i);
      Path keys = data.resolve(DataDirectory.KEYS_DIR);
      assertThat(Files.readAllBytes(data.resolve(SubnetGenesis.FILE))).isEqualTo(record);
      try (Stream<Path> files = Files.list(keys)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder(Genesis.NODE_KEY_FILE, Genesis.DKG_KEY_FILE);
      }
      for (String f : new String[] {Genesis.NODE_KEY_FILE, Genesis.DKG_KEY_FILE}) {
        assertThat(Files.getPosixFilePermissions(keys.resolve(f))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      }
      ReplicaIdentity member = Genesis.loadMember(data, keys);
      assertThat(member.replicaIndex()).isEqualTo(i);
      assertThat(member.generatesKeys()).isTrue();
      assertThat(member.genesisId()).isEqualTo(genesis.genesisId());
      assertThat(member.replicaCount()).isEqualTo(4);
      members.add(member);
    }
    // No directory holds another member's secrets.
    for (int i = 0; i < 4; i++) {
      byte[] all = allBytesUnder(dataDirs(4).get(i));
      for (int j = 0; j < 4; j++) {
        byte[] otherDkgKey = members.get(j).dkgKey().orElseThrow().toBytes();
        byte[] otherNodeSeed = members.get(j).nodeSigningKey().seed();
        assertThat(contains(all, otherDkgKey)).as("replica %d holds DKG key %d", i, j).isEqualTo(i == j);
        assertThat(contains(all, otherNodeSeed)).as("replica %d holds node key %d", i, j).isFalse();
      }
    }
  }

  @Test
  void laterStartsLoadTheSameGenesis() {
    SubnetGenesis created = create(4, SEED);
    SubnetGenesis loaded = create(4, SEED + 1);
    assertThat(loaded).isEqualTo(created);
    assertThat(loaded.genesisId()).isEqualTo(created.genesisId());
  }

  @Test
  void theGenesisIdIsAnOpaqueNameHashedFromTheRecord() {
    SubnetGenesis genesis = create(4, SEED);
    assertThat(genesis.genesisId().principal().kind()).isEqualTo(Principal.Kind.OPAQUE);
    assertThat(SubnetGenesis.decode(genesis.encode()).genesisId()).isEqualTo(genesis.genesisId());
    SubnetGenesis otherRange = new SubnetGenesis(genesis.nodeKeys(), genesis.dkgKeys(),
        new CanisterIdRange(CanisterId.fromIndex(0), CanisterId.fromIndex(7)), genesis.schedule());
    assertThat(otherRange.genesisId()).isNotEqualTo(genesis.genesisId());
  }

  @Test
  void aRecordInAnotherEncodingIsRefused() {
    byte[] bytes = create(4, SEED).encode();
    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> SubnetGenesis.decode(longer)).isInstanceOf(InvalidInputException.class);
  }

  @Test
  void aSubnetWithSomeGenesisFilesMissingIsRefused() throws Exception {
    create(4, SEED);
    Files.delete(dataDirs(4).get(2).resolve(SubnetGenesis.FILE));

    assertThatThrownBy(() -> create(4, SEED))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("only 3 of the 4");
  }

  @Test
  void replicaDirectoriesInTheWrongOrderAreRefused() {
    List<Path> dirs = dataDirs(4);
    create(4, SEED);
    List<Path> swapped = new ArrayList<>(dirs);
    swapped.set(0, dirs.get(1));
    swapped.set(1, dirs.get(0));

    assertThatThrownBy(() -> Genesis.loadOrCreateSubnetGenesis(swapped, RANGE, KeyGeneration.Schedule.defaults(),
        new SplittableRandom(SEED)))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("is not that of replica 0");
  }

  @Test
  void aMemberWithoutItsDkgKeyIsRefusedWithWhatToDo() throws Exception {
    create(4, SEED);
    Path data = dataDirs(4).get(1);
    Path dkgKey = data.resolve(DataDirectory.KEYS_DIR).resolve(Genesis.DKG_KEY_FILE);
    Files.delete(dkgKey);

    assertThatThrownBy(() -> Genesis.loadMember(data, data.resolve(DataDirectory.KEYS_DIR)))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining(dkgKey + " is missing; restore it from a backup");
  }

  @Test
  void aDirectoryWithKeysButNoGenesisIsNotOverwritten() throws Exception {
    Path keys = dataDirs(4).get(3).resolve(DataDirectory.KEYS_DIR);
    Files.createDirectories(dataDirs(4).get(3));
    Genesis.loadOrCreate(keys, new SplittableRandom(SEED)); // a single node's keys

    assertThatThrownBy(() -> create(4, SEED))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("holds keys but no subnet genesis");
  }

  static byte[] allBytesUnder(Path root) throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
        out.write(Files.readAllBytes(p));
        out.write(0);
      }
    }
    return out.toByteArray();
  }

  static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
