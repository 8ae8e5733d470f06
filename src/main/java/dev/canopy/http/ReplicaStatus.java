package dev.canopy.http;

import java.util.OptionalLong;

/** What {@code GET /api/v2/status} reports; the node supplies it, read afresh on every request. */
public interface ReplicaStatus {
  /**
   * The subnet's (root) public key, DER-encoded BLS12-381 G2 key (133 bytes); empty while the
   * subnet's replicas are still generating it.
   */
  java.util.Optional<byte[]> rootKeyDer();

  /** This implementation's version, e.g. {@code 0.1.0}. */
  String implVersion();

  ReplicaHealthStatus healthStatus();

  /** The latest height whose state is certified, once there is one. */
  OptionalLong certifiedHeight();
}
