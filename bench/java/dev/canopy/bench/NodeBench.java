package dev.canopy.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.crypto.CertificateVerifier;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.node.Node;
import dev.canopy.node.NodeConfig;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
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
 * every POST with a fixed CBOR body, measured in the same run with the same client ({@link
 * HttpLoad}: a closed loop over keep-alive HTTP/1.1 connections) and the same request bodies.
 * Requests are built and signed before a phase starts, so the figures are the server's (and the
 * loopback's), not the client's signing; each phase also reports the CPU the client took.
 *
 * <p>Usage: {@code bench/run NodeBench [seconds per phase, default 10] [query shape, default
 * 32x1] [update shape, default 400x1]}.
 */
public final class NodeBench {
  private static final HttpLoad.Shape QUERY_SHAPE = new HttpLoad.Shape(32, 1, 1);
  private static final HttpLoad.Shape UPDATE_SHAPE = new HttpLoad.Shape(400, 1, 1);
  private static final long ONE_MINUTE_NS = 60_000_000_000L;
  private static final byte[] NO_ARGS = CandidArgs.EMPTY.encode();

  /** For the set-up calls only; the measured phases use {@link HttpLoad}. */
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10))
      .build();
  private final Ed25519SigningKey key =
      Ed25519SigningKey.generate(DeterministicRandom.fromSeed(42));
  private final Principal sender = Principal.selfAuthenticating(key.publicKey().toDer());
  private final DeterministicRandom nonces = DeterministicRandom.fromSeed(43);

  /**
   * Arguments: seconds per phase (default 10), the query phases' shape as {@code
   * <connections>x<requests in flight per connection>} (default 32x1) and the update phases'
   * (default 400x1).
   */
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    HttpLoad.Shape queries = args.length > 1 ? shape(args[1]) : QUERY_SHAPE;
    HttpLoad.Shape updates = args.length > 2 ? shape(args[2]) : UPDATE_SHAPE;
    new NodeBench().run(Duration.ofSeconds(seconds), queries, updates);
    System.exit(0); // the HTTP client's and Pekko's threads would otherwise keep exec:java alive
  }

  /** {@code <connections>[x<requests in flight per connection>[x<client threads>]]}. */
  private static HttpLoad.Shape shape(String text) {
    String[] parts = text.split("x");
    return new HttpLoad.Shape(Integer.parseInt(parts[0]),
        parts.length > 1 ? Integer.parseInt(parts[1]) : 1,
        parts.length > 2 ? Integer.parseInt(parts[2]) : 1);
  }

  /**
   * The outcome of one phase: completed requests, failures, latencies, and the machine's CPU
   * time over the phase split into the client's threads and the rest of the process.
   */
  record Result(String name, HttpLoad.Shape shape, long ok, long failed, double seconds,
      long[] latenciesNs, long clientCpuNs, long processCpuNs) {
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

    /** Share of all cores over the phase, in percent. */
    private double percentOfMachine(long cpuNs) {
      return 100.0 * cpuNs / (seconds * 1e9 * Runtime.getRuntime().availableProcessors());
    }

    String row() {
      return String.format("%-28s %6s %9.0f %8.2f %8.2f %7d %7.0f%% %7.0f%% %9.0f",
          name, shape, perSecond(), percentileMs(0.50), percentileMs(0.99), failed,
          percentOfMachine(clientCpuNs), percentOfMachine(processCpuNs - clientCpuNs),
          ok == 0 ? Double.NaN : (processCpuNs - clientCpuNs) / 1e3 / ok);
    }
  }

  private void run(Duration phase, HttpLoad.Shape queryShape, HttpLoad.Shape updateShape)
      throws Exception {
    Path dataDir = Files.createTempDirectory("canopy-node-bench");
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("canopy.node.data-dir", dataDir.toString());
    overrides.put("canopy.node.http.port", 0);
    overrides.put("canopy.node.management.port", 0);
    overrides.put("canopy.node.cluster.port", 0);
    Path configFile = Path.of("conf", "application.conf");
    Node node = Node.start(NodeConfig.load(configFile, overrides));
    // The bare endpoint serves with the node's HTTP server settings (conf/application.conf).
    Config serverSettings = ConfigFactory.parseFile(configFile.toFile()).resolve()
        .getConfig("pekko.http.server").atPath("pekko.http.server");
    ActorSystem<Void> baselineSystem = ActorSystem.create(Behaviors.empty(), "bare-endpoint",
        serverSettings.withFallback(ConfigFactory.load()));
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
      results.addAll(measurePair(
          new Side("bare endpoint (query bodies)", bareUri.resolve(queryPath), queries, false),
          new Side("node query /api/v3", nodeUri.resolve(queryPath), queries, false),
          queryShape, phase));

      // updates: every request signed and distinct; enough for the phase at a generous rate
      String callPath = "/api/v4/canister/" + counter + "/call";
      long countBefore = counterValue(nodeUri, counter);
      int updatesNeeded = (int) (Math.max(5_000, 4_000 * (phase.toSeconds()
          + warmUp(phase).toSeconds())));
      List<byte[]> bareUpdates = signedIncrements(counter, 2_000);
      List<byte[]> updates = signedIncrements(counter, updatesNeeded);
      results.addAll(measurePair(
          new Side("bare endpoint (call bodies)", bareUri.resolve(callPath), bareUpdates, false),
          new Side("node update /api/v4 (sync)", nodeUri.resolve(callPath), updates, true),
          updateShape, phase));
      long countAfter = counterValue(nodeUri, counter);

      System.out.println();
      System.out.printf("%-28s %6s %9s %8s %8s %7s %8s %8s %9s%n", "phase", "conns", "req/s",
          "p50 ms", "p99 ms", "failed", "client", "server", "server us");
      results.forEach(r -> System.out.println(r.row()));
      System.out.println();
      System.out.printf("queries: %.2fx the bare endpoint's rate; updates: %.3fx%n",
          results.get(1).perSecond() / results.get(0).perSecond(),
          results.get(3).perSecond() / results.get(2).perSecond());
      System.out.printf("counter went from %d to %d (%d increments answered 200 'replied' in "
          + "warm-up and measurement)%n", countBefore, countAfter, updatesAnswered.get());
      System.out.println("client, server: share of all cores used by the load client's threads"
          + " and by the rest of the process; server us: the latter per answered request");
    } finally {
      baselineSystem.terminate();
      node.close();
    }
  }

  /** Increments answered 200 with status "replied" by the node, over warm-up and measurement. */
  private final AtomicLong updatesAnswered = new AtomicLong();

  /**
   * The warm-up of each side: as long as a phase (at least 5 s), because on two busy cores the
   * JIT compiles Pekko HTTP's and the node's hot paths over tens of seconds, and a shorter warm-up
   * measured partly interpreted code (the bare endpoint, measured first, most of all).
   */
  private static Duration warmUp(Duration phase) {
    return Duration.ofSeconds(Math.max(5, phase.toSeconds()));
  }

  /** One side of a comparison: where to send which bodies; {@code once}: each at most once. */
  private record Side(String name, URI uri, List<byte[]> bodies, boolean once) {}

  /**
   * Warms up both sides, then measures both: the baseline and the node each run after both
   * have been warmed up, so neither is measured while the JIT is still busy with the other.
   */
  private List<Result> measurePair(Side baseline, Side node, HttpLoad.Shape shape,
      Duration phase) throws Exception {
    List<Side> sides = List.of(baseline, node);
    List<List<byte[]>> requests = new ArrayList<>();
    List<AtomicInteger> next = new ArrayList<>();
    for (Side side : sides) {
      requests.add(HttpLoad.requests(side.uri(), side.bodies()));
      next.add(new AtomicInteger());
    }
    for (int i = 0; i < sides.size(); i++) {
      Side side = sides.get(i);
      loop(side.name() + " (warm-up)", side.uri(), requests.get(i), shape, warmUp(phase),
          side.once() ? next.get(i) : new AtomicInteger(), side.once());
    }
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < sides.size(); i++) {
      Side side = sides.get(i);
      results.add(loop(side.name(), side.uri(), requests.get(i), shape, phase,
          side.once() ? next.get(i) : new AtomicInteger(), side.once()));
    }
    return results;
  }

  /** One phase of {@link HttpLoad}; node updates answered "replied" count in updatesAnswered. */
  private Result loop(String name, URI uri, List<byte[]> requests, HttpLoad.Shape shape,
      Duration duration, AtomicInteger next, boolean once) throws Exception {
    boolean countsUpdates = uri.getPath().endsWith("/call") && !name.startsWith("bare");
    System.out.printf("%tT %s %s for %d s%n", System.currentTimeMillis(), name, shape,
        duration.toSeconds());
    com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    Map<String, Long> threadsBefore = CPU_BY_THREAD ? ThreadCpu.snapshot() : Map.of();
    HttpLoad.Outcome outcome = HttpLoad.run(uri, requests, shape, duration.toNanos(), next, once,
        countsUpdates ? NodeBench::isReplied : null);
    long processCpu = os.getProcessCpuTime() - cpuBefore;
    if (CPU_BY_THREAD) {
      ThreadCpu.print(threadsBefore, ThreadCpu.snapshot(), processCpu, outcome.ok(), "request");
    }
    updatesAnswered.addAndGet(outcome.matched());
    return new Result(name, shape, outcome.ok(), outcome.failed(), outcome.seconds(),
        outcome.latenciesNs(), outcome.clientCpuNs(), processCpu);
  }

  /** With {@code -Dnodebench.cpu-by-thread=true}, each phase prints where the process's CPU went. */
  private static final boolean CPU_BY_THREAD = Boolean.getBoolean("nodebench.cpu-by-thread");

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

  private SignedCalls.SignedCall signedCall(Principal canister, String method, byte[] arg) {
    return SignedCalls.sign(key, content("call", canister, method, arg, sender).build());
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
    SignedCalls.SignedCall call = signedCall(canister, method, arg);
    URI uri = node.resolve("/api/v4/canister/" + ecid + "/call");
    HttpResponse<byte[]> response = post(uri, call.body());
    // 202: the node's wait ran out (a first compile on a busy machine); sending the same call
    // again waits for the same outcome.
    for (int i = 0; i < 20 && response.statusCode() == 202; i++) {
      response = post(uri, call.body());
    }
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
