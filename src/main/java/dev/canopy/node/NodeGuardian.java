package dev.canopy.node;

import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The node's guardian actor. It brings the node into its cluster (a dev node, without seed nodes,
 * joins itself and so forms a one-member cluster) and reports when this member is up. The replica's
 * actors start under it: the {@link ConsensusActor} (ingress pool and consensus) and the {@link
 * StateManager} (execution, certification, persistence), which runs on the blocking dispatcher
 * because a round may keep it busy for a while, and the {@link CatchUpActor} (catch-up packages and
 * state sync).
 */
public final class NodeGuardian {
  /** What the guardian handles. */
  public sealed interface Command {}

  /** This node's cluster member has reached Up. */
  record MemberIsUp() implements Command {}

  private NodeGuardian() {}

  /**
   * @param joinSelf whether to form a new cluster (no seed nodes configured)
   * @param replica the replica whose actors to start
   */
  public static Behavior<Command> create(boolean joinSelf, Replica replica) {
    return create(joinSelf, replica, PeerMessages.HONEST, SubnetPeers.Settings.NONE);
  }

  /**
   * As {@link #create(boolean, Replica)}, the consensus actor sending through {@code
   * peerMessages}, and the replica reaching the other members of its subnet at the addresses
   * {@code subnetPeers} lists (see {@link SubnetPeers}).
   */
  static Behavior<Command> create(boolean joinSelf, Replica replica, PeerMessages peerMessages,
      SubnetPeers.Settings subnetPeers) {
    return Behaviors.setup(
        context -> {
          NodeHealth replicaHealth = NodeHealth.get(Adapter.toClassic(context.getSystem()));
          Optional<ActorRef<SubnetPeers.Command>> directory = Optional.empty();
          if (replica.identity().replicaCount() > 1 && !subnetPeers.members().isEmpty()) {
            directory = Optional.of(context.spawn(
                SubnetPeers.create(subnetPeers, replica.identity().genesisId()), SubnetPeers.NAME));
            // Note: such a replica serves once it certifies heights with its peers, whether or
            // not the cluster has admitted it (a restarted member waits for every unreachable
            // one to be removed first; see SubnetPeers).
            replicaHealth.clusterMembershipNotRequired();
          }
          ActorRef<ConsensusActor.Command> consensus =
              context.spawn(ConsensusActor.create(replica, peerMessages, directory), "consensus");
          // Catch-up packages and state sync (a subnet of several replicas); it hashes and
          // copies checkpoints, hence the blocking dispatcher.
          ActorRef<CatchUpActor.Command> catchUp = context.spawn(
              CatchUpActor.create(replica, directory), "catch-up", DispatcherSelector.blocking());
          context.spawn(
              StateManager.create(
                  replica,
                  consensus,
                  catchUp,
                  height -> {
                    replicaHealth.reportCertifiedHeight(height);
                    replicaHealth.markStateLive();
                  }),
              "state-manager",
              DispatcherSelector.blocking());
          replica.consensusStarted(consensus);
          replica.catchUpStarted(catchUp);
          Cluster cluster = Cluster.get(context.getSystem());
          cluster
              .subscriptions()
              .tell(
                  Subscribe.create(
                      context.messageAdapter(SelfUp.class, up -> new MemberIsUp()), SelfUp.class));
          if (joinSelf) {
            cluster.manager().tell(Join.create(cluster.selfMember().address()));
          }
          NodeHealth health = NodeHealth.get(Adapter.toClassic(context.getSystem()));
          return Behaviors.receive(Command.class)
              .onMessage(
                  MemberIsUp.class,
                  up -> {
                    context
                        .getLog()
                        .info("cluster member {} is up", cluster.selfMember().address());
                    health.markMemberUp();
                    return Behaviors.same();
                  })
              .build();
        });
  }
}
