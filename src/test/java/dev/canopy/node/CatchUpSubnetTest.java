package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.execution.StateCodec;
import dev.canopy.http.PublishedState;
import dev.canopy.types.Principal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subnet of four replicas (f = 1) that checkpoints every 10 heights and keeps only 20 finalized
 * heights for lagging peers. A replica stopped while the others run far past that window cannot
 * catch up from their blocks; restarted, it recovers its own journal, learns a newer catch-up
 * package from its peers, fetches that checkpoint's state from them in chunks, installs it and
 * resumes consensus from the package, reaching the others' state and serving the right values. A
 * replica that lost its store (but kept its keys) catches up the same way instead of replaying from
 * genesis: its key file lets it verify the package, whose key generation record it adopts. The
 * tests run in order on one subnet.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CatchUpSubnetTest {
  static final int REPLICAS = 4;
  static final int CHECKPOINT_EVERY = 10;
  static final int RETAIN = 20;
  static final byte[] NO_ARGS = CandidArgs.EMPTY.encode();

  @TempDir static Path dataDir;
  static LocalSubnet subnet;
  static Principal counter;
  static long counted;
  static long installedAt;

  @BeforeAll
  static void start() {
    NodeConfig base = TestNodeConfigs.ephemeral(dataDir, Map.of(
        // Rounds slow enough for four replicas on two loaded cores (as LocalSubnetTest).
        "canopy.replica.round-interval-ms", 100,
        "canopy.replica.consensus-tick-ms", 10,
        "canopy.replica.sync-call-timeout-ms", 50_000,
        "canopy.replica.checkpoint-every-heights", CHECKPOINT_EVERY,
        "canopy.replica.catch-up.retain-heights", RETAIN,
        // Small chunks, so a state travels as many of them.
        "canopy.replica.catch-up.chunk-bytes", 16 * 1024,
        "canopy.replica.catch-up.query-interval-ms", 200,
        // A replica restarted at once joins while its old incarnation is still leaving; its
        // first join attempt fails, and the next one comes sooner than the default 10 s.
        "pekko.cluster.retry-unsuccessful-join-after", "1s"));
    subnet = LocalSubnet.start(base, REPLICAS, new SplittableRandom(20260301L));
    IcTestClient client = new IcTestClient(subnet.node(0).httpUri(), 1);
    counter = client.createAndInstall(ReplicaNodeTest.motoko("counter"));
    inc(0);
  }

  @AfterAll
  static void stop() {
    if (subnet != null) {
      subnet.close();
    }
  }

  static void inc(int replica) {
    new IcTestClient(subnet.node(replica).httpUri(), 10 + replica)
        .callSync("v4", counter, counter, "inc", NO_ARGS).reply();
    counted++;
  }

  static CandidValue get(Node node) {
    IcTestClient client = new IcTestClient(node.httpUri(), 7);
    return CandidArgs.decode(client.query("v3", counter, counter, "get", NO_ARGS,
        node.subnetId().principal()).reply()).get(0);
  }

  static long certifiedHeight(Node node) {
    return node.latestState().orElseThrow().certified().certification().height();
  }

  /** Polls until {@code node} serves {@code height}; bounded. */
  static void awaitCertifiedHeight(Node node, long height, long timeoutMs) {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (certifiedHeight(node) < height && System.nanoTime() < deadline) {
      LocalSubnetTest.sleepMs(10);
    }
    assertThat(certifiedHeight(node)).as("certified height of %s", node.nodeId())
        .isGreaterThanOrEqualTo(height);
  }

  /** Restarts {@code replica}; returns once it certifies a height with its peers, within 30 s. */
  static Node restartWithin30s(int replica) {
    long startNs = System.nanoTime();
    Node node = subnet.restart(replica);
    assertThat((System.nanoTime() - startNs) / 1_000_000).as("ms to catch up and certify")
        .isLessThan(30_000);
    return node;
  }

  /** The same whole state (memories and modules included) as replica 0's at a height both serve. */
  static void assertSameStateAsReplica0(Node node) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    boolean compared = false;
    while (!compared && System.nanoTime() < deadline) {
      PublishedState mine = node.latestState().orElseThrow();
      PublishedState theirs = subnet.node(0).latestState().orElseThrow();
      if (mine.height() == theirs.height()) {
        assertThat(StateCodec.stateHash(mine.state()))
            .as("state hash at height %d", mine.height())
            .isEqualTo(StateCodec.stateHash(theirs.state()));
        compared = true;
      } else {
        LocalSubnetTest.sleepMs(2);
      }
    }
    assertThat(compared).as("both replicas served one height").isTrue();
  }

  @Test
  @Order(1)
  void aReplicaStoppedBeyondTheRetainedWindowCatchesUpThroughACatchUpPackageAndStateSync() {
    awaitCertifiedHeight(subnet.node(3), certifiedHeight(subnet.node(0)), 20_000);
    long stoppedAt = subnet.node(3).latestState().orElseThrow().height();
    subnet.node(3).close();
    for (int i = 0; i < 3; i++) {
      inc(1);
    }
    // Far enough that the peers no longer hold the heights after the stopped replica's.
    awaitCertifiedHeight(subnet.node(0), stoppedAt + RETAIN + 3 * CHECKPOINT_EVERY, 30_000);
    assertThat(subnet.node(0).catchUpStatus().latestPackageHeight())
        .isGreaterThan(stoppedAt + RETAIN);

    Node restarted = restartWithin30s(3);

    CatchUpStatus status = restarted.catchUpStatus();
    assertThat(status.recoveredHeight()).as("%s", status).isGreaterThanOrEqualTo(stoppedAt);
    assertThat(status.statesInstalled()).as("%s", status).isGreaterThanOrEqualTo(1);
    assertThat(status.lastInstalledHeight()).isGreaterThan(stoppedAt + RETAIN);
    assertThat(status.lastInstalledHeight() % CHECKPOINT_EVERY).isZero();
    assertThat(restarted.recoveredState()).isEmpty(); // certified only with the peers' shares
    awaitCertifiedHeight(restarted, certifiedHeight(subnet.node(0)), 20_000);
    assertThat(get(restarted)).isEqualTo(CandidValue.nat(counted));
    assertSameStateAsReplica0(restarted);
    // It takes part: a call through it completes.
    inc(3);
    assertThat(get(restarted)).isEqualTo(CandidValue.nat(counted));
    installedAt = status.lastInstalledHeight();
  }

  @Test
  @Order(2)
  void aReplicaStoppedAfterAnInstallRecoversTheInstalledStateFromItsStore() {
    Node again = restartWithin30s(3);
    assertThat(again.catchUpStatus().recoveredHeight()).isGreaterThanOrEqualTo(installedAt);
    awaitCertifiedHeight(again, certifiedHeight(subnet.node(0)), 20_000);
    assertThat(get(again)).isEqualTo(CandidValue.nat(counted));
  }

  @Test
  @Order(3)
  void aReplicaWithAnEmptyStoreCatchesUpWithoutReplayingFromGenesis() throws IOException {
    subnet.node(2).close();
    // The replica loses its whole store; its keys stay.
    deleteRecursively(LocalSubnet.replicaDir(dataDir, 2).resolve(DataDirectory.DB_DIR));
    Node fresh = restartWithin30s(2);

    CatchUpStatus status = fresh.catchUpStatus();
    assertThat(status.recoveredHeight()).isZero();
    assertThat(status.statesInstalled()).as("%s", status).isGreaterThanOrEqualTo(1);
    assertThat(status.lastInstalledHeight()).isGreaterThan(RETAIN);
    awaitCertifiedHeight(fresh, certifiedHeight(subnet.node(0)), 20_000);
    assertThat(get(fresh)).isEqualTo(CandidValue.nat(counted));
    assertSameStateAsReplica0(fresh);
    // It adopted the package's key generation record: its next package's content (record
    // included) is its peers', so its share combines with theirs.
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (status.lastOwnPackageHeight() <= status.lastInstalledHeight() && System.nanoTime() < deadline) {
      LocalSubnetTest.sleepMs(10);
    }
    assertThat(status.lastOwnPackageHeight()).as("%s", status).isGreaterThan(status.lastInstalledHeight());
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
