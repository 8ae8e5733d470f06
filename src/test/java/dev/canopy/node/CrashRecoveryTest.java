package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.cli.Main;
import dev.canopy.consensus.Batch;
import dev.canopy.crypto.CertificateVerifier;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.execution.StateCodec;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.http.PublishedState;
import dev.canopy.routing.BatchRouting;
import dev.canopy.state.CertifiedStateTreeBuilder;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LookupResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed with SIGKILL while clients stream update calls loses nothing it acknowledged: a
 * node started again on the same data directory has applied every update whose certified reply a
 * client received, its counter equals the number of updates it certifies as replied, and its
 * state, like every certificate either run handed out, equals that of a node that never crashed
 * fed the same finalized batches (the journal replayed from genesis in this JVM).
 */
class CrashRecoveryTest {
  private static final Pattern HEALTHY =
      Pattern.compile("is healthy at (http://127\\.0\\.0\\.1:\\d+)");
  private static final int STREAMS = 4;
  /** Acknowledged updates after which the node is killed, the streams still sending. */
  private static final int ACKNOWLEDGED_BEFORE_KILL = 24;
  private static final long NODE_START_TIMEOUT_MS = 60_000;
  private static final long STREAM_TIMEOUT_MS = 30_000;
  private static final byte[] NO_ARGS = CandidArgs.EMPTY.encode();

  @TempDir Path dataDir;
  @TempDir Path referenceDir;

