package dev.canopy.agent;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code GET /api/v2/status} says about a node (spec "Status endpoint"): the root key it
 * certifies with (development instances), its health, version, and certified height.
 */
public record NodeStatus(
    String icApiVersion,
    Optional<byte[]> rootKeyDer,
    Optional<String> replicaHealthStatus,
    Optional<String> implVersion,
    OptionalLong certifiedHeight) {

  public boolean isHealthy() {
    return replicaHealthStatus.map("healthy"::equals).orElse(false);
  }
}
