package dev.canopy.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.random.RandomGenerator;

/**
 * A subnet of several replicas in one process ({@code canopy start --replicas n}): each replica is
 * a {@link Node} of its own (own actor system and cluster member, Artery on the configured host,
 * data directory {@code <data-dir>/replica-<i>}, HTTP port {@code port + i}), and together they
 * form one cluster whose seed is replica 0.
 *
 * <p>Ports: with a configured HTTP port p, replica i serves HTTP on p + i and Pekko Management on
 * p + n + i; the cluster port, if configured as c, is c + i. Port 0 (tests) gives every replica
 * free ports; the cluster ports are then picked before start so that every replica knows the
 * seed's address.
 *
 * <p>The subnet's genesis ({@link Genesis#loadOrCreateSubnetGenesis}) gives each replica only its
 * own node and DKG keys and the shared membership; the replicas then generate the subnet's
 * threshold keys among themselves through consensus before they serve anything.
 */
public final class LocalSubnet implements AutoCloseable {
  /** The most replicas one process runs. */
  public static final int MAX_REPLICAS = 64;

  private final List<Node> nodes;
  private final List<NodeConfig> configs;

  private LocalSubnet(List<Node> nodes, List<NodeConfig> configs) {
    this.nodes = new java.util.concurrent.CopyOnWriteArrayList<>(nodes);
    this.configs = List.copyOf(configs);
  }

  /** The data directory of replica {@code index} under the subnet's data directory. */
  public static Path replicaDir(Path dataDir, int index) {
    return dataDir.resolve("replica-" + index);
  }

  public static LocalSubnet start(NodeConfig base, int replicas) {
    return start(base, replicas, new SecureRandom());
  }

  /**
   * Creates or loads the subnet's genesis and starts every replica; returns once all are healthy (a
   * replica is healthy once its first height is certified, which needs the key generation to have
   * closed and n − f replicas to sign).
   *
   * @throws NodeStartupException if a replica cannot start; the others are stopped again
   */
  public static LocalSubnet start(NodeConfig base, int replicas, RandomGenerator random) {
    return start(base, replicas, random, index -> replica -> PeerMessages.HONEST);
  }

  /**
   * As {@link #start(NodeConfig, int, RandomGenerator)}, with replica {@code i} sending to its
   * peers through what {@code peerMessages.apply(i)} makes for it (see {@link
   * Node#start(NodeConfig, RandomGenerator, java.util.function.Function)}); only the tests pass
   * anything but honest replicas. A replica {@link #restart restarted} later is honest.
   */
  public static LocalSubnet start(NodeConfig base, int replicas, RandomGenerator random,
      java.util.function.IntFunction<java.util.function.Function<Replica, PeerMessages>> peerMessages) {
    if (replicas < 2 || replicas > MAX_REPLICAS) {
      throw new NodeConfigException("--replicas", "must be between 2 and " + MAX_REPLICAS
          + " for a local subnet, got " + replicas);
    }
    createGenesis(base, replicas, random);
    List<Integer> clusterPorts = clusterPorts(base, replicas);
    List<NodeConfig> configs = replicaConfigs(base, replicas, clusterPorts);
    // Every replica waits for the others to certify its first height, so they start together.
    ExecutorService starter = Executors.newFixedThreadPool(replicas, r -> {
      Thread t = new Thread(r, "canopy-replica-start");
      t.setDaemon(true);
      return t;
    });
    List<CompletableFuture<Node>> starting = new ArrayList<>();
    try {
      for (int i = 0; i < replicas; i++) {
        NodeConfig config = configs.get(i);
        var messages = peerMessages.apply(i);
        starting.add(CompletableFuture.supplyAsync(() -> Node.start(config, random, messages),
            starter));
      }
      List<Node> started = new ArrayList<>();
      RuntimeException failure = null;
      for (CompletableFuture<Node> f : starting) {
        try {
          started.add(f.get());
        } catch (ExecutionException e) {
          failure = failure != null ? failure : e.getCause() instanceof RuntimeException r
              ? r : new NodeStartupException("a replica failed to start: " + e.getCause(), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failure = new NodeStartupException("interrupted while starting the replicas");
        }
      }
      if (failure != null) {
        started.forEach(Node::close);
        throw failure;
      }
      return new LocalSubnet(started, configs);
    } finally {
      starter.shutdown();
    }
  }

  /**
   * Creates the genesis of a new subnet of {@code replicas} in {@code <data-dir>/replica-<i>} (each
   * replica's node and DKG keys under its {@code keys/}, the shared {@code genesis.cbor}), or loads
   * it if it is there already; for replicas that run as separate processes, each on its {@code
   * replica-<i>} directory (conf/examples). The canister range is the configured one.
   */
  public static SubnetGenesis createGenesis(NodeConfig base, int replicas, RandomGenerator random) {
    if (replicas < 2 || replicas > MAX_REPLICAS) {
      throw new NodeConfigException("--replicas", "must be between 2 and " + MAX_REPLICAS
          + " for a subnet of several replicas, got " + replicas);
    }
    List<Path> dirs = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      dirs.add(replicaDir(base.dataDir(), i));
    }
    return Genesis.loadOrCreateSubnetGenesis(dirs,
        new dev.canopy.types.CanisterIdRange(
            dev.canopy.types.CanisterId.fromIndex(base.replica().firstCanisterIndex()),
            dev.canopy.types.CanisterId.fromIndex(base.replica().lastCanisterIndex())),
        dev.canopy.consensus.KeyGeneration.Schedule.defaults(), random);
  }

