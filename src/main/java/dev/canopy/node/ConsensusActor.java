package dev.canopy.node;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.ArtifactPool;
import dev.canopy.consensus.Batch;
import dev.canopy.consensus.Block;
import dev.canopy.consensus.ConsensusParameters;
import dev.canopy.consensus.ConsensusStep;
import dev.canopy.consensus.Hash;
import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.consensus.SubnetKeys;
import dev.canopy.consensus.Payload;
import dev.canopy.consensus.PayloadSource;
import dev.canopy.consensus.PoolChanges;
import dev.canopy.consensus.SignatureVerifier;
import dev.canopy.consensus.SubnetConfig;
import dev.canopy.consensus.SubnetMembership;
import dev.canopy.execution.IngressMessage;
import dev.canopy.http.PublishedState;
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
import dev.canopy.consensus.ArtifactCodec;
import dev.canopy.consensus.RetransmissionRequest;
import dev.canopy.ingress.IngressRejection;
import dev.canopy.ingress.IngressVerdict;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

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
 * <p>Peers: the consensus actors of the other replicas of the subnet, found at the configured
 * addresses of the subnet's members ({@link SubnetPeers}, whether or not the cluster has admitted
 * them) and through the Receptionist under {@link #serviceKey}. Everything a step wants sent goes
 * to every peer as canonical CBOR ({@link Artifact#toBytes()}); what arrives is decoded ({@link
 * ArtifactCodec}) and filed unvalidated in the pool, where the pure step checks it like anything
 * else from an untrusted network. Every {@code retransmitEveryMs} the actor asks its peers to
 * resend what it lacks above its finalized height ({@link ConsensusStep#retransmissionRequest}),
 * which heals lost messages.
 * Calls accepted by this replica are gossiped to the peers, which validate them again before their
 * pools take them, so whichever replica makes the next block can include them. Certification
 * shares travel between the state managers through these actors.
 *
 * <p>A subnet of several replicas starts without its threshold keys: the actor files and sends
 * this replica's dealings once, and after each step asks the step whether the finalized chain has
 * reached the key generation's next closing height ({@link ConsensusStep#keyGenerationProgress});
 * if so it installs the record, and when the record closed it first establishes the replica's
 * shares ({@link Replica#establishKeys}, which persists them). Until then calls are refused.
 *
 * <p>Note: the pool is not persisted: what must survive a crash is the finalized batches, which
 * the state manager journals with the finalized block and beacon of each height, so a replica of a
 * subnet of several resumes from the real chain. A replica further behind than its peers retain
 * ({@code canopy.replica.catch-up.retain-heights}) catches up through a catch-up package instead
 * ({@link CatchUpActor}): once the state manager has installed that package's state, this actor
 * starts a new pool from the package's block and beacon ({@link CatchUpInstalled}).
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
      long height,
      long timeMs,
      Hash blockHash,
      StateManager.Anchor anchor,
      Optional<KeyGenerationRecord> keyGeneration,
      ActorRef<StateManager.Command> stateManager)
      implements Command {
    public Resume(long height, long timeMs, Hash blockHash,
        ActorRef<StateManager.Command> stateManager) {
      this(height, timeMs, blockHash, StateManager.Anchor.NONE, Optional.empty(), stateManager);
    }
  }

  /**
   * Stop making and delivering blocks (the node is stopping); {@code replyTo} hears once every
   * batch delivered so far is journaled and published.
   */
  public record Quiesce(ActorRef<org.apache.pekko.Done> replyTo) implements Command {}

  /** A consensus artifact from a peer, as canonical CBOR. */
  public record ArtifactBytes(byte[] bytes) implements Command, CborSerializable {}

  /**
   * A peer asks for what it lacks: artifacts above {@code filterHeight}, and a certification above
   * its {@code certifiedHeight} (-1: none yet); the answer goes to {@code replyTo}.
   */
  public record RetransmitRequest(byte[] requester, long filterHeight, long certifiedHeight,
      ActorRef<Command> replyTo) implements Command, CborSerializable {}

  /** A call a peer accepted ({@link IngressPayload#encode} form); validated again on arrival. */
  public record GossipedIngress(byte[] messageId, byte[] content)
      implements Command, CborSerializable {}

  /**
   * Calls a peer accepted one after another, gossiped in one message (at most {@link
   * #MAX_GOSSIP_BATCH_CALLS}); each is validated on arrival as a {@link GossipedIngress} is.
   */
  public record GossipedCalls(List<GossipedIngress> calls) implements Command, CborSerializable {}

  /** A replica's share of the signature of its state root of {@code height}. */
  public record CertificationShare(long height, byte[] rootHash, int signerIndex, byte[] signature)
      implements Command, CborSerializable {}

  /**
   * The subnet's certification of a replica's state of {@code height} (the combined signature of
   * its root), sent to a peer certified below it; verified under the subnet key on arrival ({@link
   * dev.canopy.state.CertificationPool#adoptCertification}).
   */
  public record Certification(long height, byte[] rootHash, byte[] signature)
      implements Command, CborSerializable {}

  /** From the local state manager: send this share to every peer. */
  record BroadcastShare(CertificationShare share) implements Command {}

  /**
   * From the local state manager: it installed the state of {@code height} from a catch-up
   * package, whose finalized block and beacon {@code anchor} holds, and the package's key
   * generation record (closed; empty for a subnet whose keys were dealt); consensus resumes above
   * it with the keys of that record.
   */
  record CatchUpInstalled(long height, long timeMs, Hash blockHash, StateManager.Anchor anchor,
      Optional<KeyGenerationRecord> keyGeneration) implements Command {}

  /** The peers one source lists: the cluster's Receptionist, or the {@link SubnetPeers}. */
  private record PeersChanged(PeerListing listing) implements Command {}

  private record PeerListing(boolean fromCluster, List<ActorRef<Command>> refs) {}

  private record Tick() implements Command {}

  private record RetransmitTick() implements Command {}

  private record WakeNow() implements Command {}

  /** A gossiped call, checked beside the actor: {@code accepted} is null if it was refused. */
  private record GossipChecked(
      dev.canopy.consensus.IngressMessage message,
      AcceptedCall accepted,
      long checkedAtNs) {}

  /** The gossiped calls of one message, checked together beside the actor. */
  private record GossipBatchChecked(List<GossipChecked> checked) implements Command {}

  /** Send the calls accepted since the last flush to the peers (see {@code Running.queueGossip}). */
  private record FlushGossip() implements Command {}

  /** A call this replica accepts, with the call it decodes to if execution can take it. */
  private record AcceptedCall(
      ValidatedRequest<CallContent> request, Optional<IngressPayload.Decoded> decoded) {}

  /**
   * A pooled call's consensus message, and the call execution makes of it (empty if execution
   * cannot take it), so that its block executes without decoding it again.
   */
  private record PooledCall(
      dev.canopy.consensus.IngressMessage message, Optional<IngressPayload.Decoded> decoded) {}

  private static final int MAX_STASHED = 10_000;
  private static final int MAX_STEPS_PER_WAKE = 1_000;
  private static final byte[] RESUME_BEACON_DOMAIN = Hashing.domainSeparator("canopy-resume-beacon");
  private static final long RETRANSMIT_EVERY_MS = 500;
  private static final int MAX_PEERS = 1024;
  /** Gossiped calls being checked at once, beside the actor. */
  private static final int MAX_GOSSIP_CHECKS = 4_096;
  /** Calls gossiped in one message at most; a peer's message with more is dropped whole. */
  static final int MAX_GOSSIP_BATCH_CALLS = 256;
  /** Bytes of calls gossiped in one message at most (a single larger call goes alone). */
  private static final int MAX_GOSSIP_BATCH_BYTES = 512 * 1024;
  /** The notary delay of a busy subnet of one: a round closes at the next wake after it starts. */
  private static final long BUSY_NOTARY_DELAY_MS = 1;
  private static final int BUSY_MAX_UNCERTIFIED_HEIGHTS = 1;

  private ConsensusActor() {}

  /** The Receptionist key under which the consensus actors of {@code subnet} find each other. */
  public static ServiceKey<Command> serviceKey(SubnetId subnet) {
    return ServiceKey.create(Command.class, "consensus-" + subnet);
  }

  public static Behavior<Command> create(Replica replica) {
    return create(replica, PeerMessages.HONEST);
  }

  /** The actor, sending to its peers through {@code peerMessages} (tests: a Byzantine replica). */
  public static Behavior<Command> create(Replica replica, PeerMessages peerMessages) {
    return create(replica, peerMessages, Optional.empty());
  }

  /**
   * As {@link #create(Replica, PeerMessages)}, with the peers that {@code subnetPeers} finds at
   * the configured addresses besides those the cluster's Receptionist lists.
   */
  static Behavior<Command> create(Replica replica, PeerMessages peerMessages,
      Optional<ActorRef<SubnetPeers.Command>> subnetPeers) {
    return Behaviors.setup(
        context -> {
          ServiceKey<Command> key = serviceKey(replica.identity().genesisId());
          Peers peers = new Peers(context.getSelf(), peerMessages, replica.identity().replicaCount());
          if (replica.identity().replicaCount() > 1) {
            context.getSystem().receptionist().tell(Receptionist.register(key, context.getSelf()));
            context.getSystem().receptionist().tell(Receptionist.subscribe(key,
                context.messageAdapter(Receptionist.Listing.class, listing -> new PeersChanged(
                    new PeerListing(true, listing.isForKey(key)
                        ? List.copyOf(listing.getServiceInstances(key)) : List.of())))));
            subnetPeers.ifPresent(directory -> directory.tell(new SubnetPeers.Subscribe(
                context.messageAdapter(SubnetPeers.Reachable.class, reachable -> new PeersChanged(
                    new PeerListing(false, reachable.members().stream()
                        .map(a -> SubnetPeers.at(context.getSystem(), a, context.getSelf()))
                        .toList()))))));
          }
          return Behaviors.withStash(
              MAX_STASHED,
              stash ->
                  Behaviors.withTimers(
                      timers -> waitingForState(replica, context, stash, timers, peers)));
        });
  }

  /**
   * The other replicas' consensus actors: those the cluster's Receptionist lists and those the
   * {@link SubnetPeers} reaches at the configured addresses (see the Note there), one per replica.
   */
  private static final class Peers {
    private final PeerMessages messages;
    private final SubnetPeers.Merged<Command> merged;

    Peers(ActorRef<Command> self, PeerMessages messages, int replicas) {
      this.messages = messages;
      this.merged = new SubnetPeers.Merged<>(self, Math.min(MAX_PEERS, Math.max(0, replicas - 1)));
    }

    void update(PeerListing listing, ActorContext<Command> context, int replicas) {
      if (merged.update(listing.fromCluster(), listing.refs())) {
        context.getLog().info("{} of {} peer replica(s) reachable", merged.ordered().size(),
            replicas - 1);
      }
    }

    void tellAll(Command message) {
      // in the order of their addresses: the positions PeerMessages sees
      List<ActorRef<Command>> ordered = merged.ordered();
      for (int i = 0; i < ordered.size(); i++) {
        tell(ordered.get(i), i, message);
      }
    }

    /** Sends to one replica, which need not be among the listed peers (a retransmission answer). */
    void tell(ActorRef<Command> ref, Command message) {
      tell(ref, merged.positionOf(ref), message);
    }

    private void tell(ActorRef<Command> ref, int position, Command message) {
      if (messages == PeerMessages.HONEST) {
        ref.tell(message);
        return;
      }
      for (Command m : messages.toPeer(message, position)) {
        ref.tell(m);
      }
    }
  }

  private static Behavior<Command> waitingForState(
      Replica replica,
      ActorContext<Command> context,
      StashBuffer<Command> stash,
      TimerScheduler<Command> timers,
      Peers peers) {
    return Behaviors.receive(Command.class)
        .onMessage(PeersChanged.class, changed -> {
          peers.update(changed.listing(), context, replica.identity().replicaCount());
          return Behaviors.same();
        })
        .onMessage(BroadcastShare.class, b -> {
          peers.tellAll(b.share());
          return Behaviors.same();
        })
        .onMessage(
            Resume.class,
            resume -> {
              Running running = new Running(replica, context, resume, peers);
              timers.startTimerWithFixedDelay(
                  new Tick(), Duration.ofMillis(replica.settings().consensusTickMs()));
              int replicas = replica.identity().replicaCount();
              if (replicas > 1) {
                timers.startTimerWithFixedDelay(
                    new RetransmitTick(), Duration.ofMillis(RETRANSMIT_EVERY_MS));
                if (resume.height() > 0 && !resume.anchor().isKnown()) {
                  context.getLog().warn("replica {} of {} resumes at height {} from a local anchor;"
                      + " its peers' blocks may not extend it until it installs a catch-up package",
                      replica.identity().replicaIndex(), replicas, resume.height());
                }
              }
              context.getLog().info(
                  "consensus resumes above height {} with {} replica(s)", resume.height(), replicas);
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
    private final Map<RequestId, PooledCall> encoded = new TreeMap<>();
    private ArtifactPool pool;
    private final ConsensusParameters parameters;
    private ConsensusStep step;
    // A subnet of one only: the same step with a notary delay of BUSY_NOTARY_DELAY_MS (see busy()).
    private final ConsensusStep busyStep;
    private final ActorRef<StateManager.Command> stateManager;
    private final Replica replica;
    private final Peers peers;
    private long nextBatchHeight;
    private boolean wakePending;
    private int gossipChecks;
    // Calls accepted here and not yet gossiped: sent together once the mailbox holds nothing
    // before the FlushGossip queued behind them (so a busy replica sends one message for many
    // calls to each peer instead of one per call, and an idle one sends each call at once).
    private final List<GossipedIngress> gossipOut = new ArrayList<>();
    private int gossipOutBytes;
    private boolean gossipFlushPending;
    // Busy batches delivered in a row without a message, for busy(): calls that never make it into
    // a block (which validation should prevent) must not keep the node closing empty rounds.
    private int emptyBusyBatches;
    private boolean wakingBusy;

    Running(Replica replica, ActorContext<Command> context, Resume resume, Peers peers) {
      this.replica = replica;
      this.context = context;
      this.peers = peers;
      this.stateManager = resume.stateManager();
      ReplicaIdentity identity = replica.identity();
      // Note: a subnet of one uses its 1-of-1 subnet key for the random beacon as well.
      SubnetConfig config = consensusConfig(replica, resume);
      ConsensusParameters parameters = ConsensusParameters.defaults()
          .withDelays(ConsensusParameters.defaults().unitDelayMs(),
              replica.settings().roundIntervalMs())
          .withBlockLimits(ConsensusParameters.defaults().maxBlockMessages(),
              dev.canopy.consensus.ArtifactCodec.MAX_ARTIFACT_BYTES / 2);
      if (identity.replicaCount() > 1) {
        // Note: a replica that was away catches up from what its peers still hold, or, further
        // behind, from a catch-up package; keep about a few minutes of rounds for the former.
        parameters = parameters.withRetainHeights(replica.settings().catchUp().retainHeights())
            .withBusyNotaryDelay(Math.min(replica.settings().busyRounds().delayMs(), parameters.initialNotaryDelayMs()));
      }
      this.parameters = parameters;
      // Note: node signatures and beacon shares that verified in this process are not verified
      // again (the replicas of a process are one trust domain, Note in VerifiedSignatureCache).
      SignatureVerifier verifier = SignatureVerifier.cached(dev.canopy.crypto.VerifiedSignatureCache.processWide());
      this.step = new ConsensusStep(config, parameters, new PoolPayloads(), verifier);
      this.busyStep = identity.replicaCount() > 1 ? null
          : new ConsensusStep(config,
              parameters.withDelays(parameters.unitDelayMs(), BUSY_NOTARY_DELAY_MS),
              new PoolPayloads(), verifier);
      long nowMs = System.currentTimeMillis();
      SubnetId genesisId = identity.genesisId();
      if (resume.height() == 0) {
        this.pool = new ArtifactPool(Block.genesis(genesisId, 0),
            Artifact.RandomBeacon.genesis(genesisId), parameters, nowMs);
      } else if (identity.replicaCount() > 1 && resume.anchor().isKnown()
          && realAnchor(resume).isPresent()) {
        // The finalized block and beacon of the state's height: peers' later blocks extend them.
        Artifact[] anchor = realAnchor(resume).get();
        this.pool = new ArtifactPool(((Artifact.BlockProposal) anchor[0]).block(),
            (Artifact.RandomBeacon) anchor[1], parameters, nowMs);
      } else {
        Block anchor = new Block(resume.height(), resume.blockHash(), 0,
            new NodeId(genesisId.principal()), resume.timeMs(), Payload.EMPTY);
        Artifact.RandomBeacon beacon = new Artifact.RandomBeacon(resume.height(), Hash.ZERO,
            Hashing.sha256(RESUME_BEACON_DOMAIN, resume.blockHash().bytes()));
        this.pool = new ArtifactPool(anchor, beacon, parameters, nowMs);
      }
      this.nextBatchHeight = resume.height() + 1;
      replica.delivered(resume.height());
      if (config.isGeneratingKeys() && config.abstainThroughHeight() > 0) {
        context.getLog().info("the key generation closed at height {} (this replica's key file says so) while"
            + " the state is at height {}: this replica makes nothing up to that height and catches up from its"
            + " peers' finalized blocks or a catch-up package", config.abstainThroughHeight(), resume.height());
      } else if (config.isGeneratingKeys()) {
        // Dealt once per run: a restart during the key generation deals afresh, and whichever of a
        // dealer's dealings reaches the chain first is the one (one per dealer and key).
        for (Artifact own : step.ownDealings(new SecureRandom())) {
          pool.receive(own, nowMs);
          peers.tellAll(new ArtifactBytes(own.toBytes()));
        }
        context.getLog().info("generating the subnet's threshold keys with its {} replicas (key generation"
            + " record at height {})", identity.replicaCount(), config.keyGeneration().orElseThrow().height());
      }
    }

    /**
     * The step's config: dealt keys for a subnet of one; for a subnet of several, the key
     * generation's record the state manager kept (or its start), with the keys once it closed. A
     * state without a closed record whose replica's key file says the keys exist (the state was
     * lost) abstains up to the key generation's closing height ({@link SubnetConfig#withAbstention}).
     */
    private static SubnetConfig consensusConfig(Replica replica, Resume resume) {
      ReplicaIdentity identity = replica.identity();
      if (!identity.generatesKeys()) {
        return identity.dealtKeys().orElseThrow().consensusConfig();
      }
      KeyGenerationRecord record = resume.keyGeneration()
          .orElseGet(() -> identity.keyGeneration().orElseThrow().start());
      Optional<SubnetKeys> keys = record.isClosed() ? Optional.of(replica.establishKeys(record)) : Optional.empty();
      SubnetConfig config = SubnetConfig.generating(identity.membership(), identity.nodeSigningKey(),
          identity.dkgKey().orElseThrow(), record, keys);
      Optional<SubnetKeys> fromFile = replica.trustedSubnetKeys();
      if (!record.isClosed() && fromFile.isPresent()) {
        config = config.withAbstention(fromFile.get().lastBootstrapHeight());
      }
      return config;
    }

    /** The journaled block proposal and beacon of the resume height, if they decode and match. */
    private static Optional<Artifact[]> realAnchor(Resume resume) {
      try {
        Artifact block = ArtifactCodec.decode(resume.anchor().blockProposal());
        Artifact beacon = ArtifactCodec.decode(resume.anchor().beacon());
        if (block instanceof Artifact.BlockProposal p && beacon instanceof Artifact.RandomBeacon b
            && p.block().height() == resume.height() && b.height() == resume.height()
            && p.block().hash().equals(resume.blockHash())) {
          return Optional.of(new Artifact[] {block, beacon});
        }
      } catch (InvalidInputException e) {
        // fall back to a local anchor
      }
      return Optional.empty();
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
          .onMessage(PeersChanged.class, changed -> {
            peers.update(changed.listing(), context, replica.identity().replicaCount());
            return Behaviors.same();
          })
          .onMessage(ArtifactBytes.class, this::onArtifact)
          .onMessage(WakeNow.class, w -> {
            wakePending = false;
            wake();
            return Behaviors.same();
          })
          .onMessage(RetransmitTick.class, t -> {
            RetransmissionRequest request = step.retransmissionRequest(pool, nextBatchHeight);
            peers.tellAll(new RetransmitRequest(request.requester().principal().toBytes(),
                request.filterHeight(), certifiedHeight(), context.getSelf()));
            return Behaviors.same();
          })
          .onMessage(RetransmitRequest.class, this::onRetransmitRequest)
          .onMessage(GossipedIngress.class, gossip -> onGossipedCalls(List.of(gossip)))
          .onMessage(GossipedCalls.class, this::onGossipedCalls)
          .onMessage(GossipBatchChecked.class, this::onGossipChecked)
          .onMessage(FlushGossip.class, flush -> {
            gossipFlushPending = false;
            flushGossip();
            return Behaviors.same();
          })
          .onMessage(BroadcastShare.class, b -> {
            peers.tellAll(b.share());
            return Behaviors.same();
          })
          .onMessage(CertificationShare.class, share -> {
            stateManager.tell(new StateManager.PeerShare(share));
            return Behaviors.same();
          })
          .onMessage(Certification.class, certification -> {
            stateManager.tell(new StateManager.PeerCertification(certification));
            return Behaviors.same();
          })
          .onMessage(CatchUpInstalled.class, this::onCatchUpInstalled)
          .onMessage(Quiesce.class, quiesce -> {
            stateManager.tell(new StateManager.Sync(quiesce.replyTo()));
            return quiesced();
          })
          .build();
    }

    /**
     * The state jumped to a catch-up package's height: a new pool starts from its block and beacon
     * (everything below is gone, and the peers' next blocks extend that block). Calls in the ingress
     * pool stay; any already executed below the package are skipped by execution as duplicates.
     */
    private Behavior<Command> onCatchUpInstalled(CatchUpInstalled installed) {
      installed.keyGeneration().filter(KeyGenerationRecord::isClosed).ifPresent(record -> {
        if (!step.config().keyGeneration().map(KeyGenerationRecord::isClosed).orElse(true)) {
          // The state came with the record this replica's chain lacked: from here on the beacon is
          // threshold-signed and blocks carry ingress, as on its peers.
          SubnetKeys keys = replica.establishKeys(record);
          step = step.withConfig(step.config().withRecord(record, Optional.of(keys)));
          pool.purgeKeyGeneration();
          context.getLog().info("consensus takes the subnet's keys from the catch-up package's key generation"
              + " record (closed at height {})", record.closedAtHeight().getAsLong());
        }
      });
      if (installed.height() < nextBatchHeight) {
        return Behaviors.same(); // consensus delivered that height itself meanwhile
      }
      Optional<Artifact[]> anchor = realAnchor(new Resume(installed.height(), installed.timeMs(),
          installed.blockHash(), installed.anchor(), Optional.empty(), stateManager));
      if (anchor.isEmpty()) {
        context.getLog().error("the catch-up package of height {} has no usable block and beacon",
            installed.height());
        return Behaviors.same();
      }
      pool = new ArtifactPool(((Artifact.BlockProposal) anchor.get()[0]).block(),
          (Artifact.RandomBeacon) anchor.get()[1], parameters, System.currentTimeMillis());
      nextBatchHeight = installed.height() + 1;
      replica.delivered(installed.height());
      context.getLog().info("consensus resumes above height {} from a catch-up package",
          installed.height());
      wake();
      return Behaviors.same();
    }

    private Behavior<Command> onSubmit(Submit submit) {
      if (replica.subnetKeys().isEmpty()) {
        submit.replyTo().tell(new IngressPool.Admission.Full(
            submit.request().requestId(), Replica.KEY_GENERATION_IN_PROGRESS));
        return Behaviors.same();
      }
      boolean wasIdle = ingressPool.size() == 0;
      IngressPool.Admission admission = ingressPool.add(submit.request(), nowNs());
      if (admission instanceof IngressPool.Admission.Added) {
        if (wasIdle) {
          wakeForFirstCall();
        }
        dev.canopy.consensus.IngressMessage message =
            IngressPayload.encode(submit.request().envelope(), submit.effectiveId());
        // The envelope is what replica.decoder() made of the bytes encode keeps (HttpRoutes).
        encoded.put(submit.request().requestId(), new PooledCall(message, IngressPayload.decoded(
            message, new IngressPayload.Submitted(submit.request().envelope(), submit.effectiveId()))));
        queueGossip(new GossipedIngress(message.messageId().bytes(), message.content()));
      }
      submit.replyTo().tell(admission);
      return Behaviors.same();
    }

    /** A peer's artifact: well-formed ones wait in the pool for the step to validate them. */
    private Behavior<Command> onArtifact(ArtifactBytes message) {
      Artifact artifact;
      try {
        if (message.bytes() == null || message.bytes().length > ArtifactCodec.MAX_ARTIFACT_BYTES) {
          return Behaviors.same();
        }
        artifact = ArtifactCodec.decode(message.bytes());
      } catch (InvalidInputException e) {
        context.getLog().debug("dropping a malformed artifact from a peer: {}", e.getMessage());
        return Behaviors.same();
      }
      if (pool.receive(artifact, System.currentTimeMillis()) && !wakePending) {
        // Arrivals queued behind this one are filed before the step runs once for all of them.
        wakePending = true;
        context.getSelf().tell(new WakeNow());
      }
      return Behaviors.same();
    }

    private Behavior<Command> onRetransmitRequest(RetransmitRequest request) {
      NodeId requester;
      try {
        requester = new NodeId(Principal.fromBytes(request.requester()));
      } catch (InvalidInputException | IllegalArgumentException | NullPointerException e) {
        return Behaviors.same();
      }
      if (request.replyTo() == null || !replica.identity().membership().isMember(requester)) {
        return Behaviors.same();
      }
      for (Artifact a : step.retransmission(pool,
          new RetransmissionRequest(requester, request.filterHeight()))) {
        peers.tell(request.replyTo(), new ArtifactBytes(a.toBytes()));
      }
      // Shares are sent once: a peer that missed one it needed gets the certification instead.
      replica.publisher().latest()
          .filter(latest -> latest.height() > request.certifiedHeight())
          .map(latest -> latest.certified().certification())
          .ifPresent(c -> peers.tell(request.replyTo(),
              new Certification(c.height(), c.rootHash(), c.signature())));
      return Behaviors.same();
    }

    /** The height of this replica's latest certified state, or -1. */
    private long certifiedHeight() {
      return replica.publisher().latest().map(PublishedState::height).orElse(-1L);
    }

    /**
     * Gossips a call this replica accepted: with the others accepted before the next {@link
     * FlushGossip} is handled, or at once when the batch is full.
     */
    private void queueGossip(GossipedIngress call) {
      int bytes = call.content().length + Hash.BYTES;
      if (!gossipOut.isEmpty() && gossipOutBytes + bytes > MAX_GOSSIP_BATCH_BYTES) {
        flushGossip();
      }
      gossipOut.add(call);
      gossipOutBytes += bytes;
      if (gossipOut.size() >= MAX_GOSSIP_BATCH_CALLS) {
        flushGossip();
      } else if (!gossipFlushPending) {
        gossipFlushPending = true;
        context.getSelf().tell(new FlushGossip());
      }
    }

    private void flushGossip() {
      if (gossipOut.isEmpty()) {
        return;
      }
      peers.tellAll(gossipOut.size() == 1 ? gossipOut.get(0) : new GossipedCalls(List.copyOf(gossipOut)));
      gossipOut.clear();
      gossipOutBytes = 0;
    }

    /** A peer's gossiped calls ({@link GossipedCalls}, or one {@link GossipedIngress}). */
    private Behavior<Command> onGossipedCalls(GossipedCalls gossip) {
      if (gossip.calls() == null || gossip.calls().size() > MAX_GOSSIP_BATCH_CALLS) {
        return Behaviors.same();
      }
      return onGossipedCalls(gossip.calls());
    }

    /**
     * Calls a peer accepted: this replica validates each itself before its pool takes it.
     *
     * <p>Note: the checks (a signature verification, mostly) run beside the actor, not on it, so
     * that a stream of gossiped calls does not hold up consensus: on a subnet of four, three in
     * four calls reach a replica this way. At most {@link #MAX_GOSSIP_CHECKS} run at once; a call
     * over the limit is dropped, which only means this replica will not propose it (a block
     * that carries it is validated in full, see {@link PoolPayloads#invalidity}).
     */
    private Behavior<Command> onGossipedCalls(List<GossipedIngress> calls) {
      Optional<dev.canopy.ingress.IngressValidator> validator = replica.validator();
      if (validator.isEmpty()) {
        return Behaviors.same(); // a peer ahead of this replica's key generation
      }
      List<dev.canopy.consensus.IngressMessage> toCheck = new ArrayList<>(calls.size());
      for (GossipedIngress gossip : calls) {
        if (gossip == null || gossip.content() == null || gossip.messageId() == null
            || gossip.content().length > ArtifactCodec.MAX_ARTIFACT_BYTES / 2
            || gossip.messageId().length != Hash.BYTES || gossipChecks + toCheck.size() >= MAX_GOSSIP_CHECKS
            || encoded.containsKey(RequestId.fromBytes(gossip.messageId()))) {
          continue; // (the last: pooled already, checked once is enough)
        }
        toCheck.add(new dev.canopy.consensus.IngressMessage(new Hash(gossip.messageId()), gossip.content()));
      }
      if (toCheck.isEmpty()) {
        return Behaviors.same();
      }
      long now = nowNs();
      gossipChecks += toCheck.size();
      context.pipeToSelf(
          CompletableFuture.supplyAsync(() -> {
            List<GossipChecked> checked = new ArrayList<>(toCheck.size());
            for (dev.canopy.consensus.IngressMessage message : toCheck) {
              checked.add(new GossipChecked(message, accepted(validator.get(), message, now), now));
            }
            return checked;
          }, context.getExecutionContext()),
          (checked, failure) -> new GossipBatchChecked(checked != null ? checked
              : toCheck.stream().map(m -> new GossipChecked(m, null, now)).toList()));
      return Behaviors.same();
    }

    private Behavior<Command> onGossipChecked(GossipBatchChecked batch) {
      for (GossipChecked checked : batch.checked()) {
        gossipChecks--;
        boolean wasIdle = ingressPool.size() == 0;
        if (checked.accepted() != null
            && ingressPool.add(checked.accepted().request(), checked.checkedAtNs())
                instanceof IngressPool.Admission.Added) {
          encoded.put(checked.accepted().request().requestId(),
              new PooledCall(checked.message(), checked.accepted().decoded()));
          if (wasIdle) {
            wakeForFirstCall();
          }
        }
      }
      return Behaviors.same();
    }

    /**
     * The first call after a quiet spell need not wait for the tick: a busy node of one starts its
     * round, and a block maker of a subnet with busy rounds proposes it in the current round.
     */
    private void wakeForFirstCall() {
      if ((busyStep != null || parameters.busyRounds()) && !wakePending) {
        wakePending = true;
        context.getSelf().tell(new WakeNow());
      }
    }

    /**
     * Whether this replica of a subnet of several may notarize blocks with messages after the busy
     * notary delay: its certified state is at most {@code canopy.replica.busy-rounds.max-uncertified-heights}
     * ({@link ReplicaSettings.BusyRounds}) below the notarized height.
     *
     * <p>Note: this is the back-pressure of busy rounds. A local decision (an input of the step,
     * like the time): while execution or certification lags, this replica's notary waits the round
     * interval for every block, so calls gather into fewer, larger blocks instead of heights piling
     * up; once n − f notaries wait, so does the subnet. It moves times only, never safety.
     */
    private boolean mayHurry() {
      return pool.notarizedHeight() - certifiedHeight()
          <= replica.settings().busyRounds().maxUncertifiedHeights();
    }

    /** The call {@code message} carries as {@code validator} accepts it at {@code nowNs}, or null. */
    private AcceptedCall accepted(dev.canopy.ingress.IngressValidator validator,
        dev.canopy.consensus.IngressMessage message, long nowNs) {
      try {
        IngressPayload.Submitted submitted =
            IngressPayload.decodeSubmitted(message, replica.decoder());
        IngressVerdict<CallContent> verdict = submitted.effectiveId().isCanister()
            ? validator.validateCall(submitted.envelope(), submitted.effectiveId().id(), nowNs)
            : validator.validateSubnetCall(
                submitted.envelope(), new SubnetId(submitted.effectiveId().id()), nowNs);
        return verdict instanceof IngressVerdict.Accepted<CallContent> accepted
            ? new AcceptedCall(accepted.request(), IngressPayload.decoded(message, submitted))
            : null;
      } catch (InvalidInputException | IllegalArgumentException e) {
        return null; // not a call this replica accepts
      }
    }

    /**
     * Whether this replica, alone in its subnet, should close rounds without the paced notary
     * delay: calls are waiting for a block or in one, and the state manager has certified all but
     * at most {@link #BUSY_MAX_UNCERTIFIED_HEIGHTS} of the delivered heights.
     *
     * <p>Note: with one replica there is no other block maker to wait for, so the notary delay
     * only paces the subnet (round-interval-ms); it stays the pace of an idle node, which makes no
     * more empty blocks than before. A busy node closes a round at each tick instead (or at once
     * for the first call after a quiet spell), so a call waits for about one tick, not one or two
     * round intervals, before its block executes. The backlog bound keeps consensus from running
     * ahead of execution: while the state manager is behind, calls gather into the next block.
     * Subnets of several replicas use busy rounds of their own instead (the notary's delay depends
     * on the block, {@link ConsensusParameters#busyRounds}, {@link #mayHurry}); a node of one uses
     * the paced step when its last two busy batches carried no message although calls wait (they
     * cannot go into a block), until its pool empties.
     */
    private boolean busy() {
      if (busyStep == null || ingressPool.size() == 0) {
        emptyBusyBatches = 0;
        return false;
      }
      if (emptyBusyBatches >= 2) {
        return false;
      }
      long certified = replica.publisher().latest().map(PublishedState::height).orElse(-1L);
      return (nextBatchHeight - 1) - certified <= BUSY_MAX_UNCERTIFIED_HEIGHTS;
    }

    /** Steps consensus until it has nothing more to do at this time. */
    private void wake() {
      long nowMs = System.currentTimeMillis();
      wakingBusy = busy();
      ConsensusStep step = wakingBusy ? busyStep : this.step;
      boolean mayHurry = parameters.busyRounds() && mayHurry();
      for (int i = 0; i < MAX_STEPS_PER_WAKE; i++) {
        PoolChanges changes = step.onStateChange(pool, nowMs, nextBatchHeight, mayHurry);
        if (changes.isEmpty(pool.purgedBelowHeight())) {
          return;
        }
        pool.apply(changes, nowMs);
        for (Artifact a : changes.toSend()) {
          peers.tellAll(new ArtifactBytes(a.toBytes()));
        }
        for (Batch batch : changes.toDeliver()) {
          deliver(batch);
        }
        step.keyGenerationProgress(pool).ifPresent(this::install);
      }
      context.getLog().warn("consensus did not settle within {} steps", MAX_STEPS_PER_WAKE);
    }

    /**
     * The key generation's record at a closing height: with the keys, persisted first, when it
     * closed; else the bootstrap interval goes on to the next closing height.
     */
    private void install(KeyGenerationRecord record) {
      SubnetConfig config = step.config();
      if (!record.isClosed()) {
        context.getLog().warn("the key generation did not close at height {}: too few acceptable dealings"
            + " on the chain ({}); the bootstrap interval goes on to height {}", record.height(), record,
            record.lastBootstrapHeightKnown());
        step = step.withConfig(config.withRecord(record, Optional.empty()));
        return;
      }
      SubnetKeys keys = replica.establishKeys(record);
      step = step.withConfig(config.withRecord(record, Optional.of(keys)));
      pool.purgeKeyGeneration();
      context.getLog().info("the subnet's threshold keys exist (key generation closed at height {}; dealers"
          + " excluded: {}); root key {}", record.height(),
          record.transcript(dev.canopy.consensus.KeyGeneration.Key.CERTIFICATION).excludedDealers(),
          dev.canopy.types.Hex.encode(keys.certification().groupPublicKeyDer()));
    }

    private void deliver(Batch batch) {
      if (batch.height() != nextBatchHeight) {
        return;
      }
      if (wakingBusy) {
        emptyBusyBatches = batch.messages().isEmpty() ? emptyBusyBatches + 1 : 0;
      }
      List<RequestId> included = new ArrayList<>();
      List<IngressPayload.Decoded> decoded = new ArrayList<>();
      for (dev.canopy.consensus.IngressMessage m : batch.messages()) {
        RequestId id = dev.canopy.types.RequestId.fromBytes(m.messageId().bytes());
        included.add(id);
        PooledCall pooled = encoded.get(id);
        if (pooled != null) {
          pooled.decoded().ifPresent(decoded::add); // routing takes it only for the same bytes
        }
      }
      ingressPool.removeIncluded(included);
      included.forEach(encoded::remove);
      StateManager.Anchor anchor = StateManager.Anchor.NONE;
      if (replica.identity().replicaCount() > 1) {
        Optional<Artifact.BlockProposal> block = pool.block(batch.height(), batch.blockHash());
        Optional<Artifact.RandomBeacon> beacon = pool.beacon(batch.height());
        if (block.isPresent() && beacon.isPresent()) {
          anchor = new StateManager.Anchor(block.get().toBytes(), beacon.get().toBytes());
        }
      }
      stateManager.tell(new StateManager.Execute(batch, anchor, decoded));
      nextBatchHeight = batch.height() + 1;
      replica.delivered(batch.height());
    }

    private static long nowNs() {
      return System.currentTimeMillis() * 1_000_000L;
    }

    /** The ingress pool as consensus's payload source. */
    private final class PoolPayloads implements PayloadSource {
      @Override
      public Payload selectPayload(long height, long blockTimeMs,
          java.util.function.Predicate<Hash> inChain, int maxMessages, int maxBytes) {
        List<dev.canopy.consensus.IngressMessage> chosen = new ArrayList<>();
        long bytes = 0;
        for (IngressPool.PooledMessage m : ingressPool.selectForBlock(
            blockTimeMs * 1_000_000L, maxMessages, maxBytes)) {
          PooledCall pooled = encoded.get(m.requestId());
          dev.canopy.consensus.IngressMessage message = pooled == null ? null : pooled.message();
          if (message == null || inChain.test(message.messageId())) {
            continue;
          }
          long size = message.sizeBytes();
          if (bytes + size > maxBytes) {
            continue;
          }
          chosen.add(message);
          bytes += size;
        }
        return new Payload(chosen);
      }

      @Override
      public boolean readyToValidateMessages() {
        return replica.validator().isPresent();
      }

      @Override
      public boolean hasPendingMessages() {
        return ingressPool.size() > 0;
      }

      /**
       * Note: every message of another replica's block must be a call this replica would accept
       * itself (signature, delegations, expiry, effective id), checked at the block's time so
       * that every honest replica decides alike: a Byzantine block maker must not get a call
       * executed in the name of a principal that never signed it. A message this replica already
       * validated, byte for byte (it arrived from a client or by gossip), is not checked again.
       */
      @Override
      public Optional<String> invalidity(Payload payload, long blockTimeMs) {
        long blockTimeNs = blockTimeMs * 1_000_000L;
        Optional<dev.canopy.ingress.IngressValidator> validator = replica.validator();
        for (dev.canopy.consensus.IngressMessage m : payload.messages()) {
          RequestId id = RequestId.fromBytes(m.messageId().bytes());
          PooledCall pooled = encoded.get(id);
          Optional<IngressPool.PooledMessage> entry = pooled != null
              && pooled.message().equals(m) ? ingressPool.get(id) : Optional.empty();
          if (entry.isPresent()) {
            // Validated here before, byte for byte: only its expiry depends on the block.
            if (Long.compareUnsigned(entry.get().ingressExpiryNs(), blockTimeNs) < 0) {
              return Optional.of("message " + id + " expired before the block");
            }
            continue;
          }
          try {
            IngressMessage decoded = IngressPayload.decode(m, replica.decoder());
            if (Long.compareUnsigned(decoded.ingressExpiryNs(), blockTimeNs) < 0) {
              return Optional.of("message " + decoded.requestId() + " expired before the block");
            }
            PooledCall known = encoded.get(decoded.requestId());
            if (known != null && known.message().equals(m)) {
              continue;
            }
            if (validator.isEmpty()) {
              return Optional.of("this replica cannot check calls before its keys exist");
            }
            if (accepted(validator.get(), m, blockTimeNs) == null) {
              return Optional.of("message " + decoded.requestId() + " is a call this replica"
                  + " would refuse");
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
