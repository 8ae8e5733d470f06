package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.Block;
import dev.canopy.consensus.CatchUpPackage;
import dev.canopy.consensus.Hash;
import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.consensus.Payload;
import dev.canopy.consensus.SubnetKeys;
import dev.canopy.state.CertificationPool;
import dev.canopy.statesync.StateSync;
import dev.canopy.statesync.StateSyncManifest;
import dev.canopy.types.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
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
import org.slf4j.LoggerFactory;

/**
 * A replica of a subnet that generated its keys, whose state lost the key generation's record (its
 * database is gone, its keys/ directory is not): its own key file is the trust anchor with which
 * it verifies a catch-up package, and the package's record must give the same keys as the file. A
 * replica with neither record nor file cannot verify any package and says what to restore.
 */
class CatchUpKeyFileTest {
  static final long SEED = 20260303L;
  static final long HEIGHT = 30;
  static final int CHUNK = 1024;

  @TempDir Path root;
  ActorTestKit testKit;
  List<ReplicaIdentity> members;
  KeyGenerationRecord record;
  List<SubnetKeys> memberKeys;
  ReplicaSettings settings;
  byte[] state;
  StateSyncManifest manifest;
  ListAppender<ILoggingEvent> log;

  @BeforeEach
  void setUp() {
    members = TestKeyGeneration.members(root, SEED);
    record = TestKeyGeneration.closedRecord(members, 0);
    memberKeys = members.stream()
        .map(m -> SubnetKeys.derive(record, m.replicaIndex(), m.dkgKey().orElseThrow())).toList();
    settings = TestNodeConfigs.ephemeral(root, Map.of(
        "canopy.replica.checkpoint-every-heights", 10,
        "canopy.replica.catch-up.retain-heights", 20,
        "canopy.replica.catch-up.chunk-bytes", CHUNK,
        "canopy.replica.catch-up.max-state-bytes", 16 << 20,
        "canopy.replica.catch-up.query-interval-ms", 50,
        "canopy.replica.catch-up.stall-ms", 300)).replica();
    state = new byte[3 * CHUNK + 100];
    new Random(SEED).nextBytes(state);
    manifest = StateSyncManifest.of(HEIGHT, state, CHUNK);
    testKit = ActorTestKit.create();
    log = new ListAppender<>();
    log.start();
    ((Logger) LoggerFactory.getLogger(CatchUpActor.class)).addAppender(log);
  }

  @AfterEach
  void tearDown() {
    ((Logger) LoggerFactory.getLogger(CatchUpActor.class)).detachAppender(log);
    testKit.shutdownTestKit();
  }

  /** Replica {@code i} restarted with an empty state; its key file written before if {@code withFile}. */
  Replica restartedWithEmptyState(int i, boolean withFile) {
    Path dir = TestKeyGeneration.dataDirs(root).get(i);
    if (withFile) {
      new SubnetKeyStore(members.get(i), dir.resolve(DataDirectory.KEYS_DIR)).establish(record);
    }
    Replica replica = new Replica(members.get(i), settings, dir);
    // What the state manager does on recovery when its state holds no closed record.
    assertThat(replica.loadKeyFile().isPresent()).isEqualTo(withFile);
    return replica;
  }

  /** Content of {@code HEIGHT} carrying {@code keyGeneration}. */
  CatchUpPackage.Content content(byte[] keyGeneration) {
    Block block = new Block(HEIGHT, new Hash(new byte[32]), 0, members.get(1).nodeId(), 1_000, Payload.EMPTY);
    return new CatchUpPackage.Content(Artifact.BlockProposal.sign(block, members.get(1).nodeSigningKey()),
        new Artifact.RandomBeacon(HEIGHT, new Hash(new byte[32]), new byte[48]), new Hash(new byte[32]),
        manifest.hash(), keyGeneration);
  }

  /** Members 1 to 3 sign {@code c} with their shares of the subnet key (n − f = 3). */
  CatchUpPackage signed(CatchUpPackage.Content c) {
    CertificationPool pool = CatchUpKeys.of(memberKeys.get(1)).sharePool(100);
    byte[] hash = c.hash().bytes();
    pool.addOwn(c.height(), hash, CatchUpKeys.of(memberKeys.get(1)).signShare(c).orElseThrow());
    for (int i = 2; i <= 3; i++) {
      pool.addPeerShare(c.height(), hash, CatchUpKeys.of(memberKeys.get(i)).signShare(c).orElseThrow());
    }
    return new CatchUpPackage(c, pool.certification(c.height()).orElseThrow().signature());
  }

  /** A peer that offers whatever package {@code offered} holds and serves the checkpoint. */
  Behavior<CatchUpActor.Command> peer(ServiceKey<CatchUpActor.Command> key, AtomicReference<CatchUpPackage> offered) {
    return Behaviors.setup(context -> {
      context.getSystem().receptionist().tell(Receptionist.register(key, context.getSelf()));
      return Behaviors.receive(CatchUpActor.Command.class)
          .onMessage(CatchUpActor.CupQuery.class, q -> {
            q.replyTo().tell(new CatchUpActor.CupBytes(offered.get().toBytes()));
            return Behaviors.same();
          })
          .onMessage(CatchUpActor.ChunkRequest.class, r -> {
            byte[] bytes = r.chunk() == StateSync.MANIFEST ? manifest.toBytes() : manifest.chunk(state, r.chunk());
            r.replyTo().tell(new CatchUpActor.ChunkResponse(r.requestId(), true, bytes));
            return Behaviors.same();
          })
          .onAnyMessage(m -> Behaviors.same())
          .build();
    });
  }