  /**
   * Each replica's configuration: its data directory, ports, the subnet's seed (replica 0) and
   * every replica's address (the subnet's members, which reach each other without the cluster).
   */
  static List<NodeConfig> replicaConfigs(NodeConfig base, int replicas, List<Integer> clusterPorts) {
    List<String> addresses = new ArrayList<>();
    for (int port : clusterPorts) {
      addresses.add("pekko://" + NodeConfig.ACTOR_SYSTEM_NAME + "@" + base.cluster().host() + ":"
          + port);
    }
    String seed = addresses.get(0);
    List<NodeConfig> configs = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      Map<String, Object> overrides = new LinkedHashMap<>();
      overrides.put("canopy.node.data-dir", replicaDir(base.dataDir(), i).toString());
      int http = base.http().port();
      overrides.put("canopy.node.http.port", http == 0 ? 0 : http + i);
      overrides.put("canopy.node.management.port", http == 0 ? 0 : http + replicas + i);
      // The base configuration is resolved already: Pekko Management's own port, a substitution
      // of the one above, must be set too (else every replica would bind the base's port).
      overrides.put("pekko.management.http.port", http == 0 ? 0 : http + replicas + i);
      overrides.put("canopy.node.cluster.port", clusterPorts.get(i));
      overrides.put("pekko.remote.artery.canonical.port", clusterPorts.get(i));
      overrides.put("canopy.node.cluster.seed-nodes", List.of(seed));
      overrides.put("pekko.cluster.seed-nodes", List.of(seed));
      overrides.put("canopy.node.cluster.subnet-members", addresses);
      configs.add(base.withOverrides(overrides));
    }
    return configs;
  }

  private static List<Integer> clusterPorts(NodeConfig base, int replicas) {
    List<Integer> ports = new ArrayList<>();
    if (base.cluster().port() != 0) {
      for (int i = 0; i < replicas; i++) {
        ports.add(base.cluster().port() + i);
      }
      return ports;
    }
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < replicas; i++) {
        ServerSocket socket = new ServerSocket();
        held.add(socket);
        socket.bind(new InetSocketAddress(base.cluster().host(), 0));
        ports.add(socket.getLocalPort());
      }
    } catch (IOException e) {
      throw new NodeStartupException("cannot find free cluster ports: " + e, e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return ports;
  }

  /** The replicas, replica i at index i. */
  public List<Node> nodes() {
    return nodes;
  }

  public Node node(int index) {
    return nodes.get(index);
  }

  /**
   * Stops replica {@code index} (if running) and starts it again on its data directory; returns
   * once it is healthy again, i.e. has caught up far enough to certify a height with its peers.
   * Note: replica 0 is the cluster's seed; restarted alone it would form a cluster of its own.
   */
  public Node restart(int index) {
    if (index == 0) {
      throw new IllegalArgumentException("replica 0 is the seed node and cannot rejoin alone");
    }
    nodes.get(index).close();
    Node node = Node.start(configs.get(index), new SecureRandom());
    nodes.set(index, node);
    return node;
  }

  /** Stops every replica that is still running. */
  @Override
  public void close() {
    for (Node node : nodes) {
      node.close();
    }
  }
}
