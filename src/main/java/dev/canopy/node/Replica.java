package dev.canopy.node;

import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.execution.CyclesFees;
import dev.canopy.execution.QueryExecutor;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.execution.RoundExecutor;
import dev.canopy.execution.RoundLimits;
import dev.canopy.execution.management.IcManagementCanister;
import dev.canopy.http.PublishedState;
import dev.canopy.http.ReplicaBackend;
import dev.canopy.ingress.CallContent;
import dev.canopy.ingress.EnvelopeDecoder;
import dev.canopy.ingress.EnvelopeLimits;
import dev.canopy.ingress.IngressPool;
import dev.canopy.ingress.IngressValidator;
import dev.canopy.ingress.IngressValidatorConfig;
import dev.canopy.ingress.ValidatedRequest;
import dev.canopy.routing.BatchRouting;
import dev.canopy.state.CertifiedState;
import dev.canopy.state.Certifier;
import dev.canopy.state.EffectiveId;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.state.ReadStateAccess;
import dev.canopy.state.SubnetInfo;
import dev.canopy.state.SubnetType;
import dev.canopy.types.CanisterId;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.types.NodeId;
import dev.canopy.types.RequestId;
import dev.canopy.types.SubnetId;
import dev.canopy.wasm.WasmEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The parts of one replica that are plain Java (engine, executors, validator, certifier, the
 * subnet's genesis state) and the {@link ReplicaBackend} the HTTP interface uses. The actors
 * ({@link ConsensusActor}, {@link StateManager}) are started by the {@link NodeGuardian}.
 */
public final class Replica {
  /** Where the Wasm engine keeps compiled modules, under the data directory. */
  public static final String MODULE_CACHE_DIR = "modules";

  private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(10);

  private final NodeKeys keys;
  private final ReplicaSettings settings;
  private final WasmEngine engine;
  private final RoundExecutor roundExecutor;
  private final QueryExecutor queryExecutor;
  private final EnvelopeDecoder decoder;
  private final IngressValidator validator;
  private final ReadStateAccess readStateAccess;
  private final Certifier certifier;
  private final BatchRouting routing;
  private final StatePublisher publisher;
  private final List<CanisterIdRange> canisterRanges;
  private final CompletableFuture<ActorRef<ConsensusActor.Command>> consensus =
      new CompletableFuture<>();

  public Replica(NodeKeys keys, ReplicaSettings settings, Path dataDir) {
    this.keys = keys;
    this.settings = settings;
    this.engine = WasmEngine.builder().withModuleCacheDir(dataDir.resolve(MODULE_CACHE_DIR)).build();
    CyclesFees fees = CyclesFees.internetComputerDefaults();
    IcManagementCanister management = IcManagementCanister.internetComputerDefaults();
    this.roundExecutor = RoundExecutor.builder()
        .withEngine(engine)
        .withManagementCanister(management)
        .withFees(fees)
        .withLimits(RoundLimits.defaults())
        .withRootKeyDer(keys.rootKeyDer())
        .build();
    this.queryExecutor =
        new QueryExecutor(
            engine, fees, keys.rootKeyDer(), QueryExecutor.Limits.defaults(), management);
    this.canisterRanges = List.of(new CanisterIdRange(
        CanisterId.fromIndex(settings.firstCanisterIndex()),
        CanisterId.fromIndex(settings.lastCanisterIndex())));
    this.decoder = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
    IngressValidatorConfig.Builder validatorConfig =
        IngressValidatorConfig.builder().subnetId(keys.subnetId()).provisionalApiEnabled(true);
    for (CanisterIdRange r : canisterRanges) {
      validatorConfig.canisterRange(r.start().principal(), r.end().principal());
    }
    this.validator = new IngressValidator(validatorConfig.build());
    // Note: the node is the root subnet and certifies without delegation (digest §12.2).
    this.readStateAccess = new ReadStateAccess(keys.subnetId());
    this.certifier = new Certifier(keys.subnetKeyParameters(), keys.subnetPublicKey());
    this.routing = new BatchRouting(decoder);
    this.publisher = new StatePublisher(settings.syncCallTimeoutMs(), settings.maxSyncCallWaiters());
  }

  /** The subnet's state before its first batch: no canisters, the subnet's nodes and their keys. */
  public ReplicatedState genesisState() {
    TreeMap<NodeId, byte[]> nodes = new TreeMap<>();
    for (dev.canopy.crypto.Ed25519PublicKey key : keys.memberNodeKeys()) {
      nodes.put(new NodeId(dev.canopy.types.Principal.selfAuthenticating(key.toDer())), key.toDer());
    }
    SubnetInfo own = new SubnetInfo(SubnetType.SYSTEM, keys.rootKeyDer(), canisterRanges, nodes,
        Optional.empty());
    TreeMap<SubnetId, SubnetInfo> subnets = new TreeMap<>();
    subnets.put(keys.subnetId(), own);
    return ReplicatedState.genesis(keys.subnetId(), subnets, IngressHistorySettings.DEFAULT);
  }

  public NodeKeys keys() {
    return keys;
  }

  public ReplicaSettings settings() {
    return settings;
  }

  public WasmEngine engine() {
    return engine;
  }

  public RoundExecutor roundExecutor() {
    return roundExecutor;
  }

  public EnvelopeDecoder decoder() {
    return decoder;
  }

  /** Validates calls from clients and, for gossiped ingress, from peers. */
  public IngressValidator validator() {
    return validator;
  }

  public Certifier certifier() {
    return certifier;
  }

  public BatchRouting routing() {
    return routing;
  }

  public StatePublisher publisher() {
    return publisher;
  }

  void consensusStarted(ActorRef<ConsensusActor.Command> ref) {
    consensus.complete(ref);
  }

  /**
   * Stops consensus and completes once the state manager has journaled and published every batch
   * delivered so far, so a clean stop leaves the published and the durable height equal.
   */
  public CompletionStage<org.apache.pekko.Done> quiesce(ActorSystem<?> system, Duration timeout) {
    return consensus.thenCompose(ref -> AskPattern.ask(
        ref, ConsensusActor.Quiesce::new, timeout, system.scheduler()));
  }

  /** The HTTP interface's view of this replica, asking its actors in {@code system}. */
  public ReplicaBackend backend(ActorSystem<?> system) {
    // Note: request work runs on the engine's request threads, where a query's Wasm execution
    // runs in place instead of being handed to an engine thread while a dispatcher thread waits.
    Executor work = engine.requestExecutor();
    return new ReplicaBackend() {
      @Override
      public EnvelopeDecoder decoder() {
        return decoder;
      }

      @Override
      public IngressValidator validator() {
        return validator;
      }

      @Override
      public ReadStateAccess readStateAccess() {
        return readStateAccess;
      }

      @Override
      public QueryExecutor queryExecutor() {
        return queryExecutor;
      }

      @Override
      public CyclesFees fees() {
        return roundExecutor.fees();
      }

      @Override
      public Ed25519SigningKey nodeSigningKey() {
        return keys.nodeSigningKey();
      }

      @Override
      public NodeId nodeId() {
        return keys.nodeId();
      }

      @Override
      public long nowNs() {
        return System.currentTimeMillis() * 1_000_000L;
      }

      @Override
      public Executor workExecutor() {
        return work;
      }

      @Override
      public Optional<PublishedState> latest() {
        return publisher.latest();
      }

      @Override
      public CompletionStage<IngressPool.Admission> submit(
          ValidatedRequest<CallContent> call, EffectiveId effectiveId) {
        return consensus.thenCompose(ref -> AskPattern.ask(
            ref,
            (ActorRef<IngressPool.Admission> replyTo) ->
                new ConsensusActor.Submit(call, effectiveId, replyTo),
            SUBMIT_TIMEOUT,
            system.scheduler()));
      }

      @Override
      public CompletionStage<Optional<CertifiedState>> awaitCertifiedOutcome(RequestId id) {
        return publisher.awaitOutcome(id);
      }

      @Override
      public long syncCallTimeoutMs() {
        return settings.syncCallTimeoutMs();
      }
    };
  }
}
