package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.node.metrics.PrometheusText;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations endpoints of a running node: {@code /metrics} in the Prometheus text format, whose
 * counters move with the calls and queries the node answers, and {@code /ready}, which stays 503
 * while the node recovers its state.
 */
class NodeOperationsTest {
  private static final long AWAIT_MS = 60_000;
  private static final Map<String, Object> FAST_ROUNDS = Map.of(
      "canopy.replica.round-interval-ms", 30, "canopy.replica.consensus-tick-ms", 5);
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  @Test
  void metricsParseAndCountAcceptedAndRejectedCallsQueriesInstructionsAndHeights() throws Exception {
    try (Node node = Node.start(TestNodeConfigs.ephemeral(dir, FAST_ROUNDS),
        new SplittableRandom(11))) {
      IcTestClient client = new IcTestClient(node.httpUri(), 11);
      HttpResponse<String> first = get(node.metricsUri());
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("text/plain; version=0.0.4");
      Map<String, PrometheusText.Family> before = PrometheusText.parse(first.body());
      assertThat(before.get("canopy_ready").value()).isEqualTo(1);
      assertThat(before.get("canopy_certified_height").type()).isEqualTo("gauge");
      assertThat(before.get("canopy_ingress_messages_accepted_total").type()).isEqualTo("counter");
      assertThat(before.get("canopy_call_duration_seconds").type()).isEqualTo("histogram");

      Principal anyInRange = CanisterId.fromIndex(0).principal();
      byte[] created = client.callSync("v4", anyInRange, Principal.MANAGEMENT_CANISTER,
          "provisional_create_canister_with_cycles",
          new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode())
          .reply();
      Principal counter = CreateCanisterResult.decode(created).canisterId().principal();
      client.callSync("v4", counter, Principal.MANAGEMENT_CANISTER, "install_code",
          new InstallCodeArgs(new InstallMode.Install(), new CanisterId(counter), motoko("counter"),
              CandidArgs.EMPTY.encode(), null).encode()).reply();
      client.callSync("v4", counter, counter, "inc", CandidArgs.EMPTY.encode()).reply();
      // Refused: a body that is no envelope (400), and a canister that does not exist (a
      // non-replicated rejection in a 200 answer).
      assertThat(client.post("/api/v2/canister/" + counter + "/call", new byte[] {1, 2, 3})
          .status()).isEqualTo(400);
      Principal missing = CanisterId.fromIndex(999).principal();
      assertThat(client.post("/api/v2/canister/" + missing + "/call",
          client.callRequest(missing, "inc", CandidArgs.EMPTY.encode()).body()).status())
          .isEqualTo(200);
      assertThat(client.query("v3", counter, counter, "get", CandidArgs.EMPTY.encode(),
          node.subnetId().principal()).status()).isEqualTo("replied");

      long height = node.latestState().orElseThrow().height();
      Map<String, PrometheusText.Family> after = PrometheusText.parse(get(node.metricsUri()).body());
      assertThat(delta(before, after, "canopy_ingress_messages_accepted_total", Map.of()))
          .isEqualTo(3);
      assertThat(after.get("canopy_ingress_messages_rejected_total").value(
          "canopy_ingress_messages_rejected_total",
          Map.of("status", "400", "reason", "invalid_request"))).isEqualTo(1);
      assertThat(after.get("canopy_ingress_messages_rejected_total").value(
          "canopy_ingress_messages_rejected_total",
          Map.of("status", "200", "reason", "non_replicated_rejection"))).isEqualTo(1);
      assertThat(after.get("canopy_queries_total").value("canopy_queries_total",
          Map.of("status", "200"))).isEqualTo(1);
      assertThat(after.get("canopy_query_duration_seconds")
          .value("canopy_query_duration_seconds_count", Map.of())).isEqualTo(1);
      assertThat(after.get("canopy_call_duration_seconds")
          .value("canopy_call_duration_seconds_count", Map.of())).isEqualTo(5);
      assertThat(delta(before, after, "canopy_instructions_executed_total", Map.of()))
          .isPositive();
      assertThat(after.get("canopy_canisters").value()).isEqualTo(1);
      assertThat(after.get("canopy_certified_height").value()).isGreaterThanOrEqualTo(height);
      assertThat(after.get("canopy_executed_height").value())
          .isGreaterThanOrEqualTo(after.get("canopy_certified_height").value());
    }
  }

