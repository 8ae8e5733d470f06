package dev.canopy.bench;

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
import dev.canopy.node.LocalSubnet;
import dev.canopy.node.Node;
import dev.canopy.node.NodeConfig;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LookupResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sustained synchronous update calls ({@code /api/v4/canister/<id>/call} of a Motoko counter's
 * {@code inc}, each Ed25519-signed and distinct) on a subnet of four replicas in one process (as
 * {@code canopy start --replicas 4} runs it: each replica its own actor system, Artery between
 * them over loopback), beside the same load on a one-replica node measured in the same run, with
 * the same client: a closed loop of {@code concurrency} keep-alive connections driven by one
 * selector thread ({@link HttpLoad}, as in NodeBench), requests signed before the phase. On the
 * subnet, connection i talks to replica i mod 4. A call counts once its answer certifies "replied".
 *
 * <p>Usage: {@code bench/run SubnetBench [seconds per phase, default 60] [concurrency, default
 * 400] [subnet] [warm-up=seconds, default 180] [path=value ...]}; with {@code subnet} only the
 * four replicas run (to profile them alone); each {@code path=value} overrides a configuration
 * setting of every node (to compare settings, e.g. {@code canopy.replica.busy-rounds.delay-ms=40}).
 * Configuration: conf/application.conf (H2 journal, 200 ms rounds), ports picked free.
 */
public final class SubnetBench {
  private static final long ONE_MINUTE_NS = 60_000_000_000L;
  private static final byte[] NO_ARGS = CandidArgs.EMPTY.encode();
  private static final int REPLICAS = 4;

