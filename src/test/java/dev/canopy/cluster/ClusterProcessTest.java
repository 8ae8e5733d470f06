package dev.canopy.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.agent.Agent;
import dev.canopy.agent.AgentTransportException;
import dev.canopy.agent.Identity;
import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.cli.Main;
import dev.canopy.crypto.CertificateVerifier.VerifiedCertificate;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.node.FreePorts;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A subnet of four replicas (f = 1), each its own JVM on loopback, set up the way the README says
 * (keys dealt by {@code canopy start --replicas 4 --genesis-only}, each replica started with {@code
 * canopy start --config} on its {@code conf/examples/replica-<i>.conf}), under a steady load of
 * update calls, and seen only through the public HTTP interface with the Java agent:
 *
 * <ol>
 *   <li>SIGKILL of one replica (replica 0, the first seed node) loses no update whose certified
 *       reply a client got, and certified heights and replies stall for at most 5 s;
 *   <li>restarted with the same command on the same data directory, it catches up within 30 s:
 *       it certifies the height its peers certify, with the same root hash;
 *   <li>a Byzantine replica (silent, bad signatures, conflicting shares, equivocation) breaks
 *       neither safety nor progress;
 *   <li>every acknowledged update is applied on every honest replica, and their states agree;
 *   <li>with two of four killed nothing more is certified and the survivors do not fork.
 * </ol>
 *
 * <p>Note: the Byzantine replica is replica 3 throughout, run by the test-only {@link
 * ByzantineReplica} (the node {@code canopy start} runs, with its messages to peers passed
 * through a switchable misbehaviour); it behaves honestly until scenario 3 switches it, and
 * honestly again after. The misbehaviours live in the test sources, not in the product behind a
 * configuration switch, so no build of the node can be made to equivocate with its real keys.
 * Clients never call it.
 *
 * <p>The scenarios run in order on one subnet (starting JVMs is the slow part); {@code mvn test
 * -Dtest=ClusterProcessTest} or {@code -Dgroups=cluster} runs them alone. Replica logs go to
 * {@code target/cluster-process-test/}.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterProcessTest {
  static final int REPLICAS = 4;
  static final int BYZANTINE = 3;
  static final List<Integer> HONEST = List.of(0, 1, 2);
  static final int LOAD_STREAMS = 6;
  static final long LOAD_SEED = 7_000;
  static final long MAX_STALL_MS = 5_000;
  static final long MAX_CATCH_UP_MS = 30_000;
  static final long START_TIMEOUT_MS = 150_000;
  /** How long a call certified as replied on one replica may take to be certified on another. */
  static final long ACK_VISIBLE_WITHIN_MS = 15_000;
  static final byte[] NO_ARGS = CandidArgs.EMPTY.encode();
  static final Pattern REPORT = Pattern.compile("byzantine: report (.*)");
  /** Who creates and installs the counter (its controller). */
  static final Ed25519SigningKey ADMIN = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(1));
  /** What the Byzantine replica's forged calls would set the counter to. */
  static final long FORGED_COUNT = 777_777_777L;

  @TempDir static Path dir;
  static final List<ReplicaProcess> replicas = new ArrayList<>();
  static byte[] rootKey;
  static Principal counter;
  static CertifiedHeights heights;
  static long heightBeforeKill;
  static UpdateLoad load;
  static final Map<String, String> timings = new java.util.LinkedHashMap<>();
  // replica → request ids of acknowledged updates checked on its current run
  static final Map<Integer, Set<RequestId>> checked = new ConcurrentHashMap<>();
  static final ExecutorService checkers = Executors.newFixedThreadPool(4);

  @BeforeAll
  static void startSubnet() throws Exception {
    long t0 = System.nanoTime();
    Path subnet = dir.resolve("subnet");
    Path logs = logsDir("cluster-process-test");
    createGenesis(subnet);

    List<Integer> ports = FreePorts.of(2 * REPLICAS);
    for (int i = 0; i < REPLICAS; i++) {
      // The example file as it ships, on this test's directory and free ports (a subnet someone
      // runs from conf/examples on this machine must not collide with it).
      Path conf = exampleConf(dir, subnet, i, ports);
      String main = i == BYZANTINE ? ByzantineReplica.class.getName() : Main.class.getName();
      List<String> args = i == BYZANTINE
          ? List.of("--config", conf.toString())
          : List.of("start", "--config", conf.toString());
      replicas.add(new ReplicaProcess(i, main, args, logs.resolve("replica-" + i + ".log"), dir));
    }
    for (ReplicaProcess r : replicas) {
      r.start();
    }
    for (ReplicaProcess r : replicas) {
      r.awaitHealthy(START_TIMEOUT_MS);
    }
    timings.put("four replicas healthy", ms(t0) + " ms");

    rootKey = agent(0).rootKey();
    for (int i = 0; i < REPLICAS; i++) {
      assertThat(agent(i).status().rootKeyDer().orElseThrow())
          .as("root key of replica %d", i).isEqualTo(rootKey);
    }
    counter = installCounter();
    for (int r : HONEST) { // clients reach every replica: each must know the code
      awaitCondition("replica " + r + " serves the counter's module", 60_000,
          () -> agent(r).moduleHash(counter).isPresent());
    }
    timings.put("counter installed", ms(t0) + " ms");
    heights = new CertifiedHeights(rootKey, i -> replicas.get(i).url());
    for (int i = 0; i < REPLICAS; i++) {
      heights.watch(i);
    }
    load = new UpdateLoad(counter, rootKey, HONEST, i -> replicas.get(i).url())
        .start(LOAD_STREAMS, LOAD_SEED);
  }

  @AfterAll
  static void stopSubnet() throws Exception {
    try {
      if (load != null) {
        load.close();
      }
      if (heights != null) {
        heights.close();
      }
    } finally {
      checkers.shutdownNow();
      for (ReplicaProcess r : replicas) {
        r.close();
      }
      System.out.println("ClusterProcessTest timings: " + timings);
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  @Order(1)
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void killingOneReplicaLosesNoCertifiedUpdateAndStallsAtMostFiveSeconds() throws Exception {
    awaitAcks(30, 60_000);
    List<Integer> survivors = List.of(1, 2, 3);
    long heightAtKill = heights.maxHeight(survivors);
    heightBeforeKill = heights.height(0);
    int acksAtKill = load.acks().size();
    long killedAt = System.nanoTime();
    replicas.get(0).kill();

    // Progress resumes: enough new heights and replies to see the longest gap around the kill.
    awaitCondition("10 new certified heights and 10 replies after the kill", 30_000,
        () -> heights.maxHeight(survivors) >= heightAtKill + 10
            && load.acks().size() >= acksAtKill + 10);
    long until = System.nanoTime();
    long heightStallMs = heights.longestStallMs(survivors, killedAt, until);
    long replyStallMs = longestReplyGapMs(killedAt, until);
    timings.put("kill 1 of 4: longest certified-height stall", heightStallMs + " ms");
    timings.put("kill 1 of 4: longest gap between replies", replyStallMs + " ms");
    assertThat(heightStallMs).as("longest time without a new certified height after the kill")
        .isLessThanOrEqualTo(MAX_STALL_MS);
    assertThat(replyStallMs).as("longest time without a certified reply after the kill")
        .isLessThanOrEqualTo(MAX_STALL_MS);

    for (int r : survivors) {
      assertEveryAckReplied(r);
    }
    assertThat(heights.assertNoFork(List.of(0, 1, 2, 3))).isPositive();
    assertThat(load.rejections()).isEmpty();
  }

  @Test
  @Order(2)
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void theKilledReplicaRestartedCatchesUpWithinThirtySeconds() throws Exception {
    int r = 0;
    List<Integer> peers = List.of(1, 2, 3);
    long launchedWallNs = wallClockNs();
    long launched = System.nanoTime();
    replicas.get(r).start(); // the same command, on the same data directory and ports
    checked.remove(r);
    replicas.get(r).awaitHealthy(START_TIMEOUT_MS);
    timings.put("restart: healthy after", ms(launched) + " ms");
    // Caught up: it serves the height its peers serve, and a state certified after its restart
    // with the same root hash as a peer's state of that height.
    long peersHeight = heights.maxHeight(peers);
    assertThat(heights.awaitHeight(r, peersHeight, MAX_CATCH_UP_MS))
        .as("replica %d reaches height %d", r, peersHeight).isTrue();
    long common = heights.awaitCommonRoot(r, 2, launchedWallNs, MAX_CATCH_UP_MS);
    assertThat(common).as("replica %d and 2 certify a common state", r).isPositive();
    assertThat(heights.root(r, common)).isEqualTo(heights.root(2, common));
    long caughtUpMs = ms(launched);
    timings.put("restart: caught up after", caughtUpMs + " ms (height " + peersHeight
        + ", missed " + (peersHeight - heightBeforeKill) + ")");
    assertThat(caughtUpMs).as("replica %d caught up, from its launch", r)
        .isLessThanOrEqualTo(MAX_CATCH_UP_MS);

    for (int i = 0; i < REPLICAS; i++) {
      assertEveryAckReplied(i);
    }
    assertThat(heights.assertNoFork(List.of(0, 1, 2, 3))).isPositive();
  }

  @Test
  @Order(3)
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void oneByzantineReplicaBreaksNeitherSafetyNorProgress() throws Exception {
    ReplicaProcess byzantine = replicas.get(BYZANTINE);
    Map<String, String> evidence = Map.of(
        "silent", "dropped",
        "bad-signatures", "bad-signatures",
        "conflicting-shares", "conflicting-certification-shares",
        "equivocate", "equivocated-blocks",
        "forged-calls", "forged-calls");
    // set(FORGED_COUNT) on the counter in the name of the admin who installed it
    String forgery = counter + " " + Hex.encode(ADMIN.publicKey().toDer()) + " " + Hex.encode(
        CandidArgs.builder().add(CandidType.Prim.NAT, CandidValue.nat(FORGED_COUNT)).build()
            .encode());
    for (String behaviour : List.of(
        "silent", "bad-signatures", "conflicting-shares", "equivocate", "forged-calls")) {
      long started = System.nanoTime();
      int from = byzantine.lineCount();
      byzantine.send("behave " + behaviour + (behaviour.equals("forged-calls") ? " " + forgery : ""));
      byzantine.awaitLine(Pattern.compile("byzantine: behaving " + behaviour), from, 10_000);
      long height = heights.maxHeight(HONEST);
      int acks = load.acks().size();
      String counterName = evidence.get(behaviour);
      // Bounded: the replica misbehaved (an equivocating maker needs a round where it makes the
      // block), and meanwhile the honest three kept certifying and replying.
      awaitCondition(behaviour + ": misbehaved, 10 new heights and 10 replies", 60_000,
          () -> reported(byzantine, counterName) > 0
              && heights.maxHeight(HONEST) >= height + 10 && load.acks().size() >= acks + 10);
      timings.put("byzantine " + behaviour, ms(started) + " ms, longest stall "
          + heights.longestStallMs(HONEST, started, System.nanoTime()) + " ms");
      assertThat(heights.assertNoFork(HONEST)).isPositive();
    }
    for (int r : HONEST) {
      assertThat(((CandidValue.Nat) count(r)).value().longValueExact())
          .as("the counter on replica %d: a forged call was executed", r)
          .isLessThan(FORGED_COUNT);
    }
    timings.put("byzantine misbehaviour", lastReport);
    int from = byzantine.lineCount();
    byzantine.send("behave honest");
    byzantine.awaitLine(Pattern.compile("byzantine: behaving honest"), from, 10_000);
    for (int r : HONEST) {
      assertEveryAckReplied(r);
    }
  }

  @Test
  @Order(4)
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void everyAcknowledgedUpdateIsAppliedOnEveryHonestReplicaAndTheirStatesAgree() throws Exception {
    load.pause();
    try {
      List<UpdateLoad.Ack> acks = load.acks();
      assertThat(load.rejections()).isEmpty();
      // Calls still in pools finish; then every honest replica serves the same count.
      long deadline = System.nanoTime() + 30_000_000_000L;
      List<CandidValue> counts;
      do {
        counts = new ArrayList<>();
        for (int r : HONEST) {
          counts.add(count(r));
        }
      } while (counts.stream().distinct().count() > 1 && System.nanoTime() < deadline
          && sleepMs(100));
      assertThat(counts).as("counter on replicas %s", HONEST).containsOnly(counts.get(0));
      long count = ((CandidValue.Nat) counts.get(0)).value().longValueExact();
      assertThat(count).as("counter against %d acknowledged increments", acks.size())
          .isGreaterThanOrEqualTo(acks.size());
      for (int r : HONEST) {
        assertEveryAckReplied(r);
      }
      long now = wallClockNs();
      for (int r : List.of(1, 2)) {
        long common = heights.awaitCommonRoot(0, r, now, 20_000);
        assertThat(common).as("a state certified by replicas 0 and %d after the pause", r)
            .isPositive();
        assertThat(heights.root(0, common)).isEqualTo(heights.root(r, common));
      }
      timings.put("acknowledged updates", acks.size() + " (counter " + count
          + ", client failures " + load.failures() + ", roots compared "
          + heights.assertNoFork(HONEST) + ")");
    } finally {
      load.resume();
    }
  }

  @Test
  @Order(5)
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void withTwoOfFourKilledNothingIsCertifiedAndTheSurvivorsDoNotFork() throws Exception {
    awaitAcks(load.acks().size() + 10, 30_000);
    List<Integer> survivors = List.of(0, 2);
    replicas.get(1).kill();
    replicas.get(BYZANTINE).kill();
    long killedAt = System.nanoTime();
    // What the killed replicas had already signed may still complete; then the survivors halt.
    long settled = awaitQuiet(survivors, 1_500, 20_000);
    int acksSettled = load.acks().size();
    long heightSettled = heights.maxHeight(survivors);

    // A halted subnet has no event to wait for: watch it for a while, with clients calling.
    long watchUntil = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < watchUntil) {
      Thread.sleep(100);
    }
    assertThat(heights.maxHeight(survivors)).as("certified height of the two survivors")
        .isEqualTo(heightSettled);
    assertThat(load.acks().size()).as("certified replies while two of four are down")
        .isEqualTo(acksSettled);
    // a fresh call is accepted but not certified
    Agent caller = Agent.builder().withUrl(replicas.get(2).url()).withRootKey(rootKey)
        .withIdentity(Identity.of(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(99))))
        .withCallTimeoutMs(2_000).build();
    try {
      caller.update(counter, "inc", NO_ARGS);
      throw new AssertionError("an update was certified by two replicas of four");
    } catch (AgentTransportException e) {
      assertThat(e.reason()).isEqualTo(AgentTransportException.Reason.TIMEOUT);
    }
    timings.put("kill 2 of 4: halted after", (settled - killedAt) / 1_000_000 + " ms, watched "
        + ms(settled) + " ms at height " + heightSettled);

    assertThat(heights.assertNoFork(survivors)).isPositive();
    for (int r : survivors) {
      assertEveryAckReplied(r);
    }
  }

  // ---------------------------------------------------------------------------------------------

  static Agent agent(int replica) {
    Agent.Builder b = Agent.builder().withUrl(replicas.get(replica).url());
    return (rootKey == null ? b.fetchRootKey() : b.withRootKey(rootKey)).build();
  }

  static Principal installCounter() throws IOException {
    return installCounter(replicas.get(0).url(), rootKey);
  }

  /** Creates the counter canister through the replica at {@code url} and installs its module. */
  static Principal installCounter(java.net.URI url, byte[] rootKey) throws IOException {
    Agent admin = Agent.builder().withUrl(url).withRootKey(rootKey)
        .withIdentity(Identity.of(ADMIN)).build();
    byte[] created = admin.update(Principal.MANAGEMENT_CANISTER, CanisterId.fromIndex(0).principal(),
        "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode());
    Principal id = CreateCanisterResult.decode(created).canisterId().principal();
    byte[] wasm;
    try (InputStream in = ClusterProcessTest.class.getResourceAsStream("/motoko/counter.wasm")) {
      wasm = in.readAllBytes();
    }
    admin.update(Principal.MANAGEMENT_CANISTER, id, "install_code", new InstallCodeArgs(
        new InstallMode.Install(), new CanisterId(id), wasm, NO_ARGS, null).encode());
    return id;
  }

  /** The counter as {@code replica} answers a signed query of {@code get}. */
  static CandidValue count(int replica) {
    return CandidArgs.decode(agent(replica).query(counter, "get", NO_ARGS)).get(0);
  }

  /**
   * Every update a client got a certified reply for is certified as replied by {@code replica}:
   * read_state of its request_status, as its sender (one request id per read, as the interface
   * requires). Acknowledgements already checked on this run of the replica are not read again.
   */
  static void assertEveryAckReplied(int replica) throws Exception {
    Set<RequestId> done = checked.computeIfAbsent(replica, r -> ConcurrentHashMap.newKeySet());
    List<UpdateLoad.Ack> acks = load.acks().stream()
        .filter(a -> !done.contains(a.requestId())).toList();
    List<Agent> readers = new ArrayList<>();
    for (int s = 0; s < LOAD_STREAMS; s++) {
      readers.add(Agent.builder().withUrl(replicas.get(replica).url()).withRootKey(rootKey)
          .withIdentity(load.identity(s)).build());
    }
    List<Future<?>> reads = new ArrayList<>();
    for (UpdateLoad.Ack a : acks) {
      reads.add(checkers.submit(() -> {
        // The replica that acknowledged the call may have certified it at a height this one
        // has not certified yet (a replica just restarted, or busy rounds a height apart), so
        // the status may take a moment to appear; a status that never appears fails.
        long deadline = System.nanoTime() + ACK_VISIBLE_WITHIN_MS * 1_000_000L;
        while (true) {
          VerifiedCertificate vc = readers.get(a.stream()).readState(counter, List.of(List.of(
              "request_status".getBytes(StandardCharsets.UTF_8), a.requestId().toBytes())));
          Optional<String> status =
              Agent.lookupText(vc, "request_status", a.requestId().toBytes(), "status");
          if (status.filter("replied"::equals).isPresent() || System.nanoTime() > deadline) {
            assertThat(status)
                .as("status on replica %d of %s, acknowledged by replica %d", replica,
                    a.requestId(), a.replica())
                .contains("replied");
            break;
          }
          Thread.sleep(50); // polling for the height that certifies it
        }
        done.add(a.requestId());
        return null;
      }));
    }
    for (Future<?> f : reads) {
      try {
        f.get(60, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Error err ? err : new AssertionError(e.getCause());
      }
    }
    assertThat(done).isNotEmpty();
  }

  /** The longest time in {@code [fromNanos, toNanos]} without a certified reply, in ms. */
  static long longestReplyGapMs(long fromNanos, long toNanos) {
    long last = fromNanos;
    long longest = 0;
    List<Long> times = load.acks().stream().map(UpdateLoad.Ack::atNanos).sorted().toList();
    for (long t : times) {
      if (t > fromNanos && t <= toNanos) {
        longest = Math.max(longest, t - last);
        last = t;
      }
    }
    return Math.max(longest, toNanos - last) / 1_000_000;
  }

  /** Polls until {@code replicas}' certified height has not changed for {@code quietMs}. */
  static long awaitQuiet(List<Integer> survivors, long quietMs, long timeoutMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    long height = heights.maxHeight(survivors);
    long since = System.nanoTime();
    while (System.nanoTime() - since < quietMs * 1_000_000) {
      assertThat(System.nanoTime()).as("the survivors stopped certifying within %d ms", timeoutMs)
          .isLessThan(deadline);
      Thread.sleep(50);
      long now = heights.maxHeight(survivors);
      if (now != height) {
        height = now;
        since = System.nanoTime();
      }
    }
    return since;
  }

  static void awaitAcks(int count, long timeoutMs) throws InterruptedException {
    awaitCondition(count + " acknowledged updates", timeoutMs, () -> load.acks().size() >= count);
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  static void awaitCondition(String what, long timeoutMs, Condition condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    try {
      while (!condition.holds()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("not within " + timeoutMs + " ms: " + what + state());
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException | AssertionError e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError(what + ": " + e, e);
    }
  }

  /** What the test sees of the subnet, for failure messages. */
  static String state() {
    if (heights == null || load == null) {
      return "";
    }
    return " (certified heights " + List.of(heights.height(0), heights.height(1),
        heights.height(2), heights.height(3)) + ", acknowledged updates " + load.acks().size()
        + ", client failures " + load.failures() + ")";
  }

  static String lastReport = "";

  /** Asks the Byzantine replica how often it did {@code name} so far. */
  static long reported(ReplicaProcess byzantine, String name) throws InterruptedException {
    int from = byzantine.lineCount();
    byzantine.send("report");
    Matcher m = byzantine.awaitLine(REPORT, from, 10_000);
    lastReport = m.group(1);
    Matcher value = Pattern.compile("\\b" + Pattern.quote(name) + "=(\\d+)").matcher(lastReport);
    assertThat(value.find()).as("%s in %s", name, lastReport).isTrue();
    return Long.parseLong(value.group(1));
  }

  static long ms(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1_000_000;
  }

  static long wallClockNs() {
    java.time.Instant now = java.time.Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  static boolean sleepMs(long ms) throws InterruptedException {
    Thread.sleep(ms);
    return true;
  }

  /**
   * Writes replica {@code i}'s configuration: {@code conf/examples/replica-i.conf} as it ships,
   * with its data directory under {@code subnet}, HTTP on {@code ports[i]}, the cluster on {@code
   * ports[REPLICAS + i]} with every replica's cluster port as a seed node, and a short wait of
   * calls for their certificate (so clients move on sooner from a stalled subnet).
   */
  static Path exampleConf(Path dir, Path subnet, int i, List<Integer> ports) throws IOException {
    String seeds = ports.subList(REPLICAS, 2 * REPLICAS).stream()
        .map(p -> "\"pekko://canopy@127.0.0.1:" + p + "\"").collect(Collectors.joining(", "));
    Path conf = dir.resolve("replica-" + i + ".conf");
    Files.writeString(conf, "include file(\""
        + Path.of("conf", "examples", "replica-" + i + ".conf").toAbsolutePath() + "\")\n"
        + "canopy.node {\n"
        + "  data-dir = \"" + subnet.resolve("replica-" + i) + "\"\n"
        + "  http.port = " + ports.get(i) + "\n"
        + "  management.port = 0\n"
        + "  cluster.port = " + ports.get(REPLICAS + i) + "\n"
        + "  cluster.seed-nodes = [" + seeds + "]\n"
        + "}\n"
        + "canopy.replica.sync-call-timeout-ms = 4000\n");
    return conf;
  }

  /**
   * {@code target/<name>}, emptied of earlier runs' replica logs: the replicas' logs outlive the
   * temporary directory, for a failure to be looked into.
   */
  static Path logsDir(String name) throws IOException {
    Path logs = Path.of("target", name);
    Files.createDirectories(logs);
    for (int i = 0; i < REPLICAS; i++) {
      Files.deleteIfExists(logs.resolve("replica-" + i + ".log"));
    }
    return logs;
  }

  /** A four-replica subnet's genesis in {@code subnet}, as an operator makes it (--genesis-only). */
  static void createGenesis(Path subnet) {
    int dealt = new CommandLine(new Main()).execute("start", "--replicas", "4", "--genesis-only",
        "--data-dir", subnet.toString(),
        "--config", Path.of("conf", "application.conf").toAbsolutePath().toString());
    assertThat(dealt).as("canopy start --replicas 4 --genesis-only").isZero();
  }
}
