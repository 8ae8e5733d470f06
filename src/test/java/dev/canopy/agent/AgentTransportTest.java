package dev.canopy.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Transport-level failures only (the protocol itself is tested against a real node in the cli
 * tests): nothing listening, 4xx with the node's text, 5xx, a node that does not answer, endpoint
 * fallback on 404, and a body that is not CBOR.
 */
class AgentTransportTest {
  private static final Principal CANISTER = CanisterId.fromIndex(1).principal();
  private static final byte[] ARG = {'D', 'I', 'D', 'L', 0, 0};

  private HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException, InterruptedException;
  }

  private Agent serve(Handler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      try {
        handler.handle(exchange);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        exchange.close();
      }
    });
    server.start();
    return agentAt("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static Agent agentAt(String url) {
    return agentAt(url, 10_000);
  }

  private static Agent agentAt(String url, long requestTimeoutMs) {
    return Agent.builder().withUrl(url).fetchRootKey().withRequestTimeoutMs(requestTimeoutMs).build();
  }

  private static void respond(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=UTF-8");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
  }

  @Test
  void noNodeSaysHowToStartOne() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Agent agent = agentAt("http://127.0.0.1:" + port);

    assertThatThrownBy(agent::status)
        .isInstanceOfSatisfying(AgentTransportException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentTransportException.Reason.NO_NODE))
        .hasMessageContaining("no node answers at http://127.0.0.1:" + port)
        .hasMessageContaining("scripts/canopy start");
  }

  @Test
  void aClientErrorCarriesTheNodesText() throws IOException {
    Agent agent = serve(x -> respond(x, 400, "Invalid request expiry: Specified ingress_expiry not"
        + " within expected range"));

    assertThatThrownBy(() -> agent.update(CANISTER, "inc", ARG))
        .isInstanceOfSatisfying(AgentTransportException.class, e -> {
          assertThat(e.reason()).isEqualTo(AgentTransportException.Reason.CLIENT_ERROR);
          assertThat(e.httpStatus()).isEqualTo(400);
        })
        .hasMessageContaining("HTTP 400")
        .hasMessageContaining("Invalid request expiry: Specified ingress_expiry");
    assertThat(requests).containsExactly("POST /api/v4/canister/" + CANISTER.toText() + "/call");
  }

  @Test
  void aServerErrorIsReportedAsTransient() throws IOException {
    Agent agent = serve(x -> respond(x, 503, "replica is catching up"));

    assertThatThrownBy(() -> agent.query(CANISTER, "get", ARG))
        .isInstanceOfSatisfying(AgentTransportException.class, e -> {
          assertThat(e.reason()).isEqualTo(AgentTransportException.Reason.SERVER_ERROR);
          assertThat(e.httpStatus()).isEqualTo(503);
        })
        .hasMessageContaining("HTTP 503")
        .hasMessageContaining("replica is catching up")
        .hasMessageContaining("try again");
  }

  @Test
  void aNodeThatDoesNotAnswerTimesOut() throws IOException {
    Agent agent = agentAt(serve(x -> release.await(30, TimeUnit.SECONDS)).url().toString(), 500);

    assertThatThrownBy(agent::status)
        .isInstanceOfSatisfying(AgentTransportException.class,
            e -> assertThat(e.reason()).isEqualTo(AgentTransportException.Reason.TIMEOUT))
        .hasMessageContaining("did not answer /api/v2/status within 500 ms");
  }

  @Test
  void callsFallBackFromV4ToV3ToV2OnNotFoundAndRememberIt() throws IOException {
    Agent agent = serve(x -> {
      if (x.getRequestURI().getPath().startsWith("/api/v2/")) {
        respond(x, 403, "Invalid signature");
      } else {
        respond(x, 404, "no such endpoint");
      }
    });
    String call = "/canister/" + CANISTER.toText() + "/call";

    assertThatThrownBy(() -> agent.update(CANISTER, "inc", ARG))
        .hasMessageContaining("HTTP 403")
        .hasMessageContaining("Invalid signature");
    assertThatThrownBy(() -> agent.update(CANISTER, "inc", ARG)).hasMessageContaining("HTTP 403");

    assertThat(requests)
        .containsExactly(
            "POST /api/v4" + call, "POST /api/v3" + call, "POST /api/v2" + call,
            "POST /api/v2" + call);
  }

  @Test
  void aBodyThatIsNotCborIsAProtocolError() throws IOException {
    Agent agent = serve(x -> respond(x, 200, "<html>hello</html>"));

    assertThatThrownBy(agent::status)
        .isInstanceOf(AgentProtocolException.class)
        .hasMessageContaining("the status response is not the CBOR the interface requires");
  }
}
