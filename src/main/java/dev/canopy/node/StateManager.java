package dev.canopy.node;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.ArtifactCodec;
import dev.canopy.consensus.Batch;
import dev.canopy.consensus.CatchUpPackage;
import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.consensus.SubnetKeys;
import dev.canopy.consensus.Hash;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.execution.StateCodec;
import dev.canopy.http.PublishedState;
import dev.canopy.routing.BatchRouting;
import dev.canopy.routing.IngressPayload;
import dev.canopy.state.CertifiedState;
import dev.canopy.state.CertifiedStateTree;
import dev.canopy.state.CertifiedStateTreeBuilder;
import dev.canopy.state.StateCertification;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.state.CertificationPool;
import dev.canopy.statesync.StateSyncManifest;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Hex;
import java.util.Objects;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The replica's state manager: it executes each finalized batch with the deterministic round
 * executor, certifies the resulting height with the subnet key and publishes it for the HTTP
 * interface.
 *
 * <p>It is an event-sourced actor whose events are the finalized batches and whose snapshots are
 * checkpoints of the replicated state ({@link StateCodec}). A batch is journaled <em>before</em>
 * its height is certified and published, so no client ever holds a certified reply that a crash
 * could undo; recovery loads the latest checkpoint and replays the later batches through the same
 * round executor, which reaches the same state hash.
 *
 * <p>Note (departure from ARCHITECTURE.md §3, "each canister is a persistent actor"): a round is
 * one atomic, deterministic step over all canisters of the subnet (inter-canister calls are
 * delivered within the round, the management canister changes several canisters at once, and the
 * certified tree and request statuses span them all). Journals per canister would need a
 * cross-journal commit per round, or recovery would find canisters at different heights that
 * cannot be re-executed independently (a replayed call needs its callee's state of that round).
 * So the journal is per subnet state: one event per height, snapshots every {@code
 * checkpoint-every-heights}. The round executor may still run canisters in parallel within a round.
 *
 * <p>A subnet of several replicas starts without its keys and generates them through consensus.
 * Until the key generation closes, the batches carry dealings and complaints, no ingress: the state
 * manager folds them into the {@link KeyGenerationRecord} it keeps with the state (journaled with
 * the batches, kept in checkpoints), moves the bootstrap state's height and time, and certifies
 * nothing. At the closing height the record gives the keys: the replica establishes its shares
 * (see {@link SubnetKeyStore}), the subnet's state begins there with its key's id and public key,
 * and that height is the first it certifies.
 * <p>A subnet of several replicas: at each checkpoint height the state manager hands the content of
 * its catch-up package (with the key generation's outcome) and the checkpoint's bytes to the {@link
 * CatchUpActor}; a replica far behind gets a verified checkpoint back ({@link InstallCheckpoint}),
 * which replaces its state, and the package's key generation record its own, once its state hash
 * is the package's and the record gives the keys the replica trusts ({@link Replica#catchUpRecord}):
 * the installed state is stored as a checkpoint first, then a small {@link CheckpointStored} event
 * journals the install. A state without a closed record (a
 * replica whose database was lost) trusts the replica's own key file for that ({@link
 * Replica#loadKeyFile}).
 */
public final class StateManager
    extends EventSourcedBehavior<StateManager.Command, StateManager.Event, StateManager.Current> {
  /** What the state manager handles. */
  public sealed interface Command {}

  /**
   * A finalized batch from consensus; batches at or below the state's height are ignored. {@code
   * decoded} holds calls that consensus decoded already (routing takes one only for a message of
   * the batch with the same bytes); they travel in this process only, never in the journal.
   */
  public record Execute(Batch batch, Anchor anchor, List<IngressPayload.Decoded> decoded)
      implements Command {
    public Execute {
      decoded = List.copyOf(decoded);
    }

    public Execute(Batch batch, Anchor anchor) {
      this(batch, anchor, List.of());
    }

    public Execute(Batch batch) {
      this(batch, Anchor.NONE);
    }
  }

  /**
   * The finalized block proposal and random beacon of a height as canonical CBOR ({@link
   * dev.canopy.consensus.Artifact#toBytes}), kept with the state of that height so that a replica
   * of a subnet of several resumes its artifact pool from the real chain, which its peers' blocks
   * extend. Empty arrays when unknown (a subnet of one, or batches journaled before they were
   * kept).
   */
  public record Anchor(byte[] blockProposal, byte[] beacon) {
    public static final Anchor NONE = new Anchor(new byte[0], new byte[0]);

    public Anchor {
      blockProposal = blockProposal == null ? new byte[0] : blockProposal;
      beacon = beacon == null ? new byte[0] : beacon;
    }

    public boolean isKnown() {
      return blockProposal.length > 0 && beacon.length > 0;
    }
  }

  /** Answered once every batch received before it is journaled and published. */
  public record Sync(ActorRef<org.apache.pekko.Done> replyTo) implements Command {}

  /** A peer's certification share, forwarded by the consensus actor. */
  public record PeerShare(ConsensusActor.CertificationShare share) implements Command {}

  /** A peer's certification of a height, forwarded by the consensus actor. */
  public record PeerCertification(ConsensusActor.Certification certification) implements Command {}

  /**
   * From the catch-up actor: the state of a checkpoint fetched from peers for a verified catch-up
   * package; installed if it decodes to the package's height and state hash, and the state is
   * behind it. The answer goes to {@code replyTo}.
   */
  public record InstallCheckpoint(
      CatchUpPackage cup, byte[] state, ActorRef<CatchUpActor.Command> replyTo) implements Command {}

  /** The journal's events. */
  public sealed interface Event extends CborSerializable
      permits BatchFinalized, CheckpointStored, CheckpointInstalled {}

  /**
   * The journal's event: a finalized batch in canonical CBOR ({@link BatchRouting#encode}), with
   * the block proposal and beacon of its height where consensus has them (a subnet of several);
   * then the batch is journaled without its messages, which the proposal carries ({@link
   * BatchRouting#encodeWithoutMessages}).
   */
  public record BatchFinalized(byte[] batch, byte[] blockProposal, byte[] beacon)
      implements Event {}

  /**
   * A state installed from a catch-up package ({@link CatchUpPackage#toBytes}): it replaces the
   * state, whatever its height was. The installed state itself is not in the event: it is a
   * {@link Checkpoint} in the snapshot store at this event's sequence number, written before the
   * event, so recovery starts from it and never replays this event.
   *
   * <p>Note: a journal row is not the place for a whole state (several MB per event, read back in
   * replay batches); checkpoints live in the snapshot store, whose rows retention deletes with the
   * events before them.
   */
  public record CheckpointStored(byte[] catchUpPackage, long height, byte[] stateHash)
      implements Event {}

  /**
   * The earlier form of {@link CheckpointStored}, which carried the whole checkpoint ({@link
   * StateCodec}); no longer written, still read from journals that hold one.
   */
  public record CheckpointInstalled(byte[] catchUpPackage, byte[] state) implements Event {}

  /** The snapshot store's answer to the checkpoint of a pending install (see {@link #onInstall}). */
  private record InstallStored(InstallCheckpoint install, Object reply, Throwable failure)
      implements Command {}

  /** An install whose checkpoint is being written to the snapshot store at {@code sequenceNr}. */
  private record PendingInstall(long sequenceNr, CatchUpPackage cup, Current installed,
      Optional<KeyGenerationRecord> record) {}

  /**
   * The snapshot form of {@link Current}: a checkpoint of the replicated state, and the key
   * generation's record (empty for a subnet of one).
   */
  public record Checkpoint(
      byte[] state, byte[] lastBlockHash, byte[] lastBlockProposal, byte[] lastBeacon, byte[] keyGeneration)
      implements CborSerializable {}

  /**
   * The state after the last applied batch, with the hash of that batch's block, and, for a
   * subnet that generates its keys, what the finalized chain holds of the key generation.
   */
  public record Current(ReplicatedState state, Hash lastBlockHash, Anchor anchor,
      Optional<KeyGenerationRecord> keyGeneration) {
    public Current {
      Objects.requireNonNull(state);
      Objects.requireNonNull(lastBlockHash);
      Objects.requireNonNull(anchor);
      Objects.requireNonNull(keyGeneration);
    }
  }

  /** A height executed here whose certification waits for the peers' shares. */
  private record Uncertified(ReplicatedState state, CertifiedStateTree tree) {}

  /** The entity type in the persistence id; the entity id is the subnet id. */
  public static final String ENTITY_TYPE = "subnet-state";

  private final ActorContext<Command> context;
  private final Replica replica;
  private final ActorRef<ConsensusActor.Command> consensus;
  private final ActorRef<CatchUpActor.Command> catchUp;
  private final Consumer<Long> onLiveHeight;
  private final CertifiedStateTreeBuilder treeBuilder = new CertifiedStateTreeBuilder();
  // A subnet of several replicas: heights executed here and waiting for t matching shares.
  private CertificationPool certificationPool; // once the subnet's key exists
  private final TreeMap<Long, Uncertified> awaitingCertification = new TreeMap<>();
  private final java.util.Set<Long> reportedDivergence = new java.util.TreeSet<>();
  private long publishedHeight = -1;

  /** Heights kept waiting for certification, and how far ahead peers' shares are kept. */
  private static final int MAX_UNCERTIFIED_HEIGHTS = 256;
  private final dev.canopy.node.metrics.NodeMetrics metrics;
  private long pendingCheckpointHeight = -1;
  // The last state serialized for a snapshot, so a catch-up package of the same height reuses it.
  private ReplicatedState serializedState;
  private byte[] serializedBytes;
  // The event being persisted live, with what consensus delivered for it (see apply); null in recovery.
  private Live persisting;
  // The state the install command verified and stored, for its CheckpointStored event.
  private ReplicatedState installing;
  private Optional<KeyGenerationRecord> installingRecord;
  // An install whose checkpoint is being stored; every other command waits until it is journaled.
  private PendingInstall pendingInstall;
  /** How long the snapshot store may take to store an installed checkpoint. */
  private static final long INSTALL_STORE_TIMEOUT_MS = 120_000;

  private StateManager(
      ActorContext<Command> context,
      PersistenceId id,
      Replica replica,
      ActorRef<ConsensusActor.Command> consensus,
      ActorRef<CatchUpActor.Command> catchUp,
      Consumer<Long> onLiveHeight) {
    super(id);
    this.context = context;
    this.replica = replica;
    this.consensus = consensus;
    this.catchUp = catchUp;
    this.onLiveHeight = onLiveHeight;
    this.metrics = dev.canopy.node.metrics.NodeMetrics.get(
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(context.getSystem()));
  }

  /**
   * @param onLiveHeight told each height executed after recovery (the node is healthy once the
   *     first one is certified: its certificates then carry a current time)
   */
  public static Behavior<Command> create(
      Replica replica, ActorRef<ConsensusActor.Command> consensus,
      ActorRef<CatchUpActor.Command> catchUp, Consumer<Long> onLiveHeight) {
    PersistenceId id = PersistenceIds.of(
        replica.identity().nodeId(), ENTITY_TYPE, replica.identity().genesisId().toString());
    return Behaviors.setup(
        context -> new StateManager(context, id, replica, consensus, catchUp, onLiveHeight));
  }

  @Override
  public Current emptyState() {
    return replica.identity().keyGeneration()
        .map(setup -> new Current(replica.bootstrapState(), Hash.ZERO, Anchor.NONE, Optional.of(setup.start())))
        .orElseGet(() -> new Current(replica.genesisState(), Hash.ZERO, Anchor.NONE, Optional.empty()));
  }

  /** Whether the state at {@code current} is certified: once the subnet's key exists. */
  private static boolean hasKeys(Current current) {
    return current.keyGeneration().map(KeyGenerationRecord::isClosed).orElse(true);
  }

  /**
   * The certification of a subnet of several replicas, from its keys; null for a subnet of one,
   * which certifies alone.
   */
  private CertificationPool certificationPool() {
    if (certificationPool == null) {
      SubnetKeys keys = replica.subnetKeys().orElseThrow();
      if (keys.certification().parameters().threshold() > 1) {
        certificationPool = new CertificationPool(replica.certifier(), keys.certification().parameters(),
            keys.certification().publicKeyShares(), MAX_UNCERTIFIED_HEIGHTS);
      }
    }
    return certificationPool;
  }

  @Override
  public CommandHandler<Command, Event, Current> commandHandler() {
    var builder = newCommandHandlerBuilder();
    // Nothing is journaled between an installed checkpoint and its event (see onInstall).
    builder.forState(current -> pendingInstall != null)
        .onCommand(InstallStored.class, this::onInstallStored)
        .onAnyCommand(() -> Effect().stash());
    builder
        .forAnyState()
        .onCommand(Execute.class, (current, execute) -> {
          Batch batch = execute.batch();
          if (batch.height() != current.state().height() + 1) {
            context.getLog().debug("ignoring batch {} at height {}", batch.height(),
                current.state().height());
            return Effect().none();
          }
          BatchFinalized event = new BatchFinalized(
              execute.anchor().isKnown() ? BatchRouting.encodeWithoutMessages(batch) : BatchRouting.encode(batch),
              execute.anchor().blockProposal(), execute.anchor().beacon());
          persisting = new Live(event, batch, execute.decoded());
          return Effect().persist(event).thenRun(this::certifyAndPublish);
        })
        .onCommand(PeerShare.class, (current, peer) -> {
          onPeerShare(peer.share());
          return Effect().none();
        })
        .onCommand(PeerCertification.class, (current, peer) -> {
          onPeerCertification(peer.certification());
          return Effect().none();
        })
        .onCommand(Sync.class, (current, sync) -> Effect().none()
            .thenRun(state -> sync.replyTo().tell(org.apache.pekko.Done.getInstance())))
        .onCommand(InstallCheckpoint.class, this::onInstall);
    return builder.build();
  }

  @Override
  public EventHandler<Current, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(BatchFinalized.class, (current, event) -> apply(current, event))
        .onEvent(CheckpointStored.class, (current, event) -> install(current, event))
        .onEvent(CheckpointInstalled.class, (current, event) -> install(current, event))
        .build();
  }

  /**
   * An event being journaled live and what consensus delivered for it: the batch, and the calls it
   * decoded for the batch's messages when they arrived.
   *
   * <p>Note: they only save decoding again. The batch is what the journaled bytes decode to, and
   * routing takes a decoded call only for a message of the batch with the same bytes, which
   * decodes to that call; so live and recovery execute the same batch.
   */
  private record Live(BatchFinalized event, Batch batch, List<IngressPayload.Decoded> decoded) {}

  /** The deterministic transition, live and in recovery alike. */
  private Current apply(Current current, BatchFinalized event) {
    Live live = persisting != null && persisting.event() == event ? persisting : null;
    persisting = null;
    Batch batch = live != null ? live.batch() : BatchRouting.decode(event.batch(), event.blockProposal());
    List<IngressPayload.Decoded> decoded = live != null ? live.decoded() : List.of();
    if (batch.height() != current.state().height() + 1) {
      return current;
    }
    Anchor anchor = new Anchor(event.blockProposal(), event.beacon());
    if (!hasKeys(current)) {
      return applyBootstrap(current, batch, anchor);
    }
    dev.canopy.execution.RoundResult round = replica.roundExecutor()
        .executeRound(current.state(), replica.routing().toExecution(batch, decoded));
    ReplicatedState next = round.state();
    metrics.heightExecuted(next.height(), round.instructionsUsed(), next.canisters().size());
    return new Current(next, batch.blockHash(), anchor, current.keyGeneration());
  }

  /**
   * A batch of the key generation's bootstrap interval: its dealings and complaints go into the
   * record; nothing executes. At the closing height the subnet's state begins.
   *
   * <p>Note: the keys are established here, in recovery too, because the heights after the
   * closing one execute with the key's executors ({@code ic0.root_key}) and certify with it.
   * Establishing is idempotent and gives every time the same keys, from the file or the record.
   */
  private Current applyBootstrap(Current current, Batch batch, Anchor anchor) {
    KeyGenerationRecord record = current.keyGeneration().orElseThrow().append(batch.height(), batch.keyGeneration());
    long timeNs = Math.multiplyExact(batch.timeMs(), BatchRouting.NANOS_PER_MILLI);
    ReplicatedState next;
    if (record.isClosed()) {
      SubnetKeys keys = replica.establishKeys(record);
      next = replica.genesisState().withBatch(batch.height(), timeNs);
      context.getLog().info("the subnet's keys exist from height {}: subnet {}, root key {}", batch.height(),
          next.ownSubnetId(), Hex.encode(keys.certification().groupPublicKeyDer()));
    } else {
      next = current.state().withBatch(batch.height(), timeNs);
    }
    return new Current(next, batch.blockHash(), anchor, Optional.of(record));
  }

  @Override
  public SignalHandler<Current> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(org.apache.pekko.persistence.typed.SnapshotCompleted.class, (state, done) -> {
          if (pendingCheckpointHeight >= 0) {
            metrics.checkpointTaken(pendingCheckpointHeight);
          }
        })
        .onSignal(RecoveryCompleted.instance(), current -> {
          metrics.stateAt(current.state().height(), current.state().canisters().size());
          RecoveryHold.awaitRelease(replica.identity().nodeId(), current.state().height());
          context.getLog().info("replicated state recovered at height {} ({} canisters)",
              current.state().height(), current.state().canisters().size());
          if (!hasKeys(current)) {
            loadKeyFile(current);
          } else if (certificationPool() == null) {
            replica.publisher().publishRecovered(certify(current));
          } else {
            // Certified only once t replicas sign the same root of this height.
            shareAndAwait(current);
          }
          consensus.tell(new ConsensusActor.Resume(current.state().height(),
              current.state().batchTimeNs() / BatchRouting.NANOS_PER_MILLI,
              current.lastBlockHash(), current.anchor(), current.keyGeneration(), context.getSelf()));
          catchUp.tell(new CatchUpActor.StateAt(current.state().height(), context.getSelf()));
        })
        .build();
  }

  /**
   * A state without a closed key generation record: either the subnet is still generating its keys,
   * or this replica lost its state after they were made. In the latter case its key file says so,
   * and its keys are the trust anchor for the catch-up package it needs (see {@link
   * Replica#loadKeyFile}).
   */
  private void loadKeyFile(Current current) {
    long recordHeight = current.keyGeneration().orElseThrow().height();
    Optional<SubnetKeys> fromFile;
    try {
      fromFile = replica.loadKeyFile();
    } catch (NodeStartupException e) {
      context.getLog().error("{}; until then this replica cannot verify catch-up packages", e.getMessage());
      return;
    }
    if (fromFile.isEmpty()) {
      context.getLog().info("the subnet's keys do not exist yet: the replicas generate them (the key"
          + " generation's record is at height {})", recordHeight);
    } else {
      context.getLog().info("the state (height {}) holds no closed key generation record, but this replica's key"
          + " file says the subnet's keys exist from height {}: it abstains up to there, verifies its peers'"
          + " catch-up packages with those keys and adopts the record of the package it installs",
          current.state().height(), fromFile.get().lastBootstrapHeight() + 1);
    }
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // Events before the older kept checkpoint are deleted: recovery never needs them.
    return RetentionCriteria.snapshotEvery((int) replica.settings().checkpointEveryHeights(), 2)
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public SnapshotAdapter<Current> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(Current current) {
        pendingCheckpointHeight = current.state().height();
        byte[] bytes = StateCodec.serialize(current.state());
        if (certificationPool != null) {
          // Kept until the height's catch-up package is offered (right after this snapshot).
          serializedState = current.state();
          serializedBytes = bytes;
        }
        return checkpointOf(current, bytes);
      }

      @Override
      public Current fromJournal(Object from) {
        Checkpoint checkpoint = (Checkpoint) from;
        ReplicatedState state = StateCodec.deserialize(checkpoint.state(), replica.engine());
        metrics.checkpointTaken(state.height());
        Optional<KeyGenerationRecord> keyGeneration = replica.identity().keyGeneration().map(setup -> {
          if (checkpoint.keyGeneration() == null || checkpoint.keyGeneration().length == 0) {
            throw new IllegalStateException("a checkpoint of a subnet that generates its keys lacks the key"
                + " generation's record");
          }
          KeyGenerationRecord record = KeyGenerationRecord.decode(setup, checkpoint.keyGeneration());
          if (record.isClosed()) {
            replica.establishKeys(record); // the heights after the checkpoint execute with the key
          }
          return record;
        });
        return new Current(state, new Hash(checkpoint.lastBlockHash()),
            new Anchor(checkpoint.lastBlockProposal(), checkpoint.lastBeacon()), keyGeneration);
      }
    };
  }

  /** The snapshot form of {@code current}, whose state serializes to {@code stateBytes}. */
  private static Checkpoint checkpointOf(Current current, byte[] stateBytes) {
    return new Checkpoint(stateBytes, current.lastBlockHash().bytes(),
        current.anchor().blockProposal(), current.anchor().beacon(),
        current.keyGeneration().map(KeyGenerationRecord::encode).orElse(new byte[0]));
  }

  /** After a batch is journaled: certify its height (alone, or with the peers' shares). */
  private void certifyAndPublish(Current next) {
    replica.publisher().recordFinalized(next.state(), next.lastBlockHash());
    if (!hasKeys(next)) {
      return; // nothing is certified before the subnet's key exists
    }
    if (certificationPool() == null) {
      replica.publisher().publish(certify(next));
      onLiveHeight.accept(next.state().height());
    } else {
      shareAndAwait(next);
      offerCheckpoint(next);
      catchUp.tell(new CatchUpActor.StateAt(next.state().height(), context.getSelf()));
    }
  }

  /**
   * Signs this replica's root of the height with its share, sends the share to the peers and keeps
   * the height until t matching shares certify it.
   */
  private void shareAndAwait(Current current) {
    ReplicatedState state = current.state();
    long height = state.height();
    if (height == 0) {
      return;
    }
    Optional<ThresholdBls.SecretKeyShare> own = replica.subnetKeys().flatMap(SubnetKeys::certificationShare);
    if (own.isEmpty()) {
      return; // without a share of the key this replica certifies nothing (SubnetKeyStore logged why)
    }
    CertifiedStateTree tree = treeBuilder.build(state.certifiedView());
    byte[] root = tree.rootHash();
    ThresholdBls.SignatureShare share = replica.certifier().signShare(own.get(), root);
    certificationPool.addOwn(height, root, share);
    awaitingCertification.put(height, new Uncertified(state, tree));
    while (awaitingCertification.size() > MAX_UNCERTIFIED_HEIGHTS) {
      awaitingCertification.pollFirstEntry();
    }
    consensus.tell(new ConsensusActor.BroadcastShare(new ConsensusActor.CertificationShare(
        height, root, share.index(), share.signature())));
    tryCertify(height);
  }

  private void onPeerShare(ConsensusActor.CertificationShare share) {
    if (replica.subnetKeys().isEmpty() || certificationPool() == null) {
      return; // a peer that is ahead of this replica's key generation
    }
    if (share.rootHash() == null || share.signature() == null
        || share.rootHash().length != 32 || share.signature().length > 64) {
      return;
    }
    ThresholdBls.SignatureShare signature;
    try {
      signature = new ThresholdBls.SignatureShare(share.signerIndex(), share.signature());
    } catch (IllegalArgumentException e) {
      return;
    }
    if (certificationPool.addPeerShare(share.height(), share.rootHash(), signature)
        == CertificationPool.Admission.ADDED) {
      tryCertify(share.height());
    }
  }

  /**
   * A certification a peer combined for a height this replica has not certified: adopted if it
   * verifies, and the height published if it signs this replica's root (see {@link
   * CertificationPool#adoptCertification}).
   */
  private void onPeerCertification(ConsensusActor.Certification message) {
    if (replica.subnetKeys().isEmpty() || certificationPool() == null
        || message.height() <= publishedHeight) {
      return;
    }
    if (message.rootHash() == null || message.signature() == null
        || message.rootHash().length != 32
        || message.signature().length != BlsSignatureScheme.SIGNATURE_BYTES) {
      return;
    }
    StateCertification certification =
        new StateCertification(message.height(), message.rootHash(), message.signature());
    if (certificationPool.adoptCertification(certification)
        == CertificationPool.Adoption.ADOPTED) {
      tryCertify(message.height());
    }
  }

  /**
   * Publishes {@code height} once t shares sign this replica's root of it; a height whose root t
   * other shares contradict is reported and never served.
   */
  private void tryCertify(long height) {
    Uncertified pending = awaitingCertification.get(height);
    if (pending == null) {
      return;
    }
    Optional<StateCertification> certification = certificationPool.certification(height);
    if (certification.isPresent()) {
      if (height > publishedHeight) {
        replica.publisher().publish(new PublishedState(pending.state(),
            new CertifiedState(pending.tree(), certification.get())));
        publishedHeight = height;
        metrics.heightCertified(height);
        onLiveHeight.accept(height);
      }
      awaitingCertification.headMap(height, true).clear();
      certificationPool.purgeBelow(height - MAX_UNCERTIFIED_HEIGHTS / 2);
      return;
    }
    Optional<byte[]> subnetRoot = certificationPool.divergence(height);
    if (subnetRoot.isPresent() && reportedDivergence.add(height)) {
      awaitingCertification.remove(height);
      context.getLog().error("the state of height {} diverges from the subnet's: this replica's"
          + " root is {}, {} replicas signed {}; this height is not served",
          height, Hex.encode(pending.tree().rootHash()),
          replica.subnetKeys().orElseThrow().certification().parameters().threshold(),
          Hex.encode(subnetRoot.get()));
      if (reportedDivergence.size() > MAX_UNCERTIFIED_HEIGHTS) {
        reportedDivergence.remove(reportedDivergence.iterator().next());
      }
    } else if (!certificationPool.dissenters(height).isEmpty() && reportedDivergence.add(height)) {
      context.getLog().warn("replica share(s) {} sign a different root of height {} than this"
          + " replica", certificationPool.dissenters(height), height);
    }
  }

  // ---- catch-up packages and state sync (a subnet of several replicas)

  /**
   * At a checkpoint height: the content of this replica's catch-up package (the height's finalized
   * block and beacon, the state hash, the manifest hash) and the checkpoint's bytes go to the
   * catch-up actor, which signs the content with the subnet key share and serves the bytes.
   */
  private void offerCheckpoint(Current current) {
    ReplicatedState state = current.state();
    long height = state.height();
    byte[] bytes = state == serializedState ? serializedBytes : null;
    serializedState = null;
    serializedBytes = null;
    if (height % replica.settings().checkpointEveryHeights() != 0 || !current.anchor().isKnown()) {
      return;
    }
    CatchUpPackage.Content content;
    StateSyncManifest manifest;
    try {
      Artifact block = ArtifactCodec.decode(current.anchor().blockProposal());
      Artifact beacon = ArtifactCodec.decode(current.anchor().beacon());
      if (!(block instanceof Artifact.BlockProposal p) || !(beacon instanceof Artifact.RandomBeacon b)
          || !p.block().hash().equals(current.lastBlockHash())) {
        return;
      }
      bytes = bytes != null ? bytes : StateCodec.serialize(state);
      manifest = StateSyncManifest.of(height, bytes, replica.settings().catchUp().chunkBytes());
      // The key generation's outcome, the same bytes on every replica (see KeyGenerationRecord#outcome).
      content = new CatchUpPackage.Content(p, b, new Hash(StateCodec.stateHash(state)), manifest.hash(),
          current.keyGeneration().map(r -> r.outcome().encode()).orElse(new byte[0]));
    } catch (InvalidInputException | IllegalArgumentException e) {
      context.getLog().warn("no catch-up package for height {}: {}", height, e.getMessage());
      return;
    }
    catchUp.tell(new CatchUpActor.OwnCheckpoint(content, manifest, bytes));
  }

  /**
   * Checks a fetched checkpoint and the key generation record of its package before anything of
   * them is journaled.
   */
  private Effect<Event, Current> onInstall(Current current, InstallCheckpoint install) {
    CatchUpPackage cup = install.cup();
    long height = cup.height();
    String problem = null;
    ReplicatedState state = null;
    Optional<KeyGenerationRecord> record = Optional.empty();
    if (height <= current.state().height()) {
      problem = "the state is at height " + current.state().height() + " already";
    } else {
      try {
        record = replica.catchUpRecord(cup);
      } catch (InvalidInputException e) {
        problem = "its key generation record is refused: " + e.getMessage();
        context.getLog().error("refusing the catch-up package of height {}: {}", height, problem);
      }
    }
    if (problem == null) {
      Optional<dev.canopy.types.SubnetId> subnetId = record.isPresent()
          ? Optional.of(Replica.subnetIdOf(SubnetKeyStore.publicKeys(record.get())))
          : replica.subnetId();
      try {
        state = StateCodec.deserialize(install.state(), replica.engine());
        if (state.height() != height || !Optional.of(state.ownSubnetId()).equals(subnetId)) {
          problem = "the checkpoint is of height " + state.height() + " of subnet "
              + state.ownSubnetId();
        } else if (!java.util.Arrays.equals(StateCodec.stateHash(state),
            cup.content().stateHash().bytes())) {
          problem = "the checkpoint's state hash is not the one the catch-up package signs";
        }
      } catch (InvalidInputException e) {
        problem = "the checkpoint does not decode: " + e.getMessage();
      }
    }
    if (problem != null) {
      install.replyTo().tell(new CatchUpActor.InstallDone(height, false, problem));
      return Effect().none();
    }
    Optional<KeyGenerationRecord> outcome = record.map(KeyGenerationRecord::outcome);
    Current installed = installed(current, cup, state, outcome);
    long sequenceNr = lastSequenceNumber(context) + 1;
    pendingInstall = new PendingInstall(sequenceNr, cup, installed, outcome);
    // Note: the checkpoint goes to the snapshot store directly, as the snapshots this behavior
    // takes do (same plugin, same Checkpoint form), at the sequence number its event will have.
    // Recovery starts from the latest snapshot, so once stored it is the installed state whether
    // or not the event follows (a crash in between recovers it from the store alone).
    // snapshotStoreFor is Pekko's internal-stable API through which typed persistence reaches
    // the store; typed persistence offers no way to save a snapshot of a state it has not reached.
    org.apache.pekko.actor.ActorRef snapshotStore =
        org.apache.pekko.persistence.Persistence.get(
                org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(context.getSystem()))
            .snapshotStoreFor(snapshotPluginId(), com.typesafe.config.ConfigFactory.empty());
    var save = new org.apache.pekko.persistence.SnapshotProtocol.SaveSnapshot(
        org.apache.pekko.persistence.SnapshotMetadata.apply(
            persistenceId().id(), sequenceNr, System.currentTimeMillis()),
        checkpointOf(installed, install.state()));
    context.pipeToSelf(
        org.apache.pekko.pattern.Patterns.ask(
            snapshotStore, save, java.time.Duration.ofMillis(INSTALL_STORE_TIMEOUT_MS)),
        (reply, failure) -> new InstallStored(install, reply, failure));
    return Effect().none();
  }

  /**
   * The installed checkpoint is stored: its event is journaled (and the commands that waited are
   * handled). A store that failed, or did not answer, may or may not hold the checkpoint, so the
   * state manager stops, as it does when the journal fails; a restart recovers what the store holds.
   */
  private Effect<Event, Current> onInstallStored(Current current, InstallStored stored) {
    PendingInstall pending = pendingInstall;
    pendingInstall = null;
    long height = pending.cup().height();
    if (stored.failure() != null
        || !(stored.reply() instanceof org.apache.pekko.persistence.SaveSnapshotSuccess)) {
      Throwable cause = stored.failure() != null ? stored.failure()
          : stored.reply() instanceof org.apache.pekko.persistence.SaveSnapshotFailure f ? f.cause() : null;
      stored.install().replyTo().tell(new CatchUpActor.InstallDone(height, false,
          "the snapshot store did not store the checkpoint"));
      throw new IllegalStateException("the snapshot store did not store the checkpoint of height "
          + height + " installed from a catch-up package", cause);
    }
    if (lastSequenceNumber(context) + 1 != pending.sequenceNr()) {
      throw new IllegalStateException("an event was journaled while the checkpoint of height "
          + height + " was stored at sequence number " + pending.sequenceNr());
    }
    installing = pending.installed().state();
    installingRecord = pending.record();
    return Effect()
        .persist(new CheckpointStored(pending.cup().toBytes(), height,
            pending.cup().content().stateHash().bytes()))
        .thenRun(next -> afterInstall(next, stored.install().replyTo()))
        .thenUnstashAll();
  }

  /**
   * The state installed from {@code cup}: it replaces the current one, with the package's key
   * generation record (if the subnet generates its keys), whose keys the heights above execute
   * and certify with.
   */
  private static Current installed(Current current, CatchUpPackage cup, ReplicatedState state,
      Optional<KeyGenerationRecord> record) {
    return new Current(state, cup.content().blockHash(), new Anchor(
        cup.content().block().toBytes(), cup.content().beacon().toBytes()),
        record.isPresent() ? record : current.keyGeneration());
  }

  /**
   * Live, the install whose checkpoint the command stored. Recovery starts from that checkpoint
   * (a snapshot at this event's sequence number) and never replays the event; meeting it there
   * means the store lost the checkpoint, and the state it replaced cannot be rebuilt.
   */
  private Current install(Current current, CheckpointStored event) {
    if (installing == null || installing.height() != event.height()) {
      throw new IllegalStateException("the journal records an install of the checkpoint of height "
          + event.height() + " (state hash " + Hex.encode(event.stateHash()) + "), which the snapshot"
          + " store no longer holds; restore the store from a backup, or empty it so that the replica"
          + " catches up from its peers");
    }
    ReplicatedState state = installing;
    Optional<KeyGenerationRecord> record = installingRecord;
    installing = null;
    installingRecord = null;
    if (state.height() <= current.state().height()) {
      return current;
    }
    record.ifPresent(replica::establishKeys);
    metrics.stateAt(state.height(), state.canisters().size());
    CatchUpPackage cup = CatchUpPackage.decode(event.catchUpPackage());
    return installed(current, cup, state, record);
  }

  /**
   * The earlier install event, which carries the checkpoint; only met in recovery now, where the
   * state and the package's record come from the event.
   */
  private Current install(Current current, CheckpointInstalled event) {
    CatchUpPackage cup = CatchUpPackage.decode(event.catchUpPackage());
    ReplicatedState state = StateCodec.deserialize(event.state(), replica.engine());
    Optional<KeyGenerationRecord> record = replica.identity().keyGeneration().map(setup ->
        KeyGenerationRecord.decode(setup, cup.content().keyGeneration()).outcome());
    if (state.height() <= current.state().height()) {
      return current;
    }
    record.ifPresent(replica::establishKeys);
    metrics.stateAt(state.height(), state.canisters().size());
    return installed(current, cup, state, record);
  }

  /** Consensus resumes from the package's block and beacon; heights below it are moot. */
  private void afterInstall(Current next, ActorRef<CatchUpActor.Command> replyTo) {
    long height = next.state().height();
    replica.publisher().recordFinalized(next.state(), next.lastBlockHash());
    awaitingCertification.headMap(height, true).clear();
    if (certificationPool != null) {
      certificationPool.purgeBelow(height);
    }
    context.getLog().info("installed the state of height {} from a catch-up package ({}"
        + " canisters)", height, next.state().canisters().size());
    consensus.tell(new ConsensusActor.CatchUpInstalled(height,
        next.state().batchTimeNs() / BatchRouting.NANOS_PER_MILLI, next.lastBlockHash(),
        next.anchor(), next.keyGeneration()));
    replyTo.tell(new CatchUpActor.InstallDone(height, true, ""));
    catchUp.tell(new CatchUpActor.StateAt(height, context.getSelf()));
  }

  /** Certifies the height of {@code current} alone, with the 1-of-1 subnet key. */
  private PublishedState certify(Current current) {
    ReplicatedState state = current.state();
    CertifiedStateTree tree = treeBuilder.build(state.certifiedView());
    StateCertification certification = replica.certifier().certifyAlone(
        state.height(), tree.rootHash(), replica.keys().subnetKeyShare());
    metrics.heightCertified(state.height());
    return new PublishedState(state, new CertifiedState(tree, certification));
  }
}
