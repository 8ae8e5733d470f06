package dev.canopy.node;

import dev.canopy.consensus.Batch;
import dev.canopy.consensus.Hash;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.execution.StateCodec;
import dev.canopy.http.PublishedState;
import dev.canopy.routing.BatchRouting;
import dev.canopy.state.CertifiedState;
import dev.canopy.state.CertifiedStateTree;
import dev.canopy.state.CertifiedStateTreeBuilder;
import dev.canopy.state.StateCertification;
import java.util.Objects;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
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
 */
public final class StateManager
    extends EventSourcedBehavior<StateManager.Command, StateManager.BatchFinalized, StateManager.Current> {
  /** What the state manager handles. */
  public sealed interface Command {}

  /** A finalized batch from consensus; batches at or below the state's height are ignored. */
  public record Execute(Batch batch) implements Command {}

  /** Answered once every batch received before it is journaled and published. */
  public record Sync(ActorRef<org.apache.pekko.Done> replyTo) implements Command {}

  /** The journal's event: a finalized batch in canonical CBOR ({@link BatchRouting#encode}). */
  public record BatchFinalized(byte[] batch) implements CborSerializable {}

  /** The snapshot form of {@link Current}: a checkpoint of the replicated state. */
  public record Checkpoint(byte[] state, byte[] lastBlockHash) implements CborSerializable {}

  /** The state after the last applied batch, with the hash of that batch's block. */
  public record Current(ReplicatedState state, Hash lastBlockHash) {
    public Current {
      Objects.requireNonNull(state);
      Objects.requireNonNull(lastBlockHash);
    }
  }

  /** The entity type in the persistence id; the entity id is the subnet id. */
  public static final String ENTITY_TYPE = "subnet-state";

  private final ActorContext<Command> context;
  private final Replica replica;
  private final ActorRef<ConsensusActor.Command> consensus;
  private final Consumer<Long> onLiveHeight;
  private final CertifiedStateTreeBuilder treeBuilder = new CertifiedStateTreeBuilder();
  private final dev.canopy.node.metrics.NodeMetrics metrics;
  private long pendingCheckpointHeight = -1;

  private StateManager(
      ActorContext<Command> context,
      PersistenceId id,
      Replica replica,
      ActorRef<ConsensusActor.Command> consensus,
      Consumer<Long> onLiveHeight) {
    super(id);
    this.context = context;
    this.replica = replica;
    this.consensus = consensus;
    this.onLiveHeight = onLiveHeight;
    this.metrics = dev.canopy.node.metrics.NodeMetrics.get(
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(context.getSystem()));
  }

  /**
   * @param onLiveHeight told each height executed after recovery (the node is healthy once the
   *     first one is certified: its certificates then carry a current time)
   */
  public static Behavior<Command> create(
      Replica replica, ActorRef<ConsensusActor.Command> consensus, Consumer<Long> onLiveHeight) {
    PersistenceId id = PersistenceIds.of(
        replica.keys().nodeId(), ENTITY_TYPE, replica.keys().subnetId().toString());
    return Behaviors.setup(context -> new StateManager(context, id, replica, consensus, onLiveHeight));
  }

  @Override
  public Current emptyState() {
    return new Current(replica.genesisState(), Hash.ZERO);
  }

  @Override
  public CommandHandler<Command, BatchFinalized, Current> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Execute.class, (current, execute) -> {
          Batch batch = execute.batch();
          if (batch.height() != current.state().height() + 1) {
            context.getLog().debug("ignoring batch {} at height {}", batch.height(),
                current.state().height());
            return Effect().none();
          }
          return Effect()
              .persist(new BatchFinalized(BatchRouting.encode(batch)))
              .thenRun(next -> {
                publish(next);
                onLiveHeight.accept(next.state().height());
              });
        })
        .onCommand(Sync.class, (current, sync) -> Effect().none()
            .thenRun(state -> sync.replyTo().tell(org.apache.pekko.Done.getInstance())))
        .build();
  }

  @Override
  public EventHandler<Current, BatchFinalized> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(BatchFinalized.class, (current, event) -> apply(current, event))
        .build();
  }

  /** The deterministic transition, live and in recovery alike. */
  private Current apply(Current current, BatchFinalized event) {
    Batch batch = BatchRouting.decode(event.batch());
    if (batch.height() != current.state().height() + 1) {
      return current;
    }
    dev.canopy.execution.RoundResult round = replica.roundExecutor()
        .executeRound(current.state(), replica.routing().toExecution(batch));
    ReplicatedState next = round.state();
    metrics.heightExecuted(next.height(), round.instructionsUsed(), next.canisters().size());
    return new Current(next, batch.blockHash());
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
          RecoveryHold.awaitRelease(replica.keys().nodeId(), current.state().height());
          context.getLog().info("replicated state recovered at height {} ({} canisters)",
              current.state().height(), current.state().canisters().size());
          replica.publisher().publishRecovered(certify(current));
          consensus.tell(new ConsensusActor.Resume(current.state().height(),
              current.state().batchTimeNs() / BatchRouting.NANOS_PER_MILLI,
              current.lastBlockHash(), context.getSelf()));
        })
        .build();
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
        return new Checkpoint(StateCodec.serialize(current.state()), current.lastBlockHash().bytes());
      }

      @Override
      public Current fromJournal(Object from) {
        Checkpoint checkpoint = (Checkpoint) from;
        ReplicatedState state = StateCodec.deserialize(checkpoint.state(), replica.engine());
        metrics.checkpointTaken(state.height());
        return new Current(state, new Hash(checkpoint.lastBlockHash()));
      }
    };
  }

  private void publish(Current current) {
    replica.publisher().publish(certify(current));
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
