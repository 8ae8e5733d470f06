package dev.canopy.bench;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.crypto.CertificateVerifier;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.RequestAuthentication;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.node.Node;
import dev.canopy.node.NodeConfig;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LookupResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * One node over loopback: anonymous query calls ({@code /api/v3/canister/<id>/query}, each
 * response signed by the node) and synchronous update calls ({@code /api/v4/canister/<id>/call},
 * Ed25519-signed requests) to a Motoko counter, each beside a bare Pekko HTTP endpoint that answers
 * every POST with a fixed CBOR body, measured in the same run with the same client (a closed loop
 * of {@code concurrency} threads, each on its own keep-alive HTTP/1.1 connection) and the same
 * request bodies. Requests are built and signed before a phase starts, so the figures are the
 * server's (and the loopback's), not the client's signing.
 *
 * <p>Usage: {@code bench/run NodeBench [seconds per phase, default 10]}.
 */
public final class NodeBench {
  private static final int QUERY_CONCURRENCY = 32;
  private static final int UPDATE_CONCURRENCY = 400;
  private static final long ONE_MINUTE_NS = 60_000_000_000L;
  private static final byte[] NO_ARGS = CandidArgs.EMPTY.encode();

  /** For the set-up calls only; the measured phases use {@link LoopbackConnection}. */
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();
  private final Ed25519SigningKey key =
      Ed25519SigningKey.generate(DeterministicRandom.fromSeed(42));
  private final Principal sender = Principal.selfAuthenticating(key.publicKey().toDer());
  private final DeterministicRandom nonces = DeterministicRandom.fromSeed(43);

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    new NodeBench().run(Duration.ofSeconds(seconds));
    System.exit(0); // the HTTP client's and Pekko's threads would otherwise keep exec:java alive
  }

  /** The outcome of one phase: completed requests, failures and latencies. */
  record Result(String name, int concurrency, long ok, long failed, double seconds,
      long[] latenciesNs) {
    double perSecond() {
      return ok / seconds;
    }

    double percentileMs(double p) {
      if (latenciesNs.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.min(latenciesNs.length - 1, Math.floor(p * latenciesNs.length));
      return latenciesNs[index] / 1e6;
    }

    String row() {
      return String.format("%-28s %6d %10.0f %9.2f %9.2f %8d", name, concurrency, perSecond(),
          percentileMs(0.50), percentileMs(0.99), failed);
    }
  }

  private void run(Duration phase) throws Exception {
    Path dataDir = Files.createTempDirectory("canopy-node-bench");
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("canopy.node.data-dir", dataDir.toString());
    overrides.put("canopy.node.http.port", 0);
    overrides.put("canopy.node.management.port", 0);
    overrides.put("canopy.node.cluster.port", 0);
    Node node = Node.start(NodeConfig.load(Path.of("conf", "application.conf"), overrides));
    ActorSystem<Void> baselineSystem = ActorSystem.create(Behaviors.empty(), "bare-endpoint");
    try {
      URI nodeUri = node.httpUri();
      byte[] rootKey = CborDecoder.DEFAULT.decodeMap(
          get(nodeUri.resolve("/api/v2/status")), "status").getBytes("root_key");
      CertificateVerifier verifier = CertificateVerifier.forRootKey(rootKey);
      Principal counter = createCounter(nodeUri, verifier);
      System.out.printf("node at %s, counter %s; %d s per phase after %d s of warm-up%n",
          nodeUri, counter, phase.toSeconds(), warmUp(phase).toSeconds());

      // The bare endpoint answers with a real query response body, so both send the same bytes.
      String queryPath = "/api/v3/canister/" + counter + "/query";
      byte[] sampleQuery = anonymousQuery(counter);
      HttpResponse<byte[]> sample = post(nodeUri.resolve(queryPath), sampleQuery);
      requireReplied(sample, "a query");
      URI bareUri = bindBareEndpoint(baselineSystem, sample.body());

      List<Result> results = new ArrayList<>();
      // queries: distinct bodies (nonces), anonymous, answered with the node's signature
      List<byte[]> queries = new ArrayList<>();
      for (int i = 0; i < 1024; i++) {
        queries.add(anonymousQuery(counter));
      }
      results.add(measure("bare endpoint (query bodies)", bareUri.resolve(queryPath), queries,
          QUERY_CONCURRENCY, phase));
      results.add(measure("node query /api/v3", nodeUri.resolve(queryPath), queries,
          QUERY_CONCURRENCY, phase));

      // updates: every request signed and distinct; enough for the phase at a generous rate
      String callPath = "/api/v4/canister/" + counter + "/call";
      long countBefore = counterValue(nodeUri, counter);
      int updatesNeeded = (int) (Math.max(5_000, 3_000 * (phase.toSeconds()
          + warmUp(phase).toSeconds())));
      List<byte[]> bareUpdates = signedIncrements(counter, 2_000);
      results.add(measure("bare endpoint (call bodies)", bareUri.resolve(callPath), bareUpdates,
          UPDATE_CONCURRENCY, phase));
      List<byte[]> updates = signedIncrements(counter, updatesNeeded);
      Result updateResult = measureOnce("node update /api/v4 (sync)", nodeUri.resolve(callPath),
          updates, UPDATE_CONCURRENCY, phase);
      results.add(updateResult);
      long countAfter = counterValue(nodeUri, counter);

      System.out.println();
      System.out.printf("%-28s %6s %10s %9s %9s %8s%n", "phase", "conc", "req/s", "p50 ms",
          "p99 ms", "failed");
      results.forEach(r -> System.out.println(r.row()));
      System.out.println();
      System.out.printf("queries: %.2fx the bare endpoint's rate; updates: %.3fx%n",
          results.get(1).perSecond() / results.get(0).perSecond(),
          results.get(3).perSecond() / results.get(2).perSecond());
      System.out.printf("counter went from %d to %d (%d increments answered 200 'replied' in "
          + "warm-up and measurement)%n", countBefore, countAfter, updatesAnswered.get());
    } finally {
      baselineSystem.terminate();
      node.close();
    }
  }

  /** Increments answered 200 with status "replied" by the node, over warm-up and measurement. */
  private final AtomicLong updatesAnswered = new AtomicLong();

  private static Duration warmUp(Duration phase) {
    return Duration.ofSeconds(Math.max(3, phase.toSeconds() / 2));
  }

  /** A warm-up phase, then the measured phase, on the same bodies. */
  private Result measure(String name, URI uri, List<byte[]> bodies, int concurrency,
      Duration phase) throws Exception {
    loop(name, uri, bodies, concurrency, warmUp(phase), new AtomicInteger());
    return loop(name, uri, bodies, concurrency, phase, new AtomicInteger());
  }

  /** Like {@link #measure} for bodies that may be sent only once (signed updates). */
  private Result measureOnce(String name, URI uri, List<byte[]> bodies, int concurrency,
      Duration phase) throws Exception {
    AtomicInteger next = new AtomicInteger();
    loop(name, uri, bodies, concurrency, warmUp(phase), next);
    return loop(name, uri, bodies, concurrency, phase, next);
  }

  /**
   * A closed loop: {@code concurrency} threads, each with its own keep-alive connection, send the
   * next body as soon as the previous answer is in, until {@code duration} has passed. Bodies are
   * taken in order from {@code next} (cycling when they run out; signed updates never do).
   */
  private Result loop(String name, URI uri, List<byte[]> bodies, int concurrency,
      Duration duration, AtomicInteger next) throws Exception {
    boolean countsUpdates = uri.getPath().endsWith("/call") && !name.startsWith("bare");
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    long[][] latencies = new long[concurrency][];
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      int worker = w;
      Thread thread = new Thread(() -> {
        long[] mine = new long[1 << 12];
        int count = 0;
        LoopbackConnection connection = null;
        try {
          while (System.nanoTime() < deadline) {
            int index = next.getAndIncrement();
            if (index >= bodies.size()) {
              if (countsUpdates) {
                throw new IllegalStateException("ran out of signed updates");
              }
              index = index % bodies.size();
            }
            if (connection == null) {
              connection = new LoopbackConnection(uri);
            }
            long sent = System.nanoTime();
            byte[] answer;
            try {
              answer = connection.post(uri.getPath(), bodies.get(index));
            } catch (IOException e) {
              failed.incrementAndGet();
              connection.close();
              connection = null;
              continue;
            }
            long latency = System.nanoTime() - sent;
            if (answer == null) {
              failed.incrementAndGet();
              continue;
            }
            ok.incrementAndGet();
            if (countsUpdates && isReplied(answer)) {
              updatesAnswered.incrementAndGet();
            }
            if (count == mine.length) {
              mine = Arrays.copyOf(mine, count * 2);
            }
            mine[count++] = latency;
          }
        } finally {
          if (connection != null) {
            connection.close();
          }
          latencies[worker] = Arrays.copyOf(mine, count);
        }
      }, "bench-client-" + w);
      thread.start();
      workers.add(thread);
    }
    for (Thread thread : workers) {
      thread.join(duration.toMillis() + 120_000);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
    return new Result(name, concurrency, ok.get(), failed.get(), seconds, all);
  }

  /**
   * A minimal HTTP/1.1 client over one keep-alive socket: the least client work per request, so
   * the two cores go to the server. Answers the body of a 200 response, null for another status.
   */
  static final class LoopbackConnection implements AutoCloseable {
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private final java.net.Socket socket;
    private final java.io.BufferedInputStream in;
    private final java.io.OutputStream out;
    private final String host;

    LoopbackConnection(URI uri) {
      try {
        socket = new java.net.Socket(uri.getHost(), uri.getPort());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(60_000);
        in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        host = uri.getHost() + ":" + uri.getPort();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    byte[] post(String path, byte[] body) throws IOException {
      String head = "POST " + path + " HTTP/1.1\r\nHost: " + host
          + "\r\nContent-Type: application/cbor\r\nContent-Length: " + body.length + "\r\n\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      String status = readLine();
      if (status == null || !status.startsWith("HTTP/1.1 ")) {
        throw new IOException("bad status line: " + status);
      }
      int code = Integer.parseInt(status.substring(9, 12));
      int length = -1;
      for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon).trim();
        if (field.equalsIgnoreCase("content-length")) {
          length = Integer.parseInt(line.substring(colon + 1).trim());
        } else if (field.equalsIgnoreCase("transfer-encoding")) {
          throw new IOException("chunked answers are not expected here: " + line);
        }
      }
      byte[] answer = in.readNBytes(Math.max(length, 0));
      if (answer.length != Math.max(length, 0)) {
        throw new IOException("the connection closed mid-answer");
      }
      return code == 200 ? answer : null;
    }

    private String readLine() throws IOException {
      StringBuilder line = new StringBuilder();
      for (int b = in.read(); b != -1; b = in.read()) {
        if (b == '\n') {
          int n = line.length();
          return n > 0 && line.charAt(n - 1) == '\r' ? line.substring(0, n - 1) : line.toString();
        }
        if (line.length() == MAX_HEADER_BYTES) {
          throw new IOException("header line longer than " + MAX_HEADER_BYTES + " bytes");
        }
        line.append((char) b);
      }
      return line.length() == 0 ? null : line.toString();
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  private static boolean isReplied(byte[] body) {
    try {
      return CborDecoder.DEFAULT.decodeMap(body, "call response").getText("status")
          .equals("replied");
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static URI bindBareEndpoint(ActorSystem<Void> system, byte[] body) throws Exception {
    Route route = Directives.post(() -> Directives.extractStrictEntity(Duration.ofSeconds(5),
        entity -> Directives.complete(HttpEntities.create(
            MediaTypes.APPLICATION_CBOR.toContentType(), body))));
    ServerBinding binding = Http.get(system).newServerAt("127.0.0.1", 0).bind(route)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    InetSocketAddress address = binding.localAddress();
    return URI.create("http://127.0.0.1:" + address.getPort());
  }

  // ---- requests

  private CborMap.Builder content(String type, Principal canister, String method, byte[] arg,
      Principal from) {
    byte[] nonce = new byte[8];
    synchronized (nonces) {
      nonces.nextBytes(nonce);
    }
    return CborMap.builder()
        .put("request_type", type)
        .put("sender", from.toBytes())
        .put("ingress_expiry", CborValue.unsigned(System.currentTimeMillis() * 1_000_000L
            + 4 * ONE_MINUTE_NS))
        .put("canister_id", canister.toBytes())
        .put("method_name", method)
        .put("arg", arg)
        .put("nonce", nonce);
  }

  private byte[] anonymousQuery(Principal canister) {
    CborMap envelope = CborMap.builder()
        .put("content", content("query", canister, "get", NO_ARGS, Principal.ANONYMOUS).build())
        .build();
    return CborEncoder.encodeWithSelfDescribeTag(envelope);
  }

  private record SignedCall(RequestId requestId, byte[] body) {}

  private SignedCall signedCall(Principal canister, String method, byte[] arg) {
    CborMap content = content("call", canister, method, arg, sender).build();
    RequestId id = RequestId.of(content);
    byte[] message = new byte[RequestAuthentication.REQUEST_DOMAIN.length + 32];
    System.arraycopy(RequestAuthentication.REQUEST_DOMAIN, 0, message, 0,
        RequestAuthentication.REQUEST_DOMAIN.length);
    System.arraycopy(id.toBytes(), 0, message, RequestAuthentication.REQUEST_DOMAIN.length, 32);
    CborMap envelope = CborMap.builder()
        .put("content", content)
        .put("sender_pubkey", key.publicKey().toDer())
        .put("sender_sig", key.sign(message))
        .build();
    return new SignedCall(id, CborEncoder.encodeWithSelfDescribeTag(envelope));
  }

  private List<byte[]> signedIncrements(Principal counter, int n) {
    List<byte[]> bodies = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      bodies.add(signedCall(counter, "inc", NO_ARGS).body());
    }
    return bodies;
  }

  /** A synchronous call whose certificate must verify and certify a reply; returns the reply. */
  private byte[] callSync(URI node, CertificateVerifier verifier, Principal ecid,
      Principal canister, String method, byte[] arg) throws Exception {
    SignedCall call = signedCall(canister, method, arg);
    HttpResponse<byte[]> response =
        post(node.resolve("/api/v4/canister/" + ecid + "/call"), call.body());
    requireReplied(response, method);
    Certificate certificate = verifier.verify(
        CborDecoder.DEFAULT.decodeMap(response.body(), "call").getBytes("certificate"),
        CertificateVerifier.Scope.canister(ecid), System.currentTimeMillis() * 1_000_000L)
        .certificate();
    LookupResult reply = certificate.lookup(List.of(Label.of("request_status"),
        Label.of(call.requestId().toBytes()), Label.of("reply")));
    if (!(reply instanceof LookupResult.Found found)) {
      throw new IllegalStateException(method + " was not replied: " + reply);
    }
    return found.value();
  }

  private Principal createCounter(URI node, CertificateVerifier verifier) throws Exception {
    byte[] created = callSync(node, verifier, CanisterId.fromIndex(0).principal(),
        Principal.MANAGEMENT_CANISTER, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode());
    Principal counter = CreateCanisterResult.decode(created).canisterId().principal();
    callSync(node, verifier, counter, Principal.MANAGEMENT_CANISTER, "install_code",
        new InstallCodeArgs(new InstallMode.Install(), new CanisterId(counter),
            motoko("counter"), NO_ARGS, null).encode());
    return counter;
  }

  private long counterValue(URI node, Principal counter) throws Exception {
    HttpResponse<byte[]> response = post(
        node.resolve("/api/v3/canister/" + counter + "/query"), anonymousQuery(counter));
    requireReplied(response, "get");
    byte[] arg = CborDecoder.DEFAULT.decodeMap(response.body(), "query").getMap("reply")
        .getBytes("arg");
    return ((CandidValue.Nat) CandidArgs.decode(arg).get(0)).value().longValueExact();
  }

  private static byte[] motoko(String name) throws IOException {
    try (InputStream in = NodeBench.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      if (in == null) {
        throw new IllegalStateException("no test resource /motoko/" + name + ".wasm");
      }
      return in.readAllBytes();
    }
  }

  private static void requireReplied(HttpResponse<byte[]> response, String what) {
    if (response.statusCode() != 200 || !isReplied(response.body())) {
      throw new IllegalStateException(what + ": HTTP " + response.statusCode() + " "
          + new String(response.body(), StandardCharsets.UTF_8));
    }
  }

  private byte[] get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray()).body();
  }

  private HttpResponse<byte[]> post(URI uri, byte[] body) throws Exception {
    return http.send(HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/cbor")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