  List<String> errors() {
    return log.list.stream().filter(e -> e.getLevel() == Level.ERROR).map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void aPackageIsVerifiedWithTheKeyFileAndItsRecordMustGiveTheFilesKeys() {
    Replica replica = restartedWithEmptyState(0, true);
    assertThat(replica.subnetKeys()).as("not serving before a record is installed").isEmpty();
    assertThat(replica.trustedSubnetKeys().orElseThrow().sameAs(memberKeys.get(0))).isTrue();
    // Signed by the subnet, but its record is another key generation's: other keys than the file's.
    KeyGenerationRecord other = TestKeyGeneration.closedRecord(members, 100);
    AtomicReference<CatchUpPackage> offered = new AtomicReference<>(signed(content(other.outcome().encode())));
    ServiceKey<CatchUpActor.Command> key = CatchUpActor.serviceKey(members.get(0).genesisId());
    testKit.spawn(peer(key, offered), "peer");
    ActorRef<CatchUpActor.Command> catchUp = testKit.spawn(CatchUpActor.create(replica));
    TestProbe<StateManager.Command> stateManager = testKit.createTestProbe();
    catchUp.tell(new CatchUpActor.StateAt(0, stateManager.ref()));

    stateManager.awaitAssert(Duration.ofSeconds(10), () -> assertThat(errors())
        .anyMatch(m -> m.contains("refusing the catch-up package of height 30")
            && m.contains("gives the subnet key " + other.transcript(
                dev.canopy.consensus.KeyGeneration.Key.CERTIFICATION).groupPublicKey())));
    stateManager.expectNoMessage(Duration.ofMillis(500));
    assertThat(replica.catchUpStatus().latestPackageHeight()).isEqualTo(-1);

    // The same package with the subnet's own record is fetched and handed over for installing.
    offered.set(signed(content(record.outcome().encode())));
    StateManager.InstallCheckpoint install = stateManager.expectMessageClass(
        StateManager.InstallCheckpoint.class, Duration.ofSeconds(10));
    assertThat(install.cup()).isEqualTo(offered.get());
    assertThat(install.state()).isEqualTo(state);
    assertThat(replica.catchUpRecord(install.cup()).orElseThrow()).isEqualTo(record.outcome());
  }

  @Test
  void aReplicaWithNeitherRecordNorKeyFileSaysWhatToRestore() {
    Replica replica = restartedWithEmptyState(1, false);
    assertThat(replica.trustedSubnetKeys()).isEmpty();
    AtomicReference<CatchUpPackage> offered = new AtomicReference<>(signed(content(record.outcome().encode())));
    testKit.spawn(peer(CatchUpActor.serviceKey(members.get(0).genesisId()), offered), "peer");
    ActorRef<CatchUpActor.Command> catchUp = testKit.spawn(CatchUpActor.create(replica));
    TestProbe<StateManager.Command> stateManager = testKit.createTestProbe();
    catchUp.tell(new CatchUpActor.StateAt(0, stateManager.ref()));

    // Once it has made no progress for stall-ms, it reports once, naming the file to restore.
    stateManager.awaitAssert(Duration.ofSeconds(10), () -> assertThat(errors()).anyMatch(m ->
        m.contains("cannot verify it") && m.contains("restore this replica's keys/threshold_key_shares.cbor")));
    stateManager.expectNoMessage(Duration.ofMillis(500));
    assertThat(errors()).hasSize(1);
    assertThat(replica.catchUpStatus().latestPackageHeight()).isEqualTo(-1);
  }

  @Test
  void aPackagesRecordIsAdoptedOnlyIfClosedAndOfTheTrustedKeys() {
    Replica replica = restartedWithEmptyState(2, true);

    assertThat(replica.catchUpRecord(signed(content(record.outcome().encode())))).contains(record.outcome());
    assertThatThrownBy(() -> replica.catchUpRecord(signed(content(
        TestKeyGeneration.closedRecord(members, 200).outcome().encode()))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("but this replica's keys are");
    assertThatThrownBy(() -> replica.catchUpRecord(signed(content(
        members.get(0).keyGeneration().orElseThrow().start().encode()))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("not closed");
    assertThatThrownBy(() -> replica.catchUpRecord(signed(content(new byte[] {1, 2, 3}))))
        .isInstanceOf(InvalidInputException.class);
    // No keys at all: nothing to check a record against.
    assertThatThrownBy(() -> restartedWithEmptyState(3, false).catchUpRecord(signed(content(record.outcome().encode()))))
        .isInstanceOf(InvalidInputException.class).hasMessageContaining("holds no subnet keys");
  }
}
