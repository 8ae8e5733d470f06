package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.http.ReplicaHealthStatus;
import dev.canopy.types.NodeId;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborMap;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node started in this JVM on free ports, as {@code canopy start} runs it. */
class NodeTest {
  private static final long SEED = 4943;
  private final HttpClient client = HttpClient.newHttpClient();

  @TempDir Path dir;

  private HttpResponse<byte[]> get(URI base, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(base.resolve(path)).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void startsHealthyServesStatusAndStopsCleanlyThenResumesWithTheSameKeys() throws Exception {
    NodeConfig config = TestNodeConfigs.ephemeral(dir);
    NodeId firstId;
    byte[] rootKey;
    try (Node node = Node.start(config, new SplittableRandom(SEED))) {
      firstId = node.nodeId();
      rootKey = node.keys().rootKeyDer();
      assertThat(node.health().status()).isEqualTo(ReplicaHealthStatus.HEALTHY);
      assertThat(node.httpAddress().getPort()).isPositive();

      HttpResponse<byte[]> status = get(node.httpUri(), "/api/v2/status");
      assertThat(status.statusCode()).isEqualTo(200);
      CborMap map = CborDecoder.DEFAULT.decodeMap(status.body(), "status");
      assertThat(map.getText("replica_health_status")).isEqualTo("healthy");
      assertThat(map.getText("ic_api_version")).isEqualTo("2");
      assertThat(map.getText("impl_version")).isEqualTo(BuildInfo.version());
      assertThat(map.getBytes("root_key")).hasSize(133).isEqualTo(rootKey);

      assertThat(get(node.httpUri(), "/nothing/here").statusCode()).isEqualTo(404);
      assertThat(get(node.managementUri(), "/ready").statusCode()).isEqualTo(200);
      assertThat(get(node.managementUri(), "/alive").statusCode()).isEqualTo(200);

      // A second node on the same directory is refused while the first runs.
      assertThatThrownBy(() -> Node.start(TestNodeConfigs.ephemeral(dir)))
          .isInstanceOf(DataDirectoryLockedException.class);
    }
    // Stopped: the lock is free and the keys are kept.
    try (Node again = Node.start(config, new SplittableRandom(SEED + 1))) {
      assertThat(again.nodeId()).isEqualTo(firstId);
      assertThat(again.keys().rootKeyDer()).isEqualTo(rootKey);
    }
  }

  @Test
  void aPortInUseIsNamedWithHowToPickAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      NodeConfig config = TestNodeConfigs.ephemeral(dir, Map.of("canopy.node.http.port", port));

      assertThatThrownBy(() -> Node.start(config, new SplittableRandom(SEED)))
          .isInstanceOf(PortInUseException.class)
          .hasMessage(
              "the HTTP interface cannot listen on 127.0.0.1:" + port + " because the port is"
                  + " already in use; stop the process that uses it, or pick another port with"
                  + " --port (canopy.node.http.port, CANOPY_HTTP_PORT)");
    }
    // The failed start released the data directory.
    DataDirectory.open(dir).close();
  }

  @Test
  void aClusterPortInUseIsNamedToo() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      NodeConfig config =
          TestNodeConfigs.ephemeral(dir, Map.of("canopy.node.cluster.port", port));

      assertThatThrownBy(() -> Node.start(config, new SplittableRandom(SEED)))
          .isInstanceOf(PortInUseException.class)
          .hasMessageStartingWith(
              "the cluster transport (Artery) cannot listen on 127.0.0.1:" + port)
          .hasMessageEndingWith("pick another port with canopy.node.cluster.port"
              + " (CANOPY_CLUSTER_PORT); 0 picks a free port");
    }
    DataDirectory.open(dir).close();
  }
}