  /** What one stream sent: every request id before it was posted, and those acknowledged. */
  record Stream(List<RequestId> sent, List<RequestId> acknowledged, List<byte[]> rootHashes) {
    Stream() {
      this(Collections.synchronizedList(new ArrayList<>()),
          Collections.synchronizedList(new ArrayList<>()),
          Collections.synchronizedList(new ArrayList<>()));
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aKilledNodeRestartsWithEveryAcknowledgedUpdateAndTheStateOfANodeThatNeverCrashed()
      throws Exception {
    // ---- first run: a separate process, killed with SIGKILL mid-stream
    Process process = startNodeProcess();
    List<Stream> streams = new ArrayList<>();
    Principal counter;
    List<byte[]> setupRootHashes = new ArrayList<>();
    try {
      URI uri = awaitHealthy(process);
      IcTestClient setup = new IcTestClient(uri, 100);
      counter = createCounter(setup, setupRootHashes);

      AtomicInteger acknowledged = new AtomicInteger();
      AtomicBoolean killed = new AtomicBoolean();
      CountDownLatch enough = new CountDownLatch(1);
      List<CompletableFuture<Void>> running = new ArrayList<>();
      // One thread per stream: the common pool may have fewer threads than there are streams.
      ExecutorService threads = Executors.newFixedThreadPool(STREAMS);
      for (int s = 0; s < STREAMS; s++) {
        Stream stream = new Stream();
        streams.add(stream);
        IcTestClient client = new IcTestClient(uri, streamSeed(s));
        running.add(CompletableFuture.runAsync(() -> streamIncrements(
            client, counter, stream, acknowledged, killed, enough), threads));
      }
      assertThat(enough.await(STREAM_TIMEOUT_MS, TimeUnit.MILLISECONDS))
          .as("%d updates acknowledged in time", ACKNOWLEDGED_BEFORE_KILL).isTrue();
      killed.set(true);
      process.destroyForcibly(); // SIGKILL: no shutdown hook, no quiescing
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
          .get(STREAM_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      threads.shutdown();
    } finally {
      process.destroyForcibly();
    }
    List<RequestId> acknowledged = new ArrayList<>();
    List<RequestId> sent = new ArrayList<>();
    for (Stream stream : streams) {
      acknowledged.addAll(stream.acknowledged());
      sent.addAll(stream.sent());
    }
    assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(ACKNOWLEDGED_BEFORE_KILL);

    // ---- second run, on the same data directory (in this JVM, to read its state)
    Node restarted = Node.start(TestNodeConfigs.ephemeral(dataDir, Map.of(
        "canopy.replica.round-interval-ms", 50)));
    try {
      PublishedState recovered = restarted.recoveredState().orElseThrow();
      Principal subnetId = restarted.subnetId().principal();
      URI uri = restarted.httpUri();

      // Every sent request as the restarted node certifies it (same sender as the original).
      int replied = 0;
      List<byte[]> restartedRootHashes = new ArrayList<>();
      for (int s = 0; s < STREAMS; s++) {
        IcTestClient client = new IcTestClient(uri, streamSeed(s));
        for (RequestId id : streams.get(s).sent()) {
          Certificate certificate = client.readState("v3", "canister", counter, List.of(List.of(
              "request_status".getBytes(StandardCharsets.UTF_8), id.toBytes())));
          restartedRootHashes.add(certificate.tree().digest());
          String status = requestStatus(certificate, id);
          if (streams.get(s).acknowledged().contains(id)) {
            assertThat(status).as("acknowledged request %s", id).isEqualTo("replied");
          }
          assertThat(status).as("request %s", id).isIn("replied", "absent");
          if (status.equals("replied")) {
            replied++;
          }
        }
      }
      IcTestClient reader = new IcTestClient(uri, 100);
      CandidValue count = CandidArgs.decode(
          reader.query("v3", counter, counter, "get", NO_ARGS, subnetId).reply()).get(0);
      assertThat(count).as("counter after the restart; %d acknowledged, %d sent",
          acknowledged.size(), sent.size()).isEqualTo(CandidValue.nat(replied));
      assertThat(replied).isGreaterThanOrEqualTo(acknowledged.size());

      // ---- a node that never crashed: the journal (both runs) replayed from genesis
      Reference reference = replayJournal(restarted, recovered.height());
      assertThat(reference.stateHashAt(recovered.height()))
          .as("state hash at the recovered height %d", recovered.height())
          .isEqualTo(Hex.encode(StateCodec.stateHash(recovered.state())));
      assertThat(reference.rootHashes()).containsKey(
          Hex.encode(recovered.certified().tree().rootHash()));
      List<byte[]> handedOut = new ArrayList<>(setupRootHashes);
      streams.forEach(stream -> handedOut.addAll(stream.rootHashes()));
      handedOut.addAll(restartedRootHashes);
      for (byte[] rootHash : handedOut) {
        assertThat(reference.rootHashes())
            .as("a certified root hash handed out by the first or second run")
            .containsKey(Hex.encode(rootHash));
      }
    } finally {
      restarted.close();
    }
  }

  private static long streamSeed(int stream) {
    return 200 + stream;
  }

  private Process startNodeProcess() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder = new ProcessBuilder(
        java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "start", "--port", "0", "--data-dir", dataDir.toString())
        .redirectErrorStream(true);
    builder.environment().put("CANOPY_MANAGEMENT_PORT", "0");
    builder.environment().put("CANOPY_ROUND_INTERVAL_MS", "50");
    builder.environment().put("CANOPY_HOME", Path.of("").toAbsolutePath().toString());
    return builder.start();
  }

  /** Waits for the healthy line, then keeps draining the output so the process never blocks. */
  private static URI awaitHealthy(Process process) throws Exception {
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<URI> healthy = new CompletableFuture<>();
    List<String> output = Collections.synchronizedList(new ArrayList<>());
    Thread drain = new Thread(() -> {
      try {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          output.add(line);
          Matcher m = HEALTHY.matcher(line);
          if (m.find()) {
            healthy.complete(URI.create(m.group(1)));
          }
        }
      } catch (java.io.IOException e) {
        // the process died; the future below reports it
      }
      healthy.completeExceptionally(new AssertionError("the node exited: " + output));
    }, "node-output");
    drain.setDaemon(true);
    drain.start();
    return healthy.get(NODE_START_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  private static Principal createCounter(IcTestClient client, List<byte[]> rootHashes) {
    Principal anyInRange = CanisterId.fromIndex(0).principal();
    IcTestClient.CertifiedStatus created = client.callSync("v4", anyInRange,
        Principal.MANAGEMENT_CANISTER, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode());
    rootHashes.add(created.certificate().tree().digest());
    Principal counter = CreateCanisterResult.decode(created.reply()).canisterId().principal();
    IcTestClient.CertifiedStatus installed = client.callSync("v4", counter,
        Principal.MANAGEMENT_CANISTER, "install_code",
        new InstallCodeArgs(new InstallMode.Install(), new CanisterId(counter),
            ReplicaNodeTest.motoko("counter"), NO_ARGS, null).encode());
    installed.reply();
    rootHashes.add(installed.certificate().tree().digest());
    return counter;
  }

  /**
   * Synchronous increments, one after another, until the node dies: an update counts as
   * acknowledged once its certificate verifies and certifies it as replied.
   */
  private static void streamIncrements(IcTestClient client, Principal counter, Stream stream,
      AtomicInteger acknowledged, AtomicBoolean killed, CountDownLatch enough) {
    while (!killed.get()) {
      IcTestClient.Signed call = client.callRequest(counter, "inc", NO_ARGS);
      stream.sent().add(call.requestId());
      IcTestClient.Response response;
      try {
        response = client.post("/api/v4/canister/" + counter + "/call", call.body());
      } catch (UncheckedIOException e) {
        return; // the node is gone: this update may or may not have been applied
      }
      if (response.status() != 200) {
        continue; // 202 (timed out waiting) or a transient error: not acknowledged
      }
      CborMap body = response.cbor();
      assertThat(body.getText("status")).isEqualTo("replied");
      Certificate certificate = client.verifier().verify(body.getBytes("certificate"),
          CertificateVerifier.Scope.canister(counter), IcTestClient.nowNs()).certificate();
      assertThat(requestStatus(certificate, call.requestId())).isEqualTo("replied");
      stream.rootHashes().add(certificate.tree().digest());
      stream.acknowledged().add(call.requestId());
      if (acknowledged.incrementAndGet() >= ACKNOWLEDGED_BEFORE_KILL) {
        enough.countDown();
      }
    }
  }

  /** The certified status of {@code id}, or "absent" when the certificate proves it unknown. */
  private static String requestStatus(Certificate certificate, RequestId id) {
    LookupResult status = certificate.lookup(List.of(
        Label.of("request_status"), Label.of(id.toBytes()), Label.of("status")));
    if (status instanceof LookupResult.Found found) {
      return new String(found.value(), StandardCharsets.UTF_8);
    }
    assertThat(status).as("status of %s", id).isInstanceOf(LookupResult.Absent.class);
    return "absent";
  }

  /** Certified root hashes (hex) by height, and state hashes, of the replayed journal. */
  record Reference(Map<String, Long> rootHashes, Map<Long, String> stateHashes) {
    String stateHashAt(long height) {
      assertThat(stateHashes).containsKey(height);
      return stateHashes.get(height);
    }
  }

  /**
   * Reads the restarted node's journal (the first run's batches, then its own) and executes it
   * from genesis with a fresh replica of the same keys: a node that never crashed.
   */
  private Reference replayJournal(Node node, long stateHashHeight) throws Exception {
    JdbcReadJournal journal = PersistenceQuery.get(node.system())
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    String persistenceId = PersistenceIds.of(node.keys().nodeId(), StateManager.ENTITY_TYPE,
        node.keys().subnetId().toString()).id();
    List<EventEnvelope> events = journal
        .currentEventsByPersistenceId(persistenceId, 0L, Long.MAX_VALUE)
        .runWith(Sink.seq(), node.system())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(events).as("journal events").isNotEmpty();

    Replica replica = new Replica(node.keys(), node.config().replica(), referenceDir);
    CertifiedStateTreeBuilder trees = new CertifiedStateTreeBuilder();
    ReplicatedState state = replica.genesisState();
    Map<String, Long> rootHashes = new TreeMap<>();
    Map<Long, String> stateHashes = new TreeMap<>();
    for (EventEnvelope envelope : events) {
      StateManager.BatchFinalized event = (StateManager.BatchFinalized) envelope.event();
      Batch batch = BatchRouting.decode(event.batch(), event.blockProposal());
      assertThat(batch.height()).as("journaled heights are consecutive from genesis")
          .isEqualTo(state.height() + 1);
      state = replica.roundExecutor()
          .executeRound(state, replica.routing().toExecution(batch)).state();
      rootHashes.put(Hex.encode(trees.build(state.certifiedView()).rootHash()), state.height());
      if (state.height() == stateHashHeight) { // serializing every height would be slow
        stateHashes.put(state.height(), Hex.encode(StateCodec.stateHash(state)));
      }
    }
    return new Reference(rootHashes, stateHashes);
  }
}
