package dev.canopy.node;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.ArtifactPool;
import dev.canopy.consensus.Batch;
import dev.canopy.consensus.Block;
import dev.canopy.consensus.ConsensusParameters;
import dev.canopy.consensus.ConsensusStep;
import dev.canopy.consensus.Hash;
import dev.canopy.consensus.Payload;
import dev.canopy.consensus.PayloadSource;
import dev.canopy.consensus.PoolChanges;
import dev.canopy.consensus.SignatureVerifier;
import dev.canopy.consensus.SubnetConfig;
import dev.canopy.consensus.SubnetMembership;
import dev.canopy.execution.IngressMessage;
import dev.canopy.ingress.CallContent;
import dev.canopy.ingress.IngressPool;
import dev.canopy.ingress.IngressPoolLimits;
import dev.canopy.ingress.ValidatedRequest;
import dev.canopy.routing.IngressPayload;
import dev.canopy.routing.InvalidPayloadException;
import dev.canopy.state.EffectiveId;
import dev.canopy.types.Hashing;
import dev.canopy.types.NodeId;
import dev.canopy.types.RequestId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The replica's ingress and consensus actor: it owns the {@link IngressPool} and the {@link
 * ArtifactPool}, and drives the pure {@link ConsensusStep} (the same code for one replica and for
 * many). It reads the clock and passes the time into the step; finalized batches go to the {@link
 * StateManager}, and their messages leave the ingress pool.
 *
 * <p>It starts once the state manager has recovered and says which height the state has reached:
 * the artifact pool then starts from an anchor at that height, the way a replica resumes from a
 * catch-up package.
 *
 * <p>Note: with one replica there are no peers, so the artifacts a step wants sent go nowhere, and
 * the pool is not persisted: what must survive a crash is the finalized batches, which the state
 * manager journals. A replicated subnet adds gossip of {@code toSend} here, and a catch-up package
 * that all replicas agree on in place of the local anchor.
 */
public final class ConsensusActor {
  /** What the actor handles. */
  public sealed interface Command {}

  /** An accepted call for the ingress pool; the answer says whether the pool took it. */
  public record Submit(
      ValidatedRequest<CallContent> request,
      EffectiveId effectiveId,
      ActorRef<IngressPool.Admission> replyTo)
      implements Command {}

  /**
   * The state manager's state is at {@code height} (the block of that height had hash {@code
   * blockHash} and time {@code timeMs}); batches from {@code height + 1} on go to {@code stateManager}.
   */
  public record Resume(
      long height, long timeMs, Hash blockHash, ActorRef<StateManager.Command> stateManager)
      implements Command {}

  /**
   * Stop making and delivering blocks (the node is stopping); {@code replyTo} hears once every
   * batch delivered so far is journaled and published.
   */
  public record Quiesce(ActorRef<org.apache.pekko.Done> replyTo) implements Command {}

  private record Tick() implements Command {}

  private static final int MAX_STASHED = 10_000;
  private static final int MAX_STEPS_PER_WAKE = 1_000;
  private static final byte[] RESUME_BEACON_DOMAIN = Hashing.domainSeparator("canopy-resume-beacon");

  private ConsensusActor() {}

  public static Behavior<Command> create(Replica replica) {
    return Behaviors.setup(
        context ->
            Behaviors.withStash(
                MAX_STASHED,
                stash ->
                    Behaviors.withTimers(
                        timers -> waitingForState(replica, context, stash, timers))));
  }

  private static Behavior<Command> waitingForState(
      Replica replica,
      ActorContext<Command> context,
      StashBuffer<Command> stash,
      TimerScheduler<Command> timers) {
    return Behaviors.receive(Command.class)
        .onMessage(
            Resume.class,
            resume -> {
              Running running = new Running(replica, context, resume);
              timers.startTimerWithFixedDelay(
                  new Tick(), Duration.ofMillis(replica.settings().consensusTickMs()));
              context.getLog().info(
                  "consensus resumes above height {} with {} replica(s)", resume.height(), 1);
              return stash.unstashAll(running.behavior());
            })
        .onMessage(
            Submit.class,
            submit -> {
              if (stash.isFull()) {
                submit.replyTo().tell(new IngressPool.Admission.Full(
                    submit.request().requestId(), "The node is still starting."));
              } else {
                stash.stash(submit);
              }
              return Behaviors.same();
            })
        .onMessage(Tick.class, tick -> Behaviors.same())
        .onMessage(Quiesce.class, quiesce -> {
          quiesce.replyTo().tell(org.apache.pekko.Done.getInstance());
          return quiesced();
        })
        .build();
  }

  /** Stopping: submissions are refused, nothing more is delivered. */
  private static Behavior<Command> quiesced() {
    return Behaviors.receive(Command.class)
        .onMessage(Submit.class, submit -> {
          submit.replyTo().tell(new IngressPool.Admission.Full(
              submit.request().requestId(), "The node is stopping."));
          return Behaviors.same();
        })
        .onMessage(Quiesce.class, quiesce -> {
          quiesce.replyTo().tell(org.apache.pekko.Done.getInstance());
          return Behaviors.same();
        })
        .onAnyMessage(message -> Behaviors.same())
        .build();
  }

  /** The actor once it knows the state's height. */
  private static final class Running {
    private final ActorContext<Command> context;
    private final IngressPool ingressPool = new IngressPool(IngressPoolLimits.DEFAULT);
    // The consensus message of each pooled call (its effective id comes from the URL).
    private final Map<RequestId, dev.canopy.consensus.IngressMessage> encoded = new TreeMap<>();
    private final ArtifactPool pool;
    private final ConsensusStep step;
    private final ActorRef<StateManager.Command> stateManager;
    private final Replica replica;
    private long nextBatchHeight;

