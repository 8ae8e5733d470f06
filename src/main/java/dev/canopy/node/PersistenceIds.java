package dev.canopy.node;

import dev.canopy.types.NodeId;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * Persistence ids for a node's persistent actors. Note: every replica keeps its own copy of each
 * canister, and replicas may share one database, so the id carries the node id (ARCHITECTURE.md
 * §3).
 */
public final class PersistenceIds {
  private PersistenceIds() {}

  /** {@code <entityType>|<entityId>@<nodeId>}, e.g. {@code canister|rrkah-...-cai@<node id>}. */
  public static PersistenceId of(NodeId node, String entityType, String entityId) {
    if (entityId.contains("@")) {
      throw new IllegalArgumentException("entity id must not contain '@': " + entityId);
    }
    return PersistenceId.of(entityType, entityId + "@" + node);
  }
}
