package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.Block;
import dev.canopy.consensus.CatchUpPackage;
import dev.canopy.consensus.Hash;
import dev.canopy.consensus.Payload;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.state.CertificationPool;
import dev.canopy.statesync.StateSync;
import dev.canopy.statesync.StateSyncManifest;
import dev.canopy.types.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One replica's catch-up actor among simulated peers (a subnet of four, local actors): it signs its
 * checkpoint's package, combines its peers' shares and serves the checkpoint within a per-peer
 * budget; lagging, it ignores a forged package, fetches the checkpoint of the real one around a
 * peer that corrupts chunks, and hands the verified bytes to its state manager.
 */
class CatchUpActorTest {
  static final long SEED = 20260302L;
  static final long HEIGHT = 30;
  static final int CHUNK = 1024;
  static final int BUDGET_PER_SECOND = 20;

  @TempDir Path dataDir;
  ActorTestKit testKit;
  List<NodeKeys> keys;
  Replica replica;
  ServiceKey<CatchUpActor.Command> serviceKey;
  byte[] state;
  StateSyncManifest manifest;
  CatchUpPackage.Content content;

  @BeforeEach
  void setUp() {
    keys = dealKeys(4, new SplittableRandom(SEED));
    Path dir = LocalSubnet.replicaDir(dataDir, 0);
    ReplicaSettings settings = TestNodeConfigs.ephemeral(dir, Map.of(
        "canopy.replica.checkpoint-every-heights", 10,
        "canopy.replica.catch-up.retain-heights", 20,
        "canopy.replica.catch-up.chunk-bytes", CHUNK,
        "canopy.replica.catch-up.max-state-bytes", 16 << 20,
        "canopy.replica.catch-up.query-interval-ms", 50,
        "canopy.replica.catch-up.max-served-chunks-per-second", BUDGET_PER_SECOND)).replica();
    replica = new Replica(keys.get(0), settings, dir);
    serviceKey = CatchUpActor.serviceKey(keys.get(0).subnetId());
    testKit = ActorTestKit.create();
    state = new byte[10 * CHUNK + 300];
    new Random(SEED).nextBytes(state);
    manifest = StateSyncManifest.of(HEIGHT, state, CHUNK);
    content = content(HEIGHT);
  }

