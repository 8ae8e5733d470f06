package dev.canopy.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * Pekko Management health checks ({@code /ready}, {@code /alive}), named in conf/application.conf
 * under {@code pekko.management.health-checks}. Management instantiates them with the actor system.
 */
public final class NodeHealthChecks {
  private NodeHealthChecks() {}

  /** Ready: the node is healthy and not shutting down. */
  public static final class Readiness implements Supplier<CompletionStage<Boolean>> {
    private final NodeHealth health;

    public Readiness(ActorSystem system) {
      this.health = NodeHealth.get(system);
    }

    @Override
    public CompletionStage<Boolean> get() {
      // A failed stage carries the reason, which /ready shows (HealthRoutes).
      return health.notReadyReason()
          .<CompletionStage<Boolean>>map(
              reason -> CompletableFuture.failedFuture(new NotReadyException(reason)))
          .orElseGet(() -> CompletableFuture.completedFuture(true));
    }
  }

  /** Why a readiness check failed. */
  static final class NotReadyException extends dev.canopy.types.CanopyException {
    NotReadyException(String reason) {
      super(reason);
    }
  }

  /** Alive: the actor system runs (a node that is starting is alive but not ready). */
  public static final class Liveness implements Supplier<CompletionStage<Boolean>> {
    private final ActorSystem system;

    public Liveness(ActorSystem system) {
      this.system = system;
    }

    @Override
    public CompletionStage<Boolean> get() {
      return CompletableFuture.completedFuture(!system.whenTerminated().isCompleted());
    }
  }
}