  @Test
  void aNodeThatIsRecoveringIsAliveButNotReadyAndReadyOnceItCertifiesAgain() throws Exception {
    long replayed;
    Principal nodeId;
    try (Node node = Node.start(TestNodeConfigs.ephemeral(dir, FAST_ROUNDS),
        new SplittableRandom(12))) {
      nodeId = node.nodeId().principal();
      await("a few certified heights",
          () -> node.latestState().filter(s -> s.height() >= 5).map(s -> true));
    }
    int managementPort = freePort();
    NodeConfig config = TestNodeConfigs.ephemeral(dir, Map.of(
        "canopy.replica.round-interval-ms", 30, "canopy.replica.consensus-tick-ms", 5,
        "canopy.node.management.port", managementPort));
    URI management = URI.create("http://127.0.0.1:" + managementPort);
    RecoveryHold hold = RecoveryHold.install(new dev.canopy.types.NodeId(nodeId), AWAIT_MS);
    CompletableFuture<Node> starting =
        CompletableFuture.supplyAsync(() -> Node.start(config, new SplittableRandom(13)));
    Node node = null;
    try {
      replayed = hold.reached().get(AWAIT_MS, TimeUnit.MILLISECONDS);
      assertThat(replayed).isGreaterThanOrEqualTo(5);
      int ready = await("management to answer /ready",
          () -> statusOf(management.resolve("/ready")));
      assertThat(ready).isEqualTo(503);
      assertThat(get(management.resolve("/ready")).body()).contains("recovering its state");
      assertThat(get(management.resolve("/alive")).statusCode()).isEqualTo(200);
      Map<String, PrometheusText.Family> recovering =
          PrometheusText.parse(get(management.resolve("/metrics")).body());
      assertThat(recovering.get("canopy_ready").value()).isEqualTo(0);
      assertThat(recovering.get("canopy_executed_height").value()).isEqualTo(replayed);
      assertThat(starting).isNotDone();

      hold.release();
      node = starting.get(AWAIT_MS, TimeUnit.MILLISECONDS);
      assertThat(get(node.managementUri().resolve("/ready")).statusCode()).isEqualTo(200);
      assertThat(PrometheusText.parse(get(node.metricsUri()).body())
          .get("canopy_certified_height").value()).isGreaterThan(replayed);
    } finally {
      hold.release();
      if (node == null) {
        node = starting.get(AWAIT_MS, TimeUnit.MILLISECONDS);
      }
      node.close();
    }
  }

  // ---- helpers

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The status of {@code GET uri}; empty while nothing listens there yet. */
  private Optional<Integer> statusOf(URI uri) {
    try {
      return Optional.of(get(uri).statusCode());
    } catch (ConnectException e) {
      return Optional.empty();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Polls {@code condition} until it has a value, for at most {@link #AWAIT_MS}. */
  private static <T> T await(String what, Supplier<Optional<T>> condition) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(AWAIT_MS);
    while (System.nanoTime() < deadline) {
      Optional<T> value = condition.get();
      if (value.isPresent()) {
        return value.get();
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    throw new AssertionError("gave up waiting for " + what + " after " + AWAIT_MS + " ms");
  }

  private static double delta(Map<String, PrometheusText.Family> before,
      Map<String, PrometheusText.Family> after, String name, Map<String, String> labels) {
    return after.get(name).value(name, labels) - before.get(name).value(name, labels);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static byte[] motoko(String name) throws IOException {
    try (InputStream in = NodeOperationsTest.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      return in.readAllBytes();
    }
  }
}