    Running(Replica replica, ActorContext<Command> context, Resume resume) {
      this.replica = replica;
      this.context = context;
      this.stateManager = resume.stateManager();
      NodeKeys keys = replica.keys();
      SubnetMembership membership = new SubnetMembership(
          keys.subnetId(),
          List.of(keys.nodeSigningKey().publicKey()),
          keys.subnetPublicKey(),
          keys.subnetPublicKeyShares());
      // Note: a subnet of one uses its 1-of-1 subnet key for the random beacon as well.
      SubnetConfig config =
          new SubnetConfig(membership, keys.nodeSigningKey(), keys.subnetKeyShare());
      ConsensusParameters parameters = ConsensusParameters.defaults()
          .withDelays(ConsensusParameters.defaults().unitDelayMs(),
              replica.settings().roundIntervalMs())
          .withBlockLimits(ConsensusParameters.defaults().maxBlockMessages(),
              dev.canopy.consensus.ArtifactCodec.MAX_ARTIFACT_BYTES / 2);
      this.step = new ConsensusStep(config, parameters, new PoolPayloads(), SignatureVerifier.DIRECT);
      long nowMs = System.currentTimeMillis();
      if (resume.height() == 0) {
        this.pool = new ArtifactPool(Block.genesis(keys.subnetId(), 0),
            Artifact.RandomBeacon.genesis(keys.subnetId()), parameters, nowMs);
      } else {
        Block anchor = new Block(resume.height(), resume.blockHash(), 0,
            new NodeId(keys.subnetId().principal()), resume.timeMs(), Payload.EMPTY);
        Artifact.RandomBeacon beacon = new Artifact.RandomBeacon(resume.height(), Hash.ZERO,
            Hashing.sha256(RESUME_BEACON_DOMAIN, resume.blockHash().bytes()));
        this.pool = new ArtifactPool(anchor, beacon, parameters, nowMs);
      }
      this.nextBatchHeight = resume.height() + 1;
    }

    Behavior<Command> behavior() {
      return Behaviors.receive(Command.class)
          .onMessage(Submit.class, this::onSubmit)
          .onMessage(Tick.class, tick -> {
            ingressPool.purgeExpired(nowNs());
            encoded.keySet().removeIf(id -> !ingressPool.contains(id));
            wake();
            return Behaviors.same();
          })
          .onMessage(Resume.class, resume -> Behaviors.same())
          .onMessage(Quiesce.class, quiesce -> {
            stateManager.tell(new StateManager.Sync(quiesce.replyTo()));
            return quiesced();
          })
          .build();
    }

    private Behavior<Command> onSubmit(Submit submit) {
      IngressPool.Admission admission = ingressPool.add(submit.request(), nowNs());
      if (admission instanceof IngressPool.Admission.Added) {
        encoded.put(submit.request().requestId(),
            IngressPayload.encode(submit.request().envelope(), submit.effectiveId()));
      }
      submit.replyTo().tell(admission);
      return Behaviors.same();
    }

    /** Steps consensus until it has nothing more to do at this time. */
    private void wake() {
      long nowMs = System.currentTimeMillis();
      for (int i = 0; i < MAX_STEPS_PER_WAKE; i++) {
        PoolChanges changes = step.onStateChange(pool, nowMs, nextBatchHeight);
        if (changes.isEmpty(pool.purgedBelowHeight())) {
          return;
        }
        pool.apply(changes, nowMs);
        for (Batch batch : changes.toDeliver()) {
          deliver(batch);
        }
      }
      context.getLog().warn("consensus did not settle within {} steps", MAX_STEPS_PER_WAKE);
    }

    private void deliver(Batch batch) {
      if (batch.height() != nextBatchHeight) {
        return;
      }
      List<RequestId> included = new ArrayList<>();
      for (dev.canopy.consensus.IngressMessage m : batch.messages()) {
        included.add(dev.canopy.types.RequestId.fromBytes(m.messageId().bytes()));
      }
      ingressPool.removeIncluded(included);
      included.forEach(encoded::remove);
      stateManager.tell(new StateManager.Execute(batch));
      nextBatchHeight = batch.height() + 1;
    }

    private static long nowNs() {
      return System.currentTimeMillis() * 1_000_000L;
    }

    /** The ingress pool as consensus's payload source. */
    private final class PoolPayloads implements PayloadSource {
      @Override
      public Payload selectPayload(long height, long blockTimeMs, Set<Hash> excludedMessageIds,
          int maxMessages, int maxBytes) {
        List<dev.canopy.consensus.IngressMessage> chosen = new ArrayList<>();
        long bytes = 0;
        for (IngressPool.PooledMessage m : ingressPool.selectForBlock(
            blockTimeMs * 1_000_000L, maxMessages, maxBytes)) {
          dev.canopy.consensus.IngressMessage message = encoded.get(m.requestId());
          if (message == null || excludedMessageIds.contains(message.messageId())) {
            continue;
          }
          long size = Hash.BYTES + message.content().length;
          if (bytes + size > maxBytes) {
            continue;
          }
          chosen.add(message);
          bytes += size;
        }
        return new Payload(chosen);
      }

      @Override
      public Optional<String> invalidity(Payload payload, long blockTimeMs) {
        for (dev.canopy.consensus.IngressMessage m : payload.messages()) {
          try {
            IngressMessage decoded = IngressPayload.decode(m, replica.decoder());
            if (Long.compareUnsigned(decoded.ingressExpiryNs(), blockTimeMs * 1_000_000L) < 0) {
              return Optional.of("message " + decoded.requestId() + " expired before the block");
            }
          } catch (InvalidPayloadException e) {
            return Optional.of(e.getMessage());
          }
        }
        return Optional.empty();
      }
    }
  }
}
