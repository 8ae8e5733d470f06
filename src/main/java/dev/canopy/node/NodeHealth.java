package dev.canopy.node;

import dev.canopy.http.ReplicaHealthStatus;
import java.util.concurrent.CompletableFuture;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;

/**
 * Whether this node is ready, per actor system: the node becomes healthy once its cluster member is
 * up (unless it reaches its subnet's members without the cluster), its HTTP server is bound and its replica has certified a height since it started (so it is
 * not ready while it replays its journal), and stops being ready when it begins to shut down. Read by
 * {@code /api/v2/status} and by Pekko Management's {@code /ready}.
 */
public final class NodeHealth implements Extension {
  /** The extension's id: {@code NodeHealth.ID.get(system)}. */
  public static final Id ID = new Id();

  private final CompletableFuture<Void> memberUp = new CompletableFuture<>();
  private final CompletableFuture<Void> httpBound = new CompletableFuture<>();
  private final CompletableFuture<Void> stateLive = new CompletableFuture<>();
  private final CompletableFuture<Void> healthy =
      CompletableFuture.allOf(memberUp, httpBound, stateLive);
  private volatile boolean stopping;
  private volatile java.util.function.BooleanSupplier keysExist = () -> true;
  private final AtomicLong certifiedHeight = new AtomicLong(-1);

  public static NodeHealth get(ActorSystem system) {
    return ID.get(system);
  }

  public ReplicaHealthStatus status() {
    return healthy.isDone() && !healthy.isCompletedExceptionally()
        ? ReplicaHealthStatus.HEALTHY
        : ReplicaHealthStatus.STARTING;
  }

  /** Healthy and not shutting down: what a load balancer should route to. */
  public boolean isReady() {
    return status() == ReplicaHealthStatus.HEALTHY && !stopping;
  }

  /** Why the node is not ready, in words for an operator; empty when it is ready. */
  public java.util.Optional<String> notReadyReason() {
    if (stopping) {
      return java.util.Optional.of("the node is stopping");
    }
    if (!memberUp.isDone()) {
      return java.util.Optional.of("its cluster member is not up yet");
    }
    if (!httpBound.isDone()) {
      return java.util.Optional.of("its HTTP interface is not bound yet");
    }
    if (!stateLive.isDone() && !keysExist.getAsBoolean()) {
      return java.util.Optional.of("the subnet's replicas are generating its threshold keys"
          + " (distributed key generation in progress)");
    }
    if (!stateLive.isDone()) {
      return java.util.Optional.of(
          "the replica is recovering its state (no height certified since start-up yet)");
    }
    return java.util.Optional.empty();
  }

  /** Completes when the node first becomes healthy. */
  public CompletionStage<Void> whenHealthy() {
    return healthy;
  }

  /** The latest certified height, once state certification has produced one. */
  public OptionalLong certifiedHeight() {
    long height = certifiedHeight.get();
    return height < 0 ? OptionalLong.empty() : OptionalLong.of(height);
  }

  /** Called by state certification; heights only grow. */
  public void reportCertifiedHeight(long height) {
    if (height < 0) {
      throw new IllegalArgumentException("negative height " + height);
    }
    certifiedHeight.accumulateAndGet(height, Math::max);
  }

  /** Where the node learns whether its subnet's threshold keys exist yet. */
  void reportKeysWith(java.util.function.BooleanSupplier keysExist) {
    this.keysExist = keysExist;
  }

  void markMemberUp() {
    memberUp.complete(null);
  }

  /**
   * This node's readiness does not wait for its cluster member to be up: a replica that reaches
   * its subnet's members at their configured addresses serves once it certifies heights.
   */
  void clusterMembershipNotRequired() {
    memberUp.complete(null);
  }

  /**
   * The replica has recovered its state and certified a height of its own since: its
   * certificates now carry a current {@code /time}, which agents require.
   */
  void markStateLive() {
    stateLive.complete(null);
  }

  void markHttpBound() {
    httpBound.complete(null);
  }

  void markStopping() {
    stopping = true;
  }

  /** Classic extension id, so Pekko Management's health checks (given a classic system) find it. */
  public static final class Id extends AbstractExtensionId<NodeHealth>
      implements ExtensionIdProvider {
    private Id() {}

    @Override
    public NodeHealth createExtension(ExtendedActorSystem system) {
      return new NodeHealth();
    }

    @Override
    public Id lookup() {
      return ID;
    }
  }
}
