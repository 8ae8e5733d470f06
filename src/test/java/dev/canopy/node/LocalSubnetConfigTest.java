package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replicas of `canopy start --replicas N` with a fixed port: every one on its own ports. */
class LocalSubnetConfigTest {
  @TempDir Path dir;

  @Test
  void eachReplicaHasItsOwnHttpManagementAndClusterPortAndDataDirectory() {
    NodeConfig base = TestNodeConfigs.ephemeral(dir, Map.of("canopy.node.http.port", 4943));
    List<NodeConfig> configs = LocalSubnet.replicaConfigs(base, 4, List.of(25520, 25521, 25522, 25523));

    for (int i = 0; i < 4; i++) {
      NodeConfig c = configs.get(i);
      assertThat(c.http().port()).isEqualTo(4943 + i);
      assertThat(c.management().port()).isEqualTo(4947 + i);
      // What Pekko Management binds: not the base's port for every replica.
      assertThat(c.pekkoConfig().getInt("pekko.management.http.port")).isEqualTo(4947 + i);
      assertThat(c.pekkoConfig().getInt("pekko.remote.artery.canonical.port")).isEqualTo(25520 + i);
      assertThat(c.dataDir()).isEqualTo(LocalSubnet.replicaDir(base.dataDir(), i));
      assertThat(c.pekkoConfig().getStringList("pekko.cluster.seed-nodes"))
          .containsExactly("pekko://canopy@" + base.cluster().host() + ":25520");
      // Every replica knows every member's address, so it reaches them without the cluster.
      assertThat(c.subnetPeers().members()).containsExactly(
          "pekko://canopy@" + base.cluster().host() + ":25520",
          "pekko://canopy@" + base.cluster().host() + ":25521",
          "pekko://canopy@" + base.cluster().host() + ":25522",
          "pekko://canopy@" + base.cluster().host() + ":25523");
    }
  }
}
