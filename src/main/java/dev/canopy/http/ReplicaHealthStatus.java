package dev.canopy.http;

/**
 * The {@code replica_health_status} of {@code /api/v2/status}. Tools (dfx, icp-cli) poll until it
 * reads {@code healthy} (interface spec, "Status endpoint").
 */
public enum ReplicaHealthStatus {
  /** The node is starting: its cluster, store or HTTP server is not ready yet. */
  STARTING("starting"),
  /** The node serves requests. */
  HEALTHY("healthy");

  private final String wireName;

  ReplicaHealthStatus(String wireName) {
    this.wireName = wireName;
  }

  /** The value as the status endpoint reports it. */
  public String wireName() {
    return wireName;
  }
}
