package dev.canopy.node;

import dev.canopy.http.HttpRoutes;
import dev.canopy.http.ReplicaHealthStatus;
import dev.canopy.http.ReplicaStatus;
import dev.canopy.types.NodeId;
import dev.canopy.types.SubnetId;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.stream.BindFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: one replica, one Pekko cluster member (ARCHITECTURE.md §3).
 *
 * <p>{@link #start} locks the data directory, loads or creates the keys, prepares the persistence
 * store, starts the actor system (which joins or forms the cluster), Pekko Management and the HTTP
 * interface, and waits until the node is healthy. Stopping runs Pekko's coordinated shutdown, which
 * SIGINT and SIGTERM also trigger; the data directory's lock is released once the actor system has
 * terminated.
 */
public final class Node implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Node.class);
  private static final Duration HTTP_HARD_TERMINATION_DEADLINE = Duration.ofSeconds(5);
  private static final Duration QUIESCE_TIMEOUT = Duration.ofSeconds(5);

  private final NodeConfig config;
  private final DataDirectory dataDirectory;
  private final ActorSystem<NodeGuardian.Command> system;
  private final NodeHealth health;
  private final InetSocketAddress httpAddress;
  private final URI managementUri;
  private final Replica replica;

  private Node(
      NodeConfig config,
      DataDirectory dataDirectory,
      ActorSystem<NodeGuardian.Command> system,
      InetSocketAddress httpAddress,
      URI managementUri,
      Replica replica) {
    this.config = config;
    this.replica = replica;
    this.dataDirectory = dataDirectory;
    this.system = system;
    this.health = NodeHealth.get(Adapter.toClassic(system));
    this.httpAddress = httpAddress;
    this.managementUri = managementUri;
  }

  /** Starts a node and waits until it is healthy; new keys come from a {@link SecureRandom}. */
  public static Node start(NodeConfig config) {
    return start(config, new SecureRandom());
  }

  /**
   * Starts a node and waits until it is healthy.
   *
   * @param random the source of genesis keys, used only when the data directory has none
   * @throws NodeStartupException when the operator must change something (port in use, data
   *     directory locked, key file permissions, store unreachable); nothing is left running
   */
  public static Node start(NodeConfig config, RandomGenerator random) {
    return start(config, random, replica -> PeerMessages.HONEST);
  }

  /**
   * As {@link #start(NodeConfig, RandomGenerator)}, with the replica sending to its peers through
   * the {@link PeerMessages} that {@code peerMessages} makes for it. Only the tests pass anything
   * but {@link PeerMessages#HONEST} (to run a Byzantine replica).
   */
  public static Node start(NodeConfig config, RandomGenerator random,
      java.util.function.Function<Replica, PeerMessages> peerMessages) {
    DataDirectory dataDirectory = DataDirectory.open(config.dataDir());
    ActorSystem<NodeGuardian.Command> system = null;
    try {
      Genesis.IdentityResult genesis =
          Genesis.loadIdentity(dataDirectory.root(), dataDirectory.keys(), random);
      ReplicaIdentity identity = genesis.identity();
      log.info(
          "{} keys of node {} on subnet {}{}",
          genesis.created() ? "created" : "loaded",
          identity.nodeId(),
          identity.genesisId(),
          identity.generatesKeys()
              ? " (replica " + identity.replicaIndex() + " of " + identity.replicaCount() + ")"
              : "");
      if (JournalSchema.ensure(config.store())) {
        log.info("created the persistence schema");
      }
      Replica replica = new Replica(identity, config.replica(), dataDirectory.root());
      system = createActorSystem(config, replica, peerMessages.apply(replica));
      log.debug("actor system started");
      // The lock is released only when nothing of this node can write anymore.
      system.getWhenTerminated().whenComplete((done, failure) -> dataDirectory.close());
      NodeHealth health = NodeHealth.get(Adapter.toClassic(system));
      health.reportKeysWith(() -> replica.subnetKeys().isPresent());
      dev.canopy.node.metrics.NodeMetrics.get(Adapter.toClassic(system)).readiness(health::isReady);
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeServiceUnbind(),
              "canopy-mark-stopping",
              () -> {
                log.info("stopping the node");
                health.markStopping();
                return CompletableFuture.completedFuture(Done.getInstance());
              });
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
              "canopy-report-stopped",
              () -> {
                log.info("the node has stopped serving; terminating its actor system");
                return CompletableFuture.completedFuture(Done.getInstance());
              });
      ActorSystem<NodeGuardian.Command> started = system;
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
              "canopy-close-store-when-idle",
              () -> {
                StoreShutdown.closeBeforeTheJournal(Adapter.toClassic(started));
                return CompletableFuture.completedFuture(Done.getInstance());
              });
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseServiceRequestsDone(),
              "canopy-quiesce-replica",
              () -> replica.quiesce(started, QUIESCE_TIMEOUT)
                  .exceptionally(failure -> {
                    log.warn("the replica did not quiesce: {}", failure.toString());
                    return Done.getInstance();
                  }));
      URI managementUri = startManagement(config, system);
      log.debug("Pekko Management at {}", managementUri);
      InetSocketAddress httpAddress =
          bindHttp(config, system, replica, health, replica.backend(system));
      log.debug("HTTP interface bound to {}", httpAddress);
      Node node =
          new Node(config, dataDirectory, system, httpAddress, managementUri, replica);
      node.awaitHealthy();
      return node;
    } catch (RuntimeException e) {
      if (system != null) {
        terminate(system, config.shutdownTimeoutMs());
      }
      dataDirectory.close();
      throw e;
    }
  }

  public NodeId nodeId() {
    return replica.identity().nodeId();
  }

  /** The subnet's id, {@code selfAuthenticating(root key)}; a started node's subnet has its key. */
  public SubnetId subnetId() {
    return replica.subnetId().orElseThrow();
  }

  /** The node's keys, for the components that sign (query responses, certification). */
  public NodeKeys keys() {
    return replica.keys();
  }

  /** What the node knows of itself and its subnet from genesis on. */
  public ReplicaIdentity identity() {
    return replica.identity();
  }

  /**
   * How this run got the subnet's threshold key shares: {@code "dealt"} (a subnet of one), {@code
   * "loaded"} from the key file, or {@code "derived"} from the key generation's record.
   */
  public String keySharesSource() {
    return replica.keySharesSource();
  }

  public NodeConfig config() {
    return config;
  }

  public ActorSystem<NodeGuardian.Command> system() {
    return system;
  }

  /** The latest certified height's state, as the HTTP interface serves it. */
  public java.util.Optional<dev.canopy.http.PublishedState> latestState() {
    return replica.publisher().latest();
  }

  /** The hash of the finalized block this replica executed at {@code height} (recent heights). */
  public java.util.Optional<dev.canopy.consensus.Hash> finalizedBlock(long height) {
    return replica.publisher().finalizedBlock(height);
  }

  /** What catch-up packages and state sync have done on this node since it started. */
  public CatchUpStatus catchUpStatus() {
    return replica.catchUpStatus();
  }

  /** The state this run of the node recovered from its store (height 0 on a new node). */
  public java.util.Optional<dev.canopy.http.PublishedState> recoveredState() {
    return replica.publisher().recovered();
  }

  public NodeHealth health() {
    return health;
  }

  /** Where the HTTP interface listens (the real port when configured with port 0). */
  public InetSocketAddress httpAddress() {
    return httpAddress;
  }

  /** The base URL of the HTTP interface, e.g. {@code http://127.0.0.1:4943}. */
  public URI httpUri() {
    return URI.create(
        "http://" + hostForUri(httpAddress.getHostString()) + ":" + httpAddress.getPort());
  }

  /** The base URL of Pekko Management ({@code /ready}, {@code /alive}). */
  public URI managementUri() {
    return managementUri;
  }

  /** Where Prometheus scrapes the node's metrics: {@code /metrics} on the management port. */
  public URI metricsUri() {
    return managementUri.resolve("/metrics");
  }

  public CompletionStage<Done> whenTerminated() {
    return system.getWhenTerminated();
  }

  /** Stops the node through coordinated shutdown and waits until it has terminated. */
  @Override
  public void close() {
    terminate(system, config.shutdownTimeoutMs());
    dataDirectory.close();
  }

  private void awaitHealthy() {
    try {
      health
          .whenHealthy()
          .toCompletableFuture()
          .get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new NodeStartupException(
          "the node did not become healthy within "
              + config.startupTimeoutMs()
              + " ms (canopy.node.startup-timeout-ms); see the log above for what it waited on");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeStartupException("interrupted while waiting for the node to become healthy");
    } catch (ExecutionException e) {
      throw new NodeStartupException("the node failed while starting: " + e.getCause(), e);
    }
  }

  private static ActorSystem<NodeGuardian.Command> createActorSystem(
      NodeConfig config, Replica replica, PeerMessages peerMessages) {
    try {
      return ActorSystem.create(
          NodeGuardian.create(config.seedNodes().isEmpty(), replica, peerMessages,
              config.subnetPeers()),
          NodeConfig.ACTOR_SYSTEM_NAME,
          config.pekkoConfig());
    } catch (RuntimeException e) {
      if (isBindFailure(e)) {
        throw new PortInUseException(
            "the cluster transport (Artery)",
            config.cluster().host(),
            config.cluster().port(),
            "canopy.node.cluster.port (CANOPY_CLUSTER_PORT); 0 picks a free port",
            e);
      }
      throw e;
    }
  }

  private static URI startManagement(NodeConfig config, ActorSystem<?> system) {
    CompletionStage<org.apache.pekko.http.javadsl.model.Uri> started =
        PekkoManagement.get(Adapter.toClassic(system)).start();
    org.apache.pekko.http.javadsl.model.Uri uri =
        await(
            started,
            config,
            e ->
                new PortInUseException(
                    "Pekko Management (/ready, /alive)",
                    config.management().host(),
                    config.management().port(),
                    "canopy.node.management.port (CANOPY_MANAGEMENT_PORT); 0 picks a free port",
                    e),
            "Pekko Management");
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseServiceStop(),
            "canopy-stop-management",
            () -> PekkoManagement.get(Adapter.toClassic(system)).stop());
    return URI.create(uri.toString());
  }

  private static InetSocketAddress bindHttp(
      NodeConfig config,
      ActorSystem<?> system,
      Replica replica,
      NodeHealth health,
      dev.canopy.http.ReplicaBackend backend) {
    ReplicaStatus status =
        new ReplicaStatus() {
          @Override
          public java.util.Optional<byte[]> rootKeyDer() {
            return replica.rootKeyDer();
          }

          @Override
          public String implVersion() {
            return BuildInfo.version();
          }

          @Override
          public ReplicaHealthStatus healthStatus() {
            return health.status();
          }

          @Override
          public OptionalLong certifiedHeight() {
            return health.certifiedHeight();
          }
        };
    CompletionStage<ServerBinding> bound =
        Http.get(system)
            .newServerAt(config.http().host(), config.http().port())
            .bind(new HttpRoutes(status, backend, config.maxRequestBodyBytes())
                .withMetrics(dev.canopy.node.metrics.NodeMetrics.get(Adapter.toClassic(system))
                    .requests())
                .route());
    ServerBinding binding =
        await(
            bound,
            config,
            e ->
                new PortInUseException(
                    "the HTTP interface",
                    config.http().host(),
                    config.http().port(),
                    "--port (canopy.node.http.port, CANOPY_HTTP_PORT)",
                    e),
            "the HTTP interface");
    binding.addToCoordinatedShutdown(HTTP_HARD_TERMINATION_DEADLINE, system);
    health.markHttpBound();
    return binding.localAddress();
  }

  private static <T> T await(
      CompletionStage<T> stage,
      NodeConfig config,
      java.util.function.Function<Throwable, NodeStartupException> onBindFailure,
      String what) {
    try {
      return stage.toCompletableFuture().get(config.startupTimeoutMs(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (isBindFailure(e.getCause())) {
        throw onBindFailure.apply(e.getCause());
      }
      throw new NodeStartupException(
          "cannot start " + what + ": " + describeChain(e.getCause()), e.getCause());
    } catch (TimeoutException e) {
      throw new NodeStartupException(
          what + " did not start within " + config.startupTimeoutMs()
              + " ms (canopy.node.startup-timeout-ms)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeStartupException("interrupted while starting " + what);
    }
  }

  /** The messages of a failure and its causes, innermost last. */
  private static String describeChain(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null && text.length() < 2_000; t = t.getCause()) {
      text.append(text.length() == 0 ? "" : "; caused by ").append(t);
      if (t.getCause() == t) {
        break;
      }
    }
    return text.toString();
  }

  private static boolean isBindFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException || t instanceof BindFailedException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static void terminate(ActorSystem<?> system, long timeoutMs) {
    CoordinatedShutdown.get(system).run(CoordinatedShutdown.unknownReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("the node did not stop within {} ms (canopy.node.shutdown-timeout-ms)", timeoutMs);
    } catch (ExecutionException e) {
      log.warn("the node stopped with an error", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String hostForUri(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }
}
