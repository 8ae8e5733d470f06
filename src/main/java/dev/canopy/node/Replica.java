package dev.canopy.node;

import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.consensus.SubnetKeys;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.VerifiedSignatureCache;
import dev.canopy.crypto.dkg.ThresholdPublicKeys;
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
import dev.canopy.state.ReadStateAccess;
import dev.canopy.state.SubnetInfo;
import dev.canopy.state.SubnetType;
import dev.canopy.types.CanisterId;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
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
 *
 * <p>The parts that depend on the subnet's key (the executors, whose {@code ic0.root_key} it is;
 * the certifier; the ingress validator and read_state rules, which name the subnet by its key's
 * id) exist once the key does: at once for a subnet of one, after the key generation for a subnet
 * of several ({@link #establishKeys}). Until then the replica serves no call, query or read_state.
 */
public final class Replica {
  /** Where the Wasm engine keeps compiled modules, under the data directory. */
  public static final String MODULE_CACHE_DIR = "modules";
  /** What clients hear while the subnet's keys do not exist yet. */
  public static final String KEY_GENERATION_IN_PROGRESS =
      "subnet key generation in progress: the replicas are creating the subnet's threshold keys; try again shortly";

  private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(10);

  /** What exists once the subnet's keys do. */
  private record Serving(
      NodeKeys keys,
      SubnetKeys subnetKeys,
      SubnetId subnetId,
      RoundExecutor roundExecutor,
      QueryExecutor queryExecutor,
      IngressValidator validator,
      ReadStateAccess readStateAccess,
      Certifier certifier) {}

  private final ReplicaIdentity identity;
  private final ReplicaSettings settings;
  private final WasmEngine engine;
  private final EnvelopeDecoder decoder;
  private final BatchRouting routing;
  private final StatePublisher publisher;
  private final CatchUpStatus catchUpStatus = new CatchUpStatus();
  private final java.util.concurrent.atomic.AtomicLong deliveredHeight =
      new java.util.concurrent.atomic.AtomicLong(-1);
  private final List<CanisterIdRange> canisterRanges;
  private final Optional<SubnetKeyStore> keyStore;
  private volatile Serving serving;
  private volatile Optional<SubnetKeys> subnetKeys = Optional.empty();
  // The keys of this replica's own key file while the state holds no closed record (see loadKeyFile).
  private volatile Optional<SubnetKeys> keyFileKeys = Optional.empty();
  private final CompletableFuture<ActorRef<ConsensusActor.Command>> consensus =
      new CompletableFuture<>();
  private final CompletableFuture<ActorRef<CatchUpActor.Command>> catchUp =
      new CompletableFuture<>();

  public Replica(ReplicaIdentity identity, ReplicaSettings settings, Path dataDir) {
    this.identity = identity;
    this.settings = settings;
    this.engine = WasmEngine.builder().withModuleCacheDir(dataDir.resolve(MODULE_CACHE_DIR)).build();
    this.canisterRanges = List.of(identity.canisterRange(settings));
    this.decoder = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
    this.routing = new BatchRouting(decoder);
    this.publisher = new StatePublisher(settings.syncCallTimeoutMs(), settings.maxSyncCallWaiters());
    this.keyStore = identity.generatesKeys()
        ? Optional.of(new SubnetKeyStore(identity, dataDir.resolve(DataDirectory.KEYS_DIR)))
        : Optional.empty();
    identity.dealtKeys().ifPresent(keys -> install(keys.subnetKeys()));
  }

  /** The single-node replica of {@code keys}. */
  public Replica(NodeKeys keys, ReplicaSettings settings, Path dataDir) {
    this(ReplicaIdentity.dealt(keys), settings, dataDir);
  }

  /**
   * The subnet's keys from the key generation that {@code closed} records: loaded from this
   * replica's key file, or derived and written (see {@link SubnetKeyStore}); from then on the
   * replica can execute and serve. Idempotent; the consensus actor and the state manager both call
   * it when they see the key generation close.
   */
  public SubnetKeys establishKeys(KeyGenerationRecord closed) {
    SubnetKeys keys = keyStore.orElseThrow(() -> new IllegalStateException("a subnet of one has no key generation"))
        .establish(closed);
    install(keys);
    return keys;
  }

  /**
   * Loads this replica's key file as the trust anchor for catch-up packages, for a state that
   * holds no closed key generation record (see {@link SubnetKeyStore#loadFile}): from then on
   * {@link #trustedSubnetKeys} gives its keys, while the replica serves nothing until a record is
   * installed and {@link #establishKeys} checks the file against it. Empty if there is no file (or
   * the subnet's keys were dealt).
   *
   * @throws NodeStartupException if the file is unusable or not this replica's keys of this subnet
   */
  public Optional<SubnetKeys> loadKeyFile() {
    Optional<SubnetKeys> loaded = keyStore.flatMap(SubnetKeyStore::loadFile);
    keyFileKeys = loaded;
    return loaded;
  }

  /**
   * The subnet's keys this replica trusts to verify catch-up packages: its established keys, or,
   * before them, those of its own key file ({@link #loadKeyFile}).
   *
   * <p>Note: not {@link #subnetKeys}, which means the replica has its keys and serves (calls are
   * admitted, heights certified); keys from the file alone only let it check what its peers sign.
   */
  public Optional<SubnetKeys> trustedSubnetKeys() {
    Optional<SubnetKeys> established = subnetKeys;
    return established.isPresent() ? established : keyFileKeys;
  }

  /**
   * The key generation record a verified catch-up package carries, for the replica to adopt with
   * its state: closed, and giving the public keys this replica trusts ({@link #trustedSubnetKeys})
   * from the same height. Empty for a subnet whose keys were dealt at genesis.
   *
   * @throws InvalidInputException saying why, if the package carries no such record
   */
  public Optional<KeyGenerationRecord> catchUpRecord(dev.canopy.consensus.CatchUpPackage cup) {
    byte[] bytes = cup.content().keyGeneration();
    Optional<dev.canopy.consensus.KeyGeneration> setup = identity.keyGeneration();
    if (setup.isEmpty()) {
      if (bytes.length != 0) {
        throw new InvalidInputException("the catch-up package carries a key generation record, but this"
            + " subnet's keys were dealt at genesis");
      }
      return Optional.empty();
    }
    SubnetKeys trusted = trustedSubnetKeys().orElseThrow(() -> new InvalidInputException(
        "this replica holds no subnet keys to check the catch-up package's key generation record against"));
    KeyGenerationRecord record;
    try {
      record = KeyGenerationRecord.decode(setup.get(), bytes);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("the catch-up package's key generation record is malformed: "
          + e.getMessage(), e);
    }
    if (!record.isClosed()) {
      throw new InvalidInputException("the catch-up package's key generation record is not closed");
    }
    SubnetKeys carried = SubnetKeyStore.publicKeys(record);
    if (!SubnetKeyStore.samePublic(carried, trusted)) {
      throw new InvalidInputException("the catch-up package's key generation record gives the subnet key "
          + carried.certification().groupPublicKey() + " from height " + (carried.lastBootstrapHeight() + 1)
          + ", but this replica's keys are " + trusted.certification().groupPublicKey() + " from height "
          + (trusted.lastBootstrapHeight() + 1));
    }
    return Optional.of(record);
  }

  /** The subnet's id once {@code keys} exist: {@code selfAuthenticating(root key)}. */
  public static SubnetId subnetIdOf(SubnetKeys keys) {
    return new SubnetId(Principal.selfAuthenticating(keys.certification().groupPublicKeyDer()));
  }

  private synchronized void install(SubnetKeys keys) {
    if (serving != null) {
      return;
    }
    ThresholdPublicKeys certification = keys.certification();
    byte[] rootKeyDer = certification.groupPublicKeyDer();
    SubnetId subnetId = subnetIdOf(keys);
    CyclesFees fees = CyclesFees.internetComputerDefaults();
    IcManagementCanister management = IcManagementCanister.internetComputerDefaults();
    RoundExecutor roundExecutor = RoundExecutor.builder()
        .withEngine(engine)
        .withManagementCanister(management)
        .withFees(fees)
        .withLimits(RoundLimits.defaults())
        .withRootKeyDer(rootKeyDer)
        .build();
    QueryExecutor queryExecutor =
        new QueryExecutor(engine, fees, rootKeyDer, QueryExecutor.Limits.defaults(), management);
    IngressValidatorConfig.Builder validatorConfig =
        IngressValidatorConfig.builder().subnetId(subnetId).provisionalApiEnabled(true)
            // Canister signatures carry certificates of this subnet, the root subnet.
            .rootKeyDer(rootKeyDer)
            // A call is verified once per process, not once per look and replica (Note there).
            .verifiedSignatures(VerifiedSignatureCache.processWide());
    for (CanisterIdRange r : canisterRanges) {
      validatorConfig.canisterRange(r.start().principal(), r.end().principal());
    }
    NodeKeys nodeKeys = keys.beaconShare().isPresent() && keys.certificationShare().isPresent()
        ? identity.dealtKeys().orElseGet(() -> NodeKeys.of(identity, keys))
        : null;
    // Note: the node is the root subnet and certifies without delegation (digest §12.2).
    this.serving = new Serving(nodeKeys, keys, subnetId, roundExecutor, queryExecutor,
        new IngressValidator(validatorConfig.build()), new ReadStateAccess(subnetId),
        new Certifier(certification.parameters(), certification.groupPublicKey())
            .withVerifiedCache(VerifiedSignatureCache.processWide()));
    this.subnetKeys = Optional.of(keys);
  }

  private Serving serving() {
    Serving s = serving;
    if (s == null) {
      throw new IllegalStateException("the subnet's keys do not exist yet");
    }
    return s;
  }

  /**
   * The subnet's state from the height its key exists: no canisters, the subnet's nodes and
   * their keys, its id and public key those of the key.
   */
  public ReplicatedState genesisState() {
    Serving s = serving();
    return stateFor(s.subnetId(), s.subnetKeys().certification().groupPublicKeyDer());
  }

  /**
   * The state a subnet of several replicas keeps while it generates its key: named by its
   * genesis id, without a public key. No canister runs on it; only its height and time move.
   */
  public ReplicatedState bootstrapState() {
    return stateFor(identity.genesisId(), new byte[0]);
  }

  private ReplicatedState stateFor(SubnetId subnetId, byte[] publicKeyDer) {
    TreeMap<NodeId, byte[]> nodes = new TreeMap<>();
    for (dev.canopy.crypto.Ed25519PublicKey key : identity.memberNodeKeys()) {
      nodes.put(new NodeId(dev.canopy.types.Principal.selfAuthenticating(key.toDer())), key.toDer());
    }
    SubnetInfo own = new SubnetInfo(SubnetType.SYSTEM, publicKeyDer, canisterRanges, nodes, Optional.empty());
    TreeMap<SubnetId, SubnetInfo> subnets = new TreeMap<>();
    subnets.put(subnetId, own);
    return ReplicatedState.genesis(subnetId, subnets, settings.ingressHistory());
  }

  public ReplicaIdentity identity() {
    return identity;
  }

  /** The subnet's keys as this replica holds them, once they exist. */
  public Optional<SubnetKeys> subnetKeys() {
    return subnetKeys;
  }

  /**
   * This node's keys, once the subnet's exist and it holds its shares of both.
   *
   * @throws IllegalStateException before, or when the key generation gave it no share
   */
  public NodeKeys keys() {
    NodeKeys k = serving().keys();
    if (k == null) {
      throw new IllegalStateException("this replica holds no share of the subnet's keys");
    }
    return k;
  }

  /** The subnet's id, {@code selfAuthenticating(root key)}, once the key exists. */
  public Optional<SubnetId> subnetId() {
    Serving s = serving;
    return s == null ? Optional.empty() : Optional.of(s.subnetId());
  }

  /** See {@link Node#keySharesSource()}. */
  public String keySharesSource() {
    return keyStore.map(SubnetKeyStore::source).orElse("dealt");
  }

  /** The root key as {@code /api/v2/status} serves it, once it exists. */
  public Optional<byte[]> rootKeyDer() {
    return subnetKeys.map(k -> k.certification().groupPublicKeyDer());
  }

  public ReplicaSettings settings() {
    return settings;
  }

  public WasmEngine engine() {
    return engine;
  }

  /** The round executor; only once the subnet's key exists (no canister runs before). */
  public RoundExecutor roundExecutor() {
    return serving().roundExecutor();
  }

  public EnvelopeDecoder decoder() {
    return decoder;
  }

  /** Validates calls from clients and, for gossiped ingress, from peers; empty before the key exists. */
  public Optional<IngressValidator> validator() {
    Serving s = serving;
    return s == null ? Optional.empty() : Optional.of(s.validator());
  }

  public Certifier certifier() {
    return serving().certifier();
  }

  public BatchRouting routing() {
    return routing;
  }

  public StatePublisher publisher() {
    return publisher;
  }

  /** What catch-up packages and state sync have done on this replica. */
  public CatchUpStatus catchUpStatus() {
    return catchUpStatus;
  }

  /**
   * The height of the last batch consensus delivered to the state manager (which may not have
   * executed it yet); -1 before consensus starts.
   */
  public long deliveredHeight() {
    return deliveredHeight.get();
  }

  void delivered(long height) {
    deliveredHeight.set(height);
  }

  void consensusStarted(ActorRef<ConsensusActor.Command> ref) {
    consensus.complete(ref);
  }

  void catchUpStarted(ActorRef<CatchUpActor.Command> ref) {
    catchUp.complete(ref);
  }

  /**
   * Stops consensus and completes once the state manager has journaled and published every batch
   * delivered so far, so a clean stop leaves the published and the durable height equal.
   */
  public CompletionStage<org.apache.pekko.Done> quiesce(ActorSystem<?> system, Duration timeout) {
    // A stopping replica's state stops advancing: that is no reason to fetch a newer one.
    catchUp.thenAccept(ref -> ref.tell(new CatchUpActor.Quiesce()));
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
      public Optional<String> unavailableReason() {
        return serving == null ? Optional.of(KEY_GENERATION_IN_PROGRESS) : Optional.empty();
      }

      @Override
      public IngressValidator validator() {
        return serving().validator();
      }

      @Override
      public ReadStateAccess readStateAccess() {
        return serving().readStateAccess();
      }

      @Override
      public QueryExecutor queryExecutor() {
        return serving().queryExecutor();
      }

      @Override
      public CyclesFees fees() {
        return serving().roundExecutor().fees();
      }

      @Override
      public Ed25519SigningKey nodeSigningKey() {
        return identity.nodeSigningKey();
      }

      @Override
      public NodeId nodeId() {
        return identity.nodeId();
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
