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

    @Override
    public java.util.Optional<byte[]> rootKeyDer() {
      return java.util.Optional.of(ROOT_KEY.clone());
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