  private final Ed25519SigningKey key = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(52));
  private final Principal sender = Principal.selfAuthenticating(key.publicKey().toDer());
  private final DeterministicRandom nonces = DeterministicRandom.fromSeed(53);
  /** Configuration settings given on the command line (path=value), on top of the file's. */
  private static final Map<String, Object> settings = new LinkedHashMap<>();
  /**
   * Load before each measured phase. Note: it must outlast the JIT's backlog. With both cores busy
   * serving, C2's threads get a small share of them: after 5-10 s the replicas' hot paths
   * (consensus step, execution, envelope decoding) still ran as profiled tier-3 code, and C2 took
   * about 15% of the process's CPU for the first two minutes of load on four replicas, 7% at three
   * (per-thread CPU from /proc). Same build, four replicas: 1.9 ms of CPU per call after 10 s of
   * warm-up, 1.3 after 30 s, 1.05 after 180 s. The phase prints the JIT's compile time during it
   * (wall time of its threads, so high on a saturated machine even when their CPU share falls).
   */
  private static int warmUpSeconds = 180;

  public static void main(String[] args) throws Exception {
    List<String> positional = new ArrayList<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq > 0 && arg.startsWith("warm-up=")) {
        warmUpSeconds = Integer.parseInt(arg.substring(eq + 1));
      } else if (eq > 0) {
        String value = arg.substring(eq + 1);
        settings.put(arg.substring(0, eq), value.matches("-?\\d+") ? (Object) Long.parseLong(value) : value);
      } else {
        positional.add(arg);
      }
    }
    // Note: a replica takes a checkpoint every 500 heights (30-45 s at these rates), which costs
    // a full serialization, a state hash and a database write; a 20 s phase held none or one of
    // them (two runs of one build: 1,727 and 1,273 calls/s, the slower one with 45% more CPU per
    // call in the state manager's threads). 60 s holds one or two.
    int seconds = positional.size() > 0 ? Integer.parseInt(positional.get(0)) : 60;
    int concurrency = positional.size() > 1 ? Integer.parseInt(positional.get(1)) : 400;
    boolean subnetOnly = positional.size() > 2 && positional.get(2).equals("subnet");
    if (!settings.isEmpty()) {
      System.out.println("settings: " + settings);
    }
    new SubnetBench().run(Duration.ofSeconds(seconds), concurrency, subnetOnly);
    System.exit(0); // Pekko's threads would otherwise keep exec:java alive
  }

  /** One measured phase. */
  record Result(String name, int concurrency, long replied, long other, double seconds,
      long heights, long[] latenciesNs, long cpuNs, long clientCpuNs) {
    double perSecond() {
      return replied / seconds;
    }

    double percentileMs(double p) {
      if (latenciesNs.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.min(latenciesNs.length - 1, Math.floor(p * latenciesNs.length));
      return latenciesNs[index] / 1e6;
    }

    String row() {
      return String.format("%-30s %5d %9.0f %9.2f %9.2f %8d %9.1f %10.1f %8.2f", name, concurrency,
          perSecond(), percentileMs(0.50), percentileMs(0.99), other, heights / seconds,
          heights == 0 ? 0.0 : (double) replied / heights, cpuMsPerCall());
    }

    /** The process's CPU time (replicas and clients) per replied call: comparable on a loaded machine. */
    double cpuMsPerCall() {
      return replied == 0 ? Double.NaN : cpuNs / 1e6 / replied;
    }
  }

  private void run(Duration phase, int concurrency, boolean subnetOnly) throws Exception {
    Duration warmUp = Duration.ofSeconds(warmUpSeconds);
    // calls signed before each phase: enough for 3,000 a second
    int needed = (int) Math.max(5_000, 3_000 * phase.toSeconds());
    System.out.printf("%d s per phase after %d s of warm-up, %d clients; signing %d calls per"
        + " phase%n", phase.toSeconds(), warmUp.toSeconds(), concurrency, needed);
    List<Result> results = new ArrayList<>();

    if (!subnetOnly) {
      Path nodeDir = Files.createTempDirectory("canopy-subnet-bench-node");
      try (Node node = Node.start(config(nodeDir))) {
        results.add(measure("one replica, update /api/v4", List.of(node), needed, concurrency,
            warmUp, phase));
      }
    }

    Path subnetDir = Files.createTempDirectory("canopy-subnet-bench-subnet");
    try (LocalSubnet subnet = LocalSubnet.start(config(subnetDir), REPLICAS,
        new SplittableRandom(20261121L))) {
      results.add(measure("four replicas, update /api/v4", subnet.nodes(), needed, concurrency,
          warmUp, phase));
    }

    System.out.println();
    System.out.printf("%-30s %5s %9s %9s %9s %8s %9s %10s %8s%n", "phase", "conc", "replied/s",
        "p50 ms", "p99 ms", "other", "heights/s", "calls/height", "cpu ms/call");
    results.forEach(r -> System.out.println(r.row()));
    if (results.size() == 2) {
      System.out.printf("%nfour replicas: %.3fx the one replica's rate%n",
          results.get(1).perSecond() / results.get(0).perSecond());
    }
  }

  private static NodeConfig config(Path dataDir) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("canopy.node.data-dir", dataDir.toString());
    overrides.put("canopy.node.http.port", 0);
    overrides.put("canopy.node.management.port", 0);
    overrides.put("canopy.node.cluster.port", 0);
    // Note: a node remembers each call until its ingress_expiry (here 4 minutes after signing),
    // and the default history of 500,000 calls sustains about 1,650 calls/s for that long; one
    // replica here runs twice that for the warm-up and the phase, and would refuse calls once
    // its history is full (what it must do), so the bench's nodes remember up to 1,000,000.
    overrides.put("canopy.replica.ingress-history.max-entry-count", 1_000_000);
    overrides.putAll(settings);
    return NodeConfig.load(Path.of("conf", "application.conf"), overrides);
  }

  /**
   * Installs a counter through the first node, warms up and measures; checks afterwards that
   * every node's counter equals the increments they certified as replied.
   */
  private Result measure(String name, List<Node> nodes, int needed, int concurrency,
      Duration warmUp, Duration phase) throws Exception {
    List<URI> uris = nodes.stream().map(Node::httpUri).toList();
    CertificateVerifier verifier = CertificateVerifier.forRootKey(nodes.get(0).keys().rootKeyDer());
    Principal counter = createCounter(uris.get(0), verifier);
    // every replica checks calls against its own latest state, which must know the code
    for (Node n : nodes) {
      awaitCertified(n, certifiedHeight(nodes.get(0)));
    }
    String path = "/api/v4/canister/" + counter + "/call";
    AtomicInteger next = new AtomicInteger();
    AtomicLong replied = new AtomicLong();
    List<byte[]> warmUpCalls = signedIncrements(counter,
        (int) Math.max(5_000, 3_000 * warmUp.toSeconds()));
    loop(uris, path, warmUpCalls, concurrency, warmUp, next, replied);
    List<byte[]> calls = signedIncrements(counter, needed);
    next.set(0);
    long before = certifiedHeight(nodes.get(0));
    java.time.LocalTime from = java.time.LocalTime.now();
    Map<String, Long> threadsBefore = ThreadCpu.snapshot();
    long cpuBefore = processCpuNs();
    long jitBeforeMs = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    var sigBefore = dev.canopy.crypto.VerifiedSignatureCache.processWide().stats();
    Result result = loop(uris, path, calls, concurrency, phase, next, replied);
    long cpuNs = processCpuNs() - cpuBefore;
    var sigAfter = dev.canopy.crypto.VerifiedSignatureCache.processWide().stats();
    System.out.printf("JIT compiling during the phase: %.1f s (of its threads' time; more than a"
        + " little means the warm-up was too short)%n",
        (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitBeforeMs) / 1e3);
    System.out.printf("signature checks per replied call: %.2f done, %.2f from the cache%n",
        (sigAfter.misses() - sigBefore.misses()) / (double) Math.max(1, result.replied()),
        (sigAfter.hits() - sigBefore.hits()) / (double) Math.max(1, result.replied()));
    // for matching a profile (JFR) to the measured phase
    System.out.printf("%s: measured from %s to %s%n", name, from, java.time.LocalTime.now());
    long heights = certifiedHeight(nodes.get(0)) - before;
    Result named = new Result(name, concurrency, result.replied(), result.other(),
        result.seconds(), heights, result.latenciesNs(), cpuNs, result.clientCpuNs());
    System.out.println(named.row());
    System.out.println("  CPU by thread pool (replicas and clients alike):");
    System.out.printf("    %-60s %7.1f us/call%n", "bench client (HttpLoad)",
        result.clientCpuNs() / 1e3 / Math.max(1, result.replied()));
    ThreadCpu.print(threadsBefore, ThreadCpu.snapshot(), cpuNs - result.clientCpuNs(),
        result.replied(), "call");

    // Every replica serves the same count: the increments certified as replied. A call may have
    // been answered by a replica ahead of the others, so wait for the highest certified height.
    long target = 0;
    for (Node n : nodes) {
      target = Math.max(target, certifiedHeight(n));
    }
    for (Node n : nodes) {
      awaitCertified(n, target);
    }
    for (int i = 0; i < nodes.size(); i++) {
      long value = counterValue(uris.get(i), counter);
      if (value < replied.get()) {
        throw new IllegalStateException("replica " + i + " counts " + value + " but "
            + replied.get() + " increments were certified as replied");
      }
    }
    return named;
  }

  private static long processCpuNs() {
    return ((com.sun.management.OperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static long certifiedHeight(Node node) {
    return node.latestState().orElseThrow().certified().certification().height();
  }

  private static void awaitCertified(Node node, long height) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (certifiedHeight(node) < height) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("a replica did not certify height " + height);
      }
      Thread.sleep(10);
    }
  }

  /**
   * A closed loop of {@code concurrency} keep-alive connections ({@link HttpLoad}: one selector
   * thread drives them all, so the client takes little of the machine), connection w on node w
   * mod n, each sending the next signed call as soon as the previous answer is in, until {@code
   * duration} has passed. A call counts as replied when its answer certifies "replied"; latencies
   * are those of the 200 answers.
   */
  private static Result loop(List<URI> uris, String path, List<byte[]> bodies, int concurrency,
      Duration duration, AtomicInteger next, AtomicLong repliedTotal) throws Exception {
    List<byte[]> requests = HttpLoad.requests(uris.get(0).resolve(path), bodies);
    HttpLoad.Outcome outcome = HttpLoad.run(uris, requests, new HttpLoad.Shape(concurrency, 1, 1),
        duration.toNanos(), next, true, SubnetBench::isReplied);
    repliedTotal.addAndGet(outcome.matched());
    return new Result("", concurrency, outcome.matched(), outcome.ok() - outcome.matched()
        + outcome.failed(), outcome.seconds(), 0, outcome.latenciesNs(), 0, outcome.clientCpuNs());
  }

  private static boolean isReplied(byte[] body) {
    try {
      return CborDecoder.DEFAULT.decodeMap(body, "call response").getText("status")
          .equals("replied");
    } catch (RuntimeException e) {
      return false;
    }
  }

  // ---- requests

  private CborMap content(String type, Principal canister, String method, byte[] arg,
      Principal from) {
    byte[] nonce = new byte[8];
    nonces.nextBytes(nonce);
    return CborMap.builder()
        .put("request_type", type)
        .put("sender", from.toBytes())
        .put("ingress_expiry", CborValue.unsigned(System.currentTimeMillis() * 1_000_000L
            + 4 * ONE_MINUTE_NS))
        .put("canister_id", canister.toBytes())
        .put("method_name", method)
        .put("arg", arg)
        .put("nonce", nonce)
        .build();
  }

  private SignedCalls.SignedCall signedCall(Principal canister, String method, byte[] arg) {
    return SignedCalls.sign(key, content("call", canister, method, arg, sender));
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
    byte[] answer;
    try (LoopbackConnection c = new LoopbackConnection(node)) {
      answer = c.post("/api/v4/canister/" + ecid + "/call", call.body());
    }
    if (answer == null || !isReplied(answer)) {
      throw new IllegalStateException(method + " was not certified as replied");
    }
    var certificate = verifier.verify(
        CborDecoder.DEFAULT.decodeMap(answer, "call").getBytes("certificate"),
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
    CborMap envelope = CborMap.builder()
        .put("content", content("query", counter, "get", NO_ARGS, Principal.ANONYMOUS))
        .build();
    byte[] answer;
    try (LoopbackConnection c = new LoopbackConnection(node)) {
      answer = c.post("/api/v3/canister/" + counter + "/query",
          CborEncoder.encodeWithSelfDescribeTag(envelope));
    }
    if (answer == null) {
      throw new IllegalStateException("the query of get failed");
    }
    byte[] arg = CborDecoder.DEFAULT.decodeMap(answer, "query").getMap("reply").getBytes("arg");
    return ((CandidValue.Nat) CandidArgs.decode(arg).get(0)).value().longValueExact();
  }

  private static byte[] motoko(String name) throws IOException {
    try (InputStream in = SubnetBench.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      if (in == null) {
        throw new IllegalStateException("no test resource /motoko/" + name + ".wasm");
      }
      return in.readAllBytes();
    }
  }
}
