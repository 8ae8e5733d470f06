package dev.canopy.consensus;

import dev.canopy.types.NodeId;

/**
 * A replica's request that peers resend what it lacks: everything above {@code filterHeight}, the
 * height up to which it has finalized and delivered. Sent periodically, it heals lost messages and
 * lets a replica that was cut off catch up within the peers' retained heights. Unsigned: it only
 * asks, and anyone may ask.
 */
public record RetransmissionRequest(NodeId requester, long filterHeight) {}
