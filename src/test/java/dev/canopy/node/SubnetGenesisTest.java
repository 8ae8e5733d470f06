package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.ThresholdBls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Genesis of a subnet of several replicas: trusted-dealer keys, one share per replica's files. */
class SubnetGenesisTest {
  private static final long SEED = 20_261_121L;

  @TempDir Path dir;

  private List<Path> keyDirs(int n) {
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      dirs.add(dir.resolve("replica-" + i).resolve("keys"));
    }
    return dirs;
  }

  @Test
  void fourReplicasGetThresholdsTwoFPlusOneForCertificationAndFPlusOneForTheBeacon() {
    List<NodeKeys> keys = Genesis.createSubnet(4, new SplittableRandom(SEED));

    assertThat(keys).hasSize(4);
    for (int i = 0; i < 4; i++) {
      NodeKeys k = keys.get(i);
      assertThat(k.replicaIndex()).isEqualTo(i);
      assertThat(k.subnetKeyParameters()).isEqualTo(new ThresholdBls.Parameters(3, 4));
      assertThat(k.membership().beaconParameters()).isEqualTo(new ThresholdBls.Parameters(2, 4));
      assertThat(k.subnetId()).isEqualTo(keys.get(0).subnetId());
      assertThat(k.memberNodeKeys()).isEqualTo(keys.get(0).memberNodeKeys());
      assertThat(k.consensusConfig().self()).isEqualTo(k.nodeId());
    }
    // Any three replicas' shares sign for the subnet; two do not suffice.
    byte[] message = BlsSignatureScheme.stateRootMessage(new byte[32]);
    List<ThresholdBls.SignatureShare> shares = new ArrayList<>();
    for (int i : new int[] {3, 0, 2}) {
      shares.add(ThresholdBls.signShare(keys.get(i).subnetKeyShare(), message));
    }
    byte[] signature = ThresholdBls.combineSignatures(keys.get(0).subnetKeyParameters(), shares);
    assertThat(BlsSignatureScheme.verify(keys.get(1).subnetPublicKey(), message, signature)).isTrue();
    assertThatThrownBy(() -> ThresholdBls.combineSignatures(
        keys.get(0).subnetKeyParameters(), shares.subList(0, 2)))
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void eachReplicasFilesHoldOnlyItsOwnSharesAndLoadBackAsTheSameSubnet() throws Exception {
    List<NodeKeys> created = Genesis.loadOrCreateSubnet(keyDirs(4), new SplittableRandom(SEED));
    List<NodeKeys> loaded = Genesis.loadOrCreateSubnet(keyDirs(4), new SplittableRandom(SEED + 1));

    for (int i = 0; i < 4; i++) {
      assertThat(loaded.get(i).nodeId()).isEqualTo(created.get(i).nodeId());
      assertThat(loaded.get(i).subnetKeyShare()).isEqualTo(created.get(i).subnetKeyShare());
      assertThat(loaded.get(i).beaconKeyShare()).isEqualTo(created.get(i).beaconKeyShare());
      assertThat(loaded.get(i).beaconPublicKey()).isEqualTo(created.get(i).beaconPublicKey());
      byte[] file = Files.readAllBytes(keyDirs(4).get(i).resolve(Genesis.SUBNET_KEY_FILE));
      for (int j = 0; j < 4; j++) {
        byte[] other = created.get(j).subnetKeyShare().key().toBytes();
        assertThat(contains(file, other)).as("replica %d's file holds share %d", i, j + 1)
            .isEqualTo(i == j);
        byte[] otherBeacon = created.get(j).beaconKeyShare().key().toBytes();
        assertThat(contains(file, otherBeacon)).isEqualTo(i == j);
      }
    }
  }

  @Test
  void aSubnetWithSomeKeyDirectoriesMissingIsRefused() throws Exception {
    Genesis.loadOrCreateSubnet(keyDirs(4), new SplittableRandom(SEED));
    Files.delete(keyDirs(4).get(2).resolve(Genesis.NODE_KEY_FILE));
    Files.delete(keyDirs(4).get(2).resolve(Genesis.SUBNET_KEY_FILE));

    assertThatThrownBy(() -> Genesis.loadOrCreateSubnet(keyDirs(4), new SplittableRandom(SEED)))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("only 3 of the 4");
  }

  @Test
  void replicaFilesInTheWrongOrderAreRefused() throws Exception {
    List<Path> dirs = keyDirs(4);
    Genesis.loadOrCreateSubnet(dirs, new SplittableRandom(SEED));
    List<Path> swapped = new ArrayList<>(dirs);
    swapped.set(0, dirs.get(1));
    swapped.set(1, dirs.get(0));

    assertThatThrownBy(() -> Genesis.loadOrCreateSubnet(swapped, new SplittableRandom(SEED)))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("not those of replica 0");
  }

  @Test
  void aSubnetOfOneIsTheSingleNodeGenesis() {
    NodeKeys only = Genesis.createSubnet(1, new SplittableRandom(SEED)).get(0);
    assertThat(only.replicaCount()).isEqualTo(1);
    assertThat(only.beaconPublicKey()).isEqualTo(only.subnetPublicKey());
    assertThat(Genesis.decodeSubnetKey(only.nodeSigningKey(), Genesis.encodeSubnetKey(only))
        .memberNodeKeys()).containsExactly(only.nodeSigningKey().publicKey());
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
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
