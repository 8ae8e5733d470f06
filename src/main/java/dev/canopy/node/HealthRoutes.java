package dev.canopy.node;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.HealthCheckSettings;
import org.apache.pekko.management.javadsl.CheckResult;
import org.apache.pekko.management.javadsl.HealthChecks;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * {@code GET /ready}, {@code /alive} and {@code /startup} on the Pekko Management port, in place of
 * Management's own health-check routes (conf/application.conf names this provider under {@code
 * pekko.management.http.routes.health-checks}). The checks are the same, configured under {@code
 * pekko.management.health-checks} ({@link NodeHealthChecks}); the answer differs: 200 when they
 * pass, 503 with the failing check's reason when not.
 *
 * <p>Note: Management answers a failed check with 500, which reads as a broken node; a node that
 * is still recovering its state is working as intended and should only be kept out of rotation,
 * which 503 ("Service Unavailable", retry later) says.
 */
public final class HealthRoutes extends AllDirectives implements ManagementRouteProvider {
  /** The extension's id; Pekko Management finds the route provider through it. */
  public static final Id ID = new Id();

  private final HealthChecks checks;
  private final HealthCheckSettings settings;

  private HealthRoutes(ExtendedActorSystem system) {
    this.settings = HealthCheckSettings.create(
        system.settings().config().getConfig("pekko.management.health-checks"));
    this.checks = new HealthChecks(system, settings);
  }

  @Override
  public Route routes(ManagementRouteProviderSettings routeSettings) {
    return concat(
        check(settings.readinessPath(), checks::readyResult),
        check(settings.livenessPath(), checks::aliveResult),
        check(settings.startupPath(), checks::startupResult));
  }

  private Route check(String path, Supplier<CompletionStage<CheckResult>> result) {
    return path(path, () -> get(() -> completeWithFuture(result.get()
        .thenApply(r -> r.isSuccess()
            ? text(200, "OK")
            : text(503, "Not ready: " + r.failure().orElse("a check failed")))
        .exceptionally(failure -> text(503, "Not ready: " + failure.getMessage())))));
  }

  private static HttpResponse text(int status, String body) {
    return HttpResponse.create()
        .withStatus(StatusCodes.get(status))
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, body + "\n"));
  }

  /** Classic extension id (Management loads it by class name). */
  public static final class Id extends AbstractExtensionId<HealthRoutes>
      implements ExtensionIdProvider {
    public Id() {}

    @Override
    public HealthRoutes createExtension(ExtendedActorSystem system) {
      return new HealthRoutes(system);
    }

    @Override
    public Id lookup() {
      return ID;
    }
  }
}
