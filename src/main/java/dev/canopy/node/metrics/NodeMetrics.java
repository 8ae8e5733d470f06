package dev.canopy.node.metrics;

import dev.canopy.http.RequestMetrics;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * The node's metrics, one registry per actor system, served as {@code GET /metrics} on the Pekko
 * Management port (named in conf/application.conf under {@code pekko.management.http.routes}).
 *
 * <p>The HTTP interface reports through {@link #requests()}, the state manager through {@link
 * #heightExecuted}, {@link #heightCertified}, {@link #checkpointTaken}, {@link #stateAt}; other readings are
 * registered as gauges over their source ({@link #registry()}).
 */
public final class NodeMetrics implements ManagementRouteProvider {
  /** The extension's id: {@code NodeMetrics.ID.get(system)}. */
  public static final Id ID = new Id();

  /** Latency buckets in seconds: queries take milliseconds, synchronous calls up to their timeout. */
  public static final double[] LATENCY_BUCKETS_SECONDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
  };

  private final Metrics registry = new Metrics();
  private final Metrics.Gauge certifiedHeight = registry.gauge("canopy_certified_height",
      "The latest height this node has certified (and serves).");
  private final Metrics.Gauge executedHeight = registry.gauge("canopy_executed_height",
      "The height of the replicated state after the last executed batch, replayed ones included.");
  private final Metrics.Gauge checkpointHeight = registry.gauge("canopy_checkpoint_height",
      "The height of the latest checkpoint of the replicated state saved or recovered.");
  private final Metrics.Gauge canisters = registry.gauge("canopy_canisters",
      "Canisters in the replicated state at the executed height.");
  private final Metrics.Gauge catchUpPackageHeight = registry.gauge(
      "canopy_catch_up_package_height",
      "The height of the newest catch-up package this node knows (signed with its peers or received).");
  private final Metrics.Family<Metrics.Counter> stateSyncs = registry.counterFamily(
      "canopy_state_syncs_total",
      "States fetched from peers through a catch-up package, by outcome (installed, failed).",
      "outcome");
  private final Metrics.Family<Metrics.Counter> stateSyncChunks = registry.counterFamily(
      "canopy_state_sync_chunks_total",
      "State sync chunks (and manifests) received from peers, by result (accepted, rejected).",
      "result");
  private final Metrics.Counter stateSyncChunksServed = registry.counter(
      "canopy_state_sync_chunks_served_total",
      "State sync chunks (and manifests) this node served to its peers.");
  private final Metrics.Counter instructions = registry.counter(
      "canopy_instructions_executed_total",
      "Wasm instructions executed by rounds, replayed rounds included.");
  private final Metrics.Counter rounds = registry.counter("canopy_rounds_executed_total",
      "Rounds (finalized batches) executed, replayed ones included.");
  private final Metrics.Counter callsAccepted = registry.counter(
      "canopy_ingress_messages_accepted_total",
      "Calls (ingress messages) the node accepted: answered 202 or with a certified outcome.");
  private final Metrics.Family<Metrics.Counter> callsRejected = registry.counterFamily(
      "canopy_ingress_messages_rejected_total",
      "Calls the node refused, by HTTP status answered and reason class.", "status", "reason");
  private final Metrics.Histogram callLatency = registry.histogram(
      "canopy_call_duration_seconds", "Time to answer a call, from request to response.",
      LATENCY_BUCKETS_SECONDS);
  private final Metrics.Family<Metrics.Counter> queries = registry.counterFamily(
      "canopy_queries_total", "Queries answered, by HTTP status.", "status");
  private final Metrics.Histogram queryLatency = registry.histogram(
      "canopy_query_duration_seconds", "Time to answer a query, from request to response.",
      LATENCY_BUCKETS_SECONDS);

  private final RequestMetrics requests = new RequestMetrics() {
    @Override
    public void callAccepted(double seconds) {
      callsAccepted.increment();
      callLatency.observe(seconds);
    }

    @Override
    public void callRejected(int httpStatus, String reasonClass, double seconds) {
      callsRejected.labels(Integer.toString(httpStatus), reasonClass).increment();
      callLatency.observe(seconds);
    }

    @Override
    public void queryAnswered(int httpStatus, double seconds) {
      queries.labels(Integer.toString(httpStatus)).increment();
      queryLatency.observe(seconds);
    }
  };

  NodeMetrics() {}

  public static NodeMetrics get(ActorSystem system) {
    return ID.get(system);
  }

  public Metrics registry() {
    return registry;
  }

  /** What the HTTP interface reports to. */
  public RequestMetrics requests() {
    return requests;
  }

  /** A round ran (live or in recovery) and reached {@code height}. */
  public void heightExecuted(long height, long instructionsUsed, int canisterCount) {
    executedHeight.set(height);
    canisters.set(canisterCount);
    instructions.add(instructionsUsed);
    rounds.increment();
  }

  /** The state at {@code height} is certified and served (the recovered height included). */
  public void heightCertified(long height) {
    certifiedHeight.set(height);
  }

  /** A checkpoint of {@code height} was saved, or recovered from. */
  public void checkpointTaken(long height) {
    checkpointHeight.set(height);
  }

  /** The state is at {@code height} without a round (recovered from a checkpoint). */
  public void stateAt(long height, int canisterCount) {
    executedHeight.set(height);
    canisters.set(canisterCount);
  }

  /** The newest catch-up package this node knows is of {@code height}. */
  public void catchUpPackage(long height) {
    catchUpPackageHeight.set(height);
  }

  /** A state sync ended: {@code installed} or {@code failed}. */
  public void stateSync(String outcome) {
    stateSyncs.labels(outcome).increment();
  }

  /** A chunk or manifest from a peer was {@code accepted} or {@code rejected}. */
  public void stateSyncChunk(String result) {
    stateSyncChunks.labels(result).increment();
  }

  /** A chunk or manifest was served to a peer. */
  public void stateSyncChunkServed() {
    stateSyncChunksServed.increment();
  }

  /** Registers {@code canopy_ready}: 1 while {@code ready} says the node should get traffic. */
  public void readiness(java.util.function.BooleanSupplier ready) {
    registry.gauge("canopy_ready",
        "1 when the node is ready (recovered, certifying live heights, not stopping), else 0.",
        () -> ready.getAsBoolean() ? 1 : 0);
  }

  /** {@code GET /metrics} for Pekko Management. */
  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return new MetricsRoute(registry).route();
  }

  /** The {@code /metrics} route over a registry. */
  static final class MetricsRoute extends AllDirectives {
    static final ContentType CONTENT_TYPE =
        ContentTypes.parse("text/plain; version=0.0.4; charset=UTF-8");
    private final Metrics registry;

    MetricsRoute(Metrics registry) {
      this.registry = registry;
    }

    Route route() {
      return path("metrics", () -> get(() -> complete(
          HttpResponse.create().withEntity(HttpEntities.create(
              CONTENT_TYPE, registry.render().getBytes(java.nio.charset.StandardCharsets.UTF_8))))));
    }
  }

  /** Classic extension id; Pekko Management finds the route provider through it. */
  public static final class Id extends AbstractExtensionId<NodeMetrics>
      implements ExtensionIdProvider {
    public Id() {}

    @Override
    public NodeMetrics createExtension(ExtendedActorSystem system) {
      return new NodeMetrics();
    }

    @Override
    public Id lookup() {
      return ID;
    }
  }
}
