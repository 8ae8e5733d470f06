package dev.canopy.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Which replicas of this node's subnet are reachable, found at the addresses the configuration
 * lists ({@code canopy.node.cluster.subnet-members}) rather than through Pekko's cluster
 * membership. Each replica runs one, at {@link #NAME} under the guardian; every {@code
 * probeIntervalMs} it sends a {@link Hello} to the one at each configured address, and a member
 * is reachable while a hello from it arrived within {@code expireAfterMs}. Subscribers (the
 * consensus and catch-up actors) hear the reachable members' addresses whenever they change, and
 * reach their counterparts there at their own path ({@link #at}).
 *
 * <p>Note: Pekko admits a restarted replica into the cluster only once its previous incarnation
 * is removed, and the leader removes nothing while any other member is unreachable and not
 * downed. With two of four replicas crashed, the first to restart would wait for the second.
 * Weakly-up members do not help (a new incarnation is not even joining while the old one is a
 * member), and a downing strategy would, with two of four gone, down the survivors (the
 * split-brain resolver's quorum strategies) or quarantine live replicas after a partition
 * (downing whatever is unreachable). Consensus tolerates f faults by itself and checks the
 * signature of every artifact, so finding peers must not wait for membership: Artery delivers
 * between any two actor systems that reach each other, members or not. The cluster (and the
 * Receptionist) still runs beside this; the actors use both. See docs/architecture.md.
 *
 * <p>Only hellos from configured addresses count, as the Receptionist lists only cluster members;
 * nothing a peer sends is trusted beyond that (artifacts, shares and packages are verified).
 */
public final class SubnetPeers {
  /** The actor's name under the guardian, the same on every replica. */
  public static final String NAME = "subnet-peers";

  /** What the actor handles. */
  public sealed interface Command {}

  /**
   * A replica of subnet {@code subnet} (its genesis id, as text) says it is alive; {@code answer}:
   * the receiver should say so back at once (the sender has just found it), not only at its next
   * probe.
   */
  public record Hello(ActorRef<Command> from, String subnet, boolean answer)
      implements Command, CborSerializable {}

  /** {@code subscriber} hears the reachable members now and whenever they change. */
  public record Subscribe(ActorRef<Reachable> subscriber) implements Command {}

  /** The subnet's members (other than this replica) that are reachable, in address order. */
  public record Reachable(List<Address> members) {
    public Reachable {
      members = List.copyOf(members);
    }
  }

  /**
   * Where the subnet's members are and how often to probe them.
   *
   * @param members {@code pekko://canopy@host:port} of each replica (this one's may be among
   *     them); empty: peers come from the cluster's Receptionist alone
   */
  public record Settings(List<String> members, long probeIntervalMs, long expireAfterMs) {
    /** No configured members. */
    public static final Settings NONE = new Settings(List.of(), 500, 5_000);

    public Settings {
      members = List.copyOf(members);
      if (probeIntervalMs <= 0 || expireAfterMs <= probeIntervalMs) {
        throw new IllegalArgumentException("probe every " + probeIntervalMs + " ms, expire after "
            + expireAfterMs + " ms: the expiry must be longer than the probe interval");
      }
    }
  }

  private record Probe() implements Command {}

  private static final int MAX_SUBSCRIBERS = 16;

  private SubnetPeers() {}

  /**
   * The configured member addresses, as Pekko addresses, without {@code self}.
   *
   * @param members {@code pekko://<system>@host:port} strings (validated by {@link NodeConfig})
   */
  static List<Address> others(List<String> members, Address self) {
    Set<String> seen = new TreeSet<>();
    List<Address> others = new ArrayList<>();
    for (String m : members) {
      Address a = AddressFromURIString.parse(m);
      if (!a.equals(self) && seen.add(a.toString())) {
        others.add(a);
      }
    }
    return List.copyOf(others);
  }

  /**
   * The actor at {@code address} that has the path {@code local} has here: the counterpart of a
   * local actor on another replica, whichever incarnation of that replica runs there.
   */
  public static <T> ActorRef<T> at(ActorSystem<?> system, Address address, ActorRef<T> local) {
    return ActorRefResolver.get(system).resolveActorRef(
        local.path().toStringWithAddress(address));
  }

  /**
   * The directory of the members {@code settings} lists, other than this replica, that are
   * replicas of {@code subnet} (named by its genesis id).
   *
   * <p>Note: a configured address that runs a replica of another subnet (the seed nodes, the
   * default list, may be any members of the cluster) is never listed, so no peer slot goes to it.
   */
  public static Behavior<Command> create(Settings settings, dev.canopy.types.SubnetId subnet) {
    long probeIntervalMs = settings.probeIntervalMs();
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      context.setLoggerName(SubnetPeers.class);
      List<Address> members = others(settings.members(), context.getSystem().address());
      State state = new State(context, members, subnet.toString(), settings.expireAfterMs());
      if (!members.isEmpty()) {
        state.probe(true);
        timers.startTimerWithFixedDelay(new Probe(), Duration.ofMillis(probeIntervalMs));
      }
      return Behaviors.receive(Command.class)
          .onMessage(Probe.class, p -> {
            state.probe(false);
            return Behaviors.same();
          })
          .onMessage(Hello.class, hello -> {
            state.onHello(hello);
            return Behaviors.same();
          })
          .onMessage(Subscribe.class, s -> {
            state.subscribe(s.subscriber());
            return Behaviors.same();
          })
          .build();
    }));
  }

  /**
   * One actor's peers (its counterparts on the other replicas) as two sources list them, the
   * cluster's Receptionist and a {@link SubnetPeers}, merged: one ref per actor path (with its
   * address, without an incarnation's uid), in path order, at most {@code max}. A peer either
   * source lists is a peer; for a path both list, the directory's ref (which reaches whichever
   * incarnation runs there) is used.
   */
  static final class Merged<T> {
    private final ActorRef<T> self;
    private final int max;
    private final Map<String, ActorRef<T>> fromCluster = new LinkedHashMap<>();
    private final Map<String, ActorRef<T>> fromDirectory = new LinkedHashMap<>();
    private List<ActorRef<T>> ordered = List.of();

    Merged(ActorRef<T> self, int max) {
      this.self = self;
      this.max = max;
    }

    /** Replaces what one source lists; true if the merged peers changed. */
    boolean update(boolean cluster, java.util.Collection<ActorRef<T>> refs) {
      Map<String, ActorRef<T>> target = cluster ? fromCluster : fromDirectory;
      target.clear();
      for (ActorRef<T> ref : refs) {
        if (!ref.equals(self)) {
          target.put(ref.path().toString(), ref);
        }
      }
      java.util.TreeMap<String, ActorRef<T>> byPath = new java.util.TreeMap<>(fromCluster);
      byPath.putAll(fromDirectory);
      List<ActorRef<T>> next = List.copyOf(new ArrayList<>(byPath.values())
          .subList(0, Math.min(max, byPath.size())));
      boolean changed = !next.equals(ordered);
      ordered = next;
      return changed;
    }

    /** The peers in the order of their paths (so of their addresses). */
    List<ActorRef<T>> ordered() {
      return ordered;
    }

    /** The position of the peer at {@code ref}'s path in {@link #ordered}, or -1. */
    int positionOf(ActorRef<?> ref) {
      String path = ref.path().toString();
      for (int i = 0; i < ordered.size(); i++) {
        if (ordered.get(i).path().toString().equals(path)) {
          return i;
        }
      }
      return -1;
    }
  }

  private static final class State {
    private final ActorContext<Command> context;
    // member address → its directory (whichever incarnation runs there)
    private final Map<Address, ActorRef<Command>> directories = new LinkedHashMap<>();
    // member address → when a hello from it last arrived (System.nanoTime)
    private final Map<Address, Long> heardAtNs = new LinkedHashMap<>();
    private final long expireAfterNs;
    private final String subnet;
    private final List<ActorRef<Reachable>> subscribers = new ArrayList<>();
    private List<Address> reachable = List.of();

    State(ActorContext<Command> context, List<Address> members, String subnet, long expireAfterMs) {
      this.context = context;
      this.subnet = subnet;
      this.expireAfterNs = expireAfterMs * 1_000_000L;
      for (Address a : members) {
        directories.put(a, at(context.getSystem(), a, context.getSelf()));
      }
    }

    void probe(boolean answer) {
      for (ActorRef<Command> directory : directories.values()) {
        directory.tell(new Hello(context.getSelf(), subnet, answer));
      }
      publishIfChanged();
    }

    void onHello(Hello hello) {
      if (hello.from() == null) {
        return;
      }
      Address from = hello.from().path().address();
      if (!directories.containsKey(from)) {
        context.getLog().debug("ignoring a hello from {}, not a configured member of the subnet",
            from);
        return;
      }
      if (!subnet.equals(hello.subnet())) {
        context.getLog().debug("ignoring a hello from {}, a replica of subnet {}", from,
            hello.subnet());
        return;
      }
      boolean wasReachable = reachable.contains(from);
      heardAtNs.put(from, System.nanoTime());
      if (hello.answer() || !wasReachable) {
        // A replica that has just started learns of this one without waiting for its probe.
        hello.from().tell(new Hello(context.getSelf(), subnet, false));
      }
      publishIfChanged();
    }

    void subscribe(ActorRef<Reachable> subscriber) {
      if (subscribers.size() >= MAX_SUBSCRIBERS) {
        throw new IllegalStateException("more than " + MAX_SUBSCRIBERS + " subscribers");
      }
      subscribers.add(subscriber);
      subscriber.tell(new Reachable(reachable));
    }

    private void publishIfChanged() {
      long now = System.nanoTime();
      List<Address> next = new ArrayList<>();
      for (Map.Entry<Address, Long> e : heardAtNs.entrySet()) {
        if (now - e.getValue() <= expireAfterNs) {
          next.add(e.getKey());
        }
      }
      next.sort(java.util.Comparator.comparing(Address::toString));
      if (next.equals(reachable)) {
        return;
      }
      List<Address> gone = new ArrayList<>(reachable);
      gone.removeAll(next);
      List<Address> come = new ArrayList<>(next);
      come.removeAll(reachable);
      context.getLog().info("{} of {} other replica(s) of the subnet reachable{}{}", next.size(),
          directories.size(), come.isEmpty() ? "" : "; reached " + come,
          gone.isEmpty() ? "" : "; lost " + gone);
      reachable = List.copyOf(next);
      Reachable message = new Reachable(reachable);
      for (ActorRef<Reachable> s : subscribers) {
        s.tell(message);
      }
    }
  }
}
