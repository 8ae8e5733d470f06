package dev.canopy.node;

import java.util.List;

/**
 * How a replica's {@link ConsensusActor} hands a message to one of its peer replicas: artifacts,
 * certification shares, gossiped calls, retransmission requests and answers. A replica sends
 * every message unchanged ({@link #HONEST}); nothing in the production code selects anything else.
 *
 * <p>Note: this is the seam through which the cluster tests run a Byzantine replica as a separate
 * process (one that equivocates, signs conflicting shares, sends bad signatures or goes silent,
 * with its real keys). Those behaviours live in the test sources only, so no build of the node
 * can be configured into misbehaving; the tests start their Byzantine replica from the test class
 * path (see ClusterProcessTest).
 */
@FunctionalInterface
public interface PeerMessages {
  /** Sends every message as it is. */
  PeerMessages HONEST = (message, peer) -> List.of(message);

  /**
   * The messages to send to the peer at position {@code peer} (its place among the peers this
   * replica knows, in the order of their addresses; -1 for a peer not among them) in place of
   * {@code message}.
   */
  List<ConsensusActor.Command> toPeer(ConsensusActor.Command message, int peer);
}
