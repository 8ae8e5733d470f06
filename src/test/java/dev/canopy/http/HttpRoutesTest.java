package dev.canopy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HttpRoutesTest {
  /** A DER BLS key's shape: the fixed 37-byte prefix and 96 key bytes. */
  private static final byte[] ROOT_KEY = new byte[133];

  private static final MutableStatus status = new MutableStatus();
  private static ActorSystem<Void> system;
  private static ServerBinding binding;
  private static final HttpClient client = HttpClient.newHttpClient();

  static final class MutableStatus implements ReplicaStatus {
    volatile ReplicaHealthStatus health = ReplicaHealthStatus.STARTING;
    volatile OptionalLong height = OptionalLong.empty();
    volatile boolean keyExists = true;

    @Override
    public java.util.Optional<byte[]> rootKeyDer() {
      return keyExists ? java.util.Optional.of(ROOT_KEY.clone()) : java.util.Optional.empty();
    }

    @Override
    public String implVersion() {
      return "0.1.0-test";
    }

    @Override
    public ReplicaHealthStatus healthStatus() {
      return health;
    }

    @Override
    public OptionalLong certifiedHeight() {
      return height;
    }
  }

  @BeforeAll
  static void bind() throws Exception {
    Arrays.fill(ROOT_KEY, (byte) 0x5a);
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "http-routes-test",
            ConfigFactory.parseString(
                "pekko.actor.provider = local\npekko.loglevel = WARNING\n"
                    + "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off"));
    binding =
        Http.get(system)
            .newServerAt("127.0.0.1", 0)
            .bind(new HttpRoutes(status).route())
            .toCompletableFuture()
            .get();
  }

  @AfterAll
  static void unbind() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
  }

  private static HttpResponse<byte[]> send(String method, String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path);
    return client.send(
        HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static CborMap statusMap(HttpResponse<byte[]> response) {
    byte[] body = response.body();
    // Tag 55799 (self-describe) first, as the interface wraps every CBOR body.
    assertThat(Arrays.copyOf(body, 3)).containsExactly(0xd9, 0xd9, 0xf7);
    return CborDecoder.DEFAULT.decodeMap(body, "status");
  }

  private static Set<String> keys(CborMap map) {
    return map.entries().keySet().stream()
        .map(k -> ((CborValue.TextString) k).value())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void statusIsTaggedCborWithTheFieldsAgentsRead() throws Exception {
    status.health = ReplicaHealthStatus.HEALTHY;
    status.height = OptionalLong.of(42);
    HttpResponse<byte[]> response = send("GET", "/api/v2/status");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/cbor");
    CborMap map = statusMap(response);
    assertThat(keys(map))
        .containsExactly(
            "certified_height", "ic_api_version", "impl_version", "replica_health_status",
            "root_key");
    assertThat(map.getText("ic_api_version")).isEqualTo("2");
    assertThat(map.getBytes("root_key")).isEqualTo(ROOT_KEY);
    assertThat(map.getText("impl_version")).isEqualTo("0.1.0-test");
    assertThat(map.getText("replica_health_status")).isEqualTo("healthy");
    assertThat(map.getLong("certified_height")).isEqualTo(42);
  }

  @Test
  void statusSaysStartingUntilTheNodeIsReadyAndOmitsAnUnknownCertifiedHeight() throws Exception {
    status.health = ReplicaHealthStatus.STARTING;
    status.height = OptionalLong.empty();
    CborMap starting = statusMap(send("GET", "/api/v2/status"));
    status.health = ReplicaHealthStatus.HEALTHY;
    CborMap healthy = statusMap(send("GET", "/api/v2/status"));

    assertThat(starting.getText("replica_health_status")).isEqualTo("starting");
    assertThat(keys(starting)).doesNotContain("certified_height");
    assertThat(healthy.getText("replica_health_status")).isEqualTo("healthy");
  }

  @Test
  void statusHasNoRootKeyWhileTheSubnetGeneratesIt() throws Exception {
    status.health = ReplicaHealthStatus.STARTING;
    status.height = OptionalLong.empty();
    status.keyExists = false;
    try {
      CborMap generating = statusMap(send("GET", "/api/v2/status"));
      assertThat(keys(generating)).containsExactly("ic_api_version", "impl_version", "replica_health_status");
      assertThat(generating.getText("replica_health_status")).isEqualTo("starting");
    } finally {
      status.keyExists = true;
    }
  }

  @Test
  void callsQueriesAndReadStateAre503WithTheReasonWhileTheReplicaCannotServe() throws Exception {
    String reason = "subnet key generation in progress";
    ServerBinding unavailable = Http.get(system)
        .newServerAt("127.0.0.1", 0)
        .bind(new HttpRoutes(status, new UnavailableBackend(reason), 1 << 20).route())
        .toCompletableFuture()
        .get();
    try {
      String id = "rwlgt-iiaaa-aaaaa-aaaaa-cai";
      for (String path : new String[] {"/api/v2/canister/" + id + "/call", "/api/v3/canister/" + id + "/call",
          "/api/v2/canister/" + id + "/query", "/api/v3/canister/" + id + "/read_state"}) {
        URI uri = URI.create("http://127.0.0.1:" + unavailable.localAddress().getPort() + path);
        HttpResponse<String> response = client.send(
            HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xa0})).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path).isEqualTo(503);
        assertThat(response.body()).as(path).contains(reason);
      }
    } finally {
      unavailable.unbind().toCompletableFuture().get();
    }
  }

  @Test
  void aBodyOverTheLimitIsReadToItsEndBeforeThe413AndTheConnectionServesTheNextRequest()
      throws Exception {
    int limitBytes = 1024;
    ServerBinding limited = Http.get(system)
        .newServerAt("127.0.0.1", 0)
        .bind(new HttpRoutes(status, new UnavailableBackend("unused"), limitBytes).route())
        .toCompletableFuture()
        .get();
    try (java.net.Socket socket =
        new java.net.Socket("127.0.0.1", limited.localAddress().getPort())) {
      socket.setSoTimeout(10_000);
      var out = socket.getOutputStream();
      var in = new java.io.BufferedInputStream(socket.getInputStream());
      byte[] body = new byte[256 * limitBytes];
      out.write(("POST /api/v2/canister/rwlgt-iiaaa-aaaaa-aaaaa-cai/call HTTP/1.1\r\n"
          + "Host: 127.0.0.1\r\nContent-Type: application/cbor\r\nContent-Length: " + body.length
          + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      String first = responseHead(in);
      assertThat(first).startsWith("HTTP/1.1 413").doesNotContainIgnoringCase("connection: close");
      skipBody(in, first);

      out.write("GET /api/v2/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      assertThat(responseHead(in)).startsWith("HTTP/1.1 200");
    } finally {
      limited.unbind().toCompletableFuture().get();
    }
  }

  /** The status line and headers of the next response on {@code in}. */
  private static String responseHead(java.io.InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("the connection ended after: " + head);
      }
      head.append((char) b);
    }
    return head.toString();
  }

  private static void skipBody(java.io.InputStream in, String head) throws java.io.IOException {
    java.util.regex.Matcher length = java.util.regex.Pattern
        .compile("(?i)content-length: (\\d+)").matcher(head);
    assertThat(length.find()).as("content length in %s", head).isTrue();
    in.readNBytes(Integer.parseInt(length.group(1)));
  }

  /** A replica that serves nothing yet: every request must be answered from its reason alone. */
  private record UnavailableBackend(String reason) implements ReplicaBackend {
    @Override
    public java.util.Optional<String> unavailableReason() {
      return java.util.Optional.of(reason);
    }

    @Override
    public java.util.concurrent.Executor workExecutor() {
      return Runnable::run;
    }

    private static <T> T untouched() {
      throw new AssertionError("an unavailable replica's parts must not be used");
    }

    @Override
    public dev.canopy.ingress.EnvelopeDecoder decoder() {
      return untouched();
    }

    @Override
    public dev.canopy.ingress.IngressValidator validator() {
      return untouched();
    }

    @Override
    public dev.canopy.state.ReadStateAccess readStateAccess() {
      return untouched();
    }

    @Override
    public dev.canopy.execution.QueryExecutor queryExecutor() {
      return untouched();
    }

    @Override
    public dev.canopy.execution.CyclesFees fees() {
      return untouched();
    }

    @Override
    public dev.canopy.crypto.Ed25519SigningKey nodeSigningKey() {
      return untouched();
    }

    @Override
    public dev.canopy.types.NodeId nodeId() {
      return untouched();
    }

    @Override
    public long nowNs() {
      return untouched();
    }

    @Override
    public java.util.Optional<PublishedState> latest() {
      return untouched();
    }

    @Override
    public java.util.concurrent.CompletionStage<dev.canopy.ingress.IngressPool.Admission> submit(
        dev.canopy.ingress.ValidatedRequest<dev.canopy.ingress.CallContent> call, dev.canopy.state.EffectiveId effectiveId) {
      return untouched();
    }

    @Override
    public java.util.concurrent.CompletionStage<java.util.Optional<dev.canopy.state.CertifiedState>> awaitCertifiedOutcome(
        dev.canopy.types.RequestId requestId) {
      return untouched();
    }

    @Override
    public long syncCallTimeoutMs() {
      return untouched();
    }
  }

  @Test
  void statusIsCanonicalCbor() {
    status.health = ReplicaHealthStatus.HEALTHY;
    status.height = OptionalLong.empty();
    byte[] encoded = StatusResponse.encode(status);
    // Map of 4 entries; canonical order sorts keys by encoded bytes, so shorter keys come first.
    assertThat(encoded[3]).isEqualTo((byte) 0xa4);
    assertThat(new String(encoded, 4, 1 + 8, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("hroot_key"); // 0x68 = text of 8 bytes, "root_key"
  }

  @Test
  void unknownPathsAre404WithPlainText() throws Exception {
    HttpResponse<byte[]> response = send("GET", "/api/v9/nothing");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; charset=UTF-8");
    assertThat(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("no such endpoint: /api/v9/nothing\n");
  }

  @Test
  void statusAnswersOnlyGet() throws Exception {
    HttpResponse<byte[]> response = send("POST", "/api/v2/status");

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("allow")).hasValue("GET");
  }
}