  /**
   * Keys dealt for a subnet of {@code n} in the test: the actor under test only needs a replica
   * that holds shares of the subnet's key, however the key was made.
   */
  static List<NodeKeys> dealKeys(int n, java.util.random.RandomGenerator random) {
    int f = (n - 1) / 3;
    ThresholdBls.Dealing subnet = ThresholdBls.deal(new ThresholdBls.Parameters(n - f, n), random);
    ThresholdBls.Dealing beacon = ThresholdBls.deal(new ThresholdBls.Parameters(f + 1, n), random);
    List<dev.canopy.crypto.Ed25519SigningKey> nodeKeys = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodeKeys.add(dev.canopy.crypto.Ed25519SigningKey.generate(random));
    }
    List<dev.canopy.crypto.Ed25519PublicKey> publicKeys =
        nodeKeys.stream().map(dev.canopy.crypto.Ed25519SigningKey::publicKey).toList();
    List<NodeKeys> result = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      result.add(new NodeKeys(nodeKeys.get(i), subnet.parameters(), subnet.secretKeyShares().get(i),
          subnet.publicKeyShares(), subnet.groupPublicKey(), publicKeys,
          beacon.secretKeyShares().get(i), beacon.publicKeyShares(), beacon.groupPublicKey()));
    }
    return result;
  }

  @AfterEach
  void tearDown() {
    testKit.shutdownTestKit();
  }

  CatchUpPackage.Content content(long height) {
    NodeId maker = keys.get(1).nodeId();
    Block block = new Block(height, new Hash(new byte[32]), 0, maker, 1_000, Payload.EMPTY);
    return new CatchUpPackage.Content(
        Artifact.BlockProposal.sign(block, keys.get(1).nodeSigningKey()),
        new Artifact.RandomBeacon(height, new Hash(new byte[32]), new byte[48]),
        new Hash(new byte[32]), manifest.hash());
  }

  ThresholdBls.SignatureShare share(int replica, CatchUpPackage.Content c) {
    return CatchUpKeys.of(keys.get(replica).subnetKeys()).signShare(c).orElseThrow();
  }

  /** The subnet's package of {@code c}: replicas 1 to 3 sign it. */
  CatchUpPackage signed(CatchUpPackage.Content c) {
    CertificationPool pool = CatchUpKeys.of(keys.get(1).subnetKeys()).sharePool(100);
    byte[] hash = c.hash().bytes();
    pool.addOwn(c.height(), hash, share(1, c));
    pool.addPeerShare(c.height(), hash, share(2, c));
    pool.addPeerShare(c.height(), hash, share(3, c));
    return new CatchUpPackage(c, pool.certification(c.height()).orElseThrow().signature());
  }

  /** A simulated peer: it offers {@code cup} and serves the checkpoint, corrupting chunks if told. */
  Behavior<CatchUpActor.Command> peer(CatchUpPackage cup, boolean corruptChunks) {
    return Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(serviceKey, context.getSelf()));
      return Behaviors.receive(CatchUpActor.Command.class)
          .onMessage(CatchUpActor.CupQuery.class, q -> {
            q.replyTo().tell(new CatchUpActor.CupBytes(cup.toBytes()));
            return Behaviors.same();
          })
          .onMessage(CatchUpActor.ChunkRequest.class, r -> {
            byte[] bytes = r.chunk() == StateSync.MANIFEST
                ? manifest.toBytes() : manifest.chunk(state, r.chunk());
            if (corruptChunks && r.chunk() != StateSync.MANIFEST) {
              bytes[0] ^= 1;
            }
            r.replyTo().tell(new CatchUpActor.ChunkResponse(r.requestId(), true, bytes));
            return Behaviors.same();
          })
          .onAnyMessage(m -> Behaviors.same())
          .build();
    });
  }

  @Test
  void aLaggingReplicaIgnoresAForgedPackageAndFetchesTheRealCheckpointAroundACorruptPeer() {
    CatchUpPackage real = signed(content);
    // A higher package with the real one's signature: not the subnet's signature of its content.
    CatchUpPackage forged = new CatchUpPackage(content(HEIGHT + 10), real.signature());
    testKit.spawn(peer(real, false), "honest");
    testKit.spawn(peer(forged, true), "byzantine");
    ActorRef<CatchUpActor.Command> catchUp = testKit.spawn(CatchUpActor.create(replica));
    TestProbe<StateManager.Command> stateManager = testKit.createTestProbe();

    catchUp.tell(new CatchUpActor.StateAt(0, stateManager.ref()));

    StateManager.InstallCheckpoint install = stateManager.expectMessageClass(
        StateManager.InstallCheckpoint.class, Duration.ofSeconds(20));
    assertThat(install.cup()).isEqualTo(real);
    assertThat(install.state()).isEqualTo(state);
    CatchUpStatus status = replica.catchUpStatus();
    assertThat(status.latestPackageHeight()).isEqualTo(HEIGHT);
    assertThat(status.chunksRejected()).as("%s", status).isPositive();

    install.replyTo().tell(new CatchUpActor.InstallDone(HEIGHT, true, ""));
    stateManager.awaitAssert(Duration.ofSeconds(5),
        () -> assertThat(status.statesInstalled()).isEqualTo(1));
    assertThat(status.lastInstalledHeight()).isEqualTo(HEIGHT);
    // The installed checkpoint is served to others in turn.
    TestProbe<CatchUpActor.Command> other = testKit.createTestProbe();
    catchUp.tell(new CatchUpActor.ChunkRequest(HEIGHT, 2, 77, other.ref()));
    CatchUpActor.ChunkResponse chunk = other.expectMessageClass(CatchUpActor.ChunkResponse.class);
    assertThat(chunk.requestId()).isEqualTo(77);
    assertThat(chunk.bytes()).isEqualTo(manifest.chunk(state, 2));
  }

  /** The next message of {@code type} to {@code probe}, skipping the actor's periodic queries. */
  static <T> T next(TestProbe<CatchUpActor.Command> probe, Class<T> type) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      CatchUpActor.Command m = probe.receiveMessage(Duration.ofSeconds(5));
      if (type.isInstance(m)) {
        return type.cast(m);
      }
      assertThat(m).isInstanceOf(CatchUpActor.CupQuery.class);
    }
    throw new AssertionError("no " + type.getSimpleName() + " within 5 s");
  }

  /** Chunk responses to {@code probe} until none has come for 300 ms (queries aside). */
  static List<CatchUpActor.ChunkResponse> chunkResponses(TestProbe<CatchUpActor.Command> probe) {
    List<CatchUpActor.ChunkResponse> out = new java.util.ArrayList<>();
    long quietSinceNs = System.nanoTime();
    while (System.nanoTime() - quietSinceNs < 300_000_000L) {
      CatchUpActor.Command m;
      try {
        m = probe.receiveMessage(Duration.ofMillis(300));
      } catch (AssertionError timeout) {
        break;
      }
      if (m instanceof CatchUpActor.ChunkResponse r) {
        out.add(r);
        quietSinceNs = System.nanoTime();
      }
    }
    return out;
  }

  @Test
  void aReplicaSignsItsCheckpointCombinesThePeersSharesAndServesItWithinABudget() {
    TestProbe<CatchUpActor.Command> peer = testKit.createTestProbe();
    testKit.system().receptionist().tell(Receptionist.register(serviceKey, peer.ref()));
    ActorRef<CatchUpActor.Command> catchUp = testKit.spawn(CatchUpActor.create(replica));
    TestProbe<StateManager.Command> stateManager = testKit.createTestProbe();
    catchUp.tell(new CatchUpActor.StateAt(HEIGHT, stateManager.ref()));
    // Its periodic query says the actor lists the peer.
    next(peer, CatchUpActor.CupQuery.class);

    catchUp.tell(new CatchUpActor.OwnCheckpoint(content, manifest, state));
    CatchUpActor.CupShare own = next(peer, CatchUpActor.CupShare.class);
    assertThat(own.signerIndex()).isEqualTo(1);
    assertThat(own.contentHash()).isEqualTo(content.hash().bytes());
    assertThat(replica.catchUpStatus().latestPackageHeight()).isEqualTo(-1);

    for (int r = 1; r <= 2; r++) {
      ThresholdBls.SignatureShare s = share(r, content);
      catchUp.tell(new CatchUpActor.CupShare(HEIGHT, content.hash().bytes(), s.index(),
          s.signature()));
    }
    catchUp.tell(new CatchUpActor.CupQuery(HEIGHT - 1, peer.ref()));
    CatchUpPackage cup = CatchUpPackage.decode(next(peer, CatchUpActor.CupBytes.class).bytes());
    assertThat(cup.content()).isEqualTo(content);
    assertThat(cup.verify(keys.get(0).subnetPublicKey())).isTrue();
    assertThat(replica.catchUpStatus().latestPackageHeight()).isEqualTo(HEIGHT);

    catchUp.tell(new CatchUpActor.ChunkRequest(HEIGHT, StateSync.MANIFEST, 1, peer.ref()));
    assertThat(next(peer, CatchUpActor.ChunkResponse.class).bytes()).isEqualTo(manifest.toBytes());
    catchUp.tell(new CatchUpActor.ChunkRequest(HEIGHT + 10, 0, 2, peer.ref()));
    assertThat(next(peer, CatchUpActor.ChunkResponse.class).held()).isFalse();

    // A burst beyond the per-peer budget: the rest is dropped (the asker times out elsewhere).
    for (int i = 0; i < 3 * BUDGET_PER_SECOND; i++) {
      catchUp.tell(new CatchUpActor.ChunkRequest(HEIGHT, i % manifest.chunkCount(), 100 + i,
          peer.ref()));
    }
    List<CatchUpActor.ChunkResponse> answered = chunkResponses(peer);
    assertThat(answered).hasSizeBetween(1, BUDGET_PER_SECOND);
    for (CatchUpActor.ChunkResponse r : answered) {
      assertThat(r.bytes()).isEqualTo(
          manifest.chunk(state, (int) (r.requestId() - 100) % manifest.chunkCount()));
    }
  }
}
