package dev.canopy.cli;

import dev.canopy.node.LocalSubnet;
import dev.canopy.node.Node;
import dev.canopy.node.NodeConfig;
import dev.canopy.node.NodeStartupException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code canopy start}: runs a node in the foreground until Ctrl-C (or SIGTERM), which stops it
 * cleanly through Pekko's coordinated shutdown.
 */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    description = "Run a node in the foreground; Ctrl-C stops it.")
final class StartCommand implements Callable<Integer> {
  /** Exit status when the node cannot start for a reason the message explains. */
  static final int EXIT_STARTUP_FAILED = 1;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "HTTP port of the Internet Computer interface (configured default: 4943).")
  Integer port;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Directory for the node's keys and database (default: data).")
  Path dataDir;

  @Option(
      names = "--replicas",
      paramLabel = "N",
      description =
          "Run a subnet of N replicas in this process (default: 1). Replica i keeps its data in"
              + " <data-dir>/replica-i and serves HTTP on PORT + i (Pekko Management on PORT + N"
              + " + i); use N = 3f + 1 (4, 7, ...) to tolerate f faulty replicas.")
  int replicas = 1;

  @Option(
      names = "--genesis-only",
      description =
          "With --replicas N: deal the subnet's keys into <data-dir>/replica-i/keys and exit, to"
              + " run the replicas as separate processes (see conf/examples). Phase 1: a trusted"
              + " dealer in this process deals them.")
  boolean genesisOnly;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "Configuration file (default: conf/application.conf in CANOPY_HOME, else in the current"
              + " directory).")
  Path configFile;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (genesisOnly) {
      return dealKeys(out, err);
    }
    if (replicas != 1) {
      return startSubnet(out, err);
    }
    Node node;
    try {
      node = Node.start(NodeConfig.load(configFile(), overrides()));
    } catch (NodeStartupException e) {
      err.println("canopy: cannot start the node: " + e.getMessage());
      err.flush();
      return EXIT_STARTUP_FAILED;
    }
    double seconds = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
    out.printf(
        "Canopy node %s is healthy at %s (%.1f s after launch); Ctrl-C stops it.%n",
        node.nodeId(), node.httpUri(), seconds);
    out.flush();
    // Ctrl-C and SIGTERM run coordinated shutdown from the JVM's shutdown hook.
    node.whenTerminated().toCompletableFuture().join();
    return 0;
  }

  private Integer dealKeys(PrintWriter out, PrintWriter err) {
    try {
      NodeConfig config = NodeConfig.load(configFile(), overrides());
      var keys = LocalSubnet.dealKeys(config.dataDir(), replicas, new java.security.SecureRandom());
      out.printf("Subnet %s: keys of %d replicas in %s%n", keys.get(0).subnetId(), keys.size(),
          LocalSubnet.replicaDir(config.dataDir(), 0).getParent().resolve("replica-<i>/keys"));
      out.flush();
      return 0;
    } catch (NodeStartupException e) {
      err.println("canopy: cannot deal the subnet's keys: " + e.getMessage());
      err.flush();
      return EXIT_STARTUP_FAILED;
    }
  }

  private Integer startSubnet(PrintWriter out, PrintWriter err) {
    LocalSubnet subnet;
    try {
      subnet = LocalSubnet.start(NodeConfig.load(configFile(), overrides()), replicas);
    } catch (NodeStartupException e) {
      err.println("canopy: cannot start the subnet: " + e.getMessage());
      err.flush();
      return EXIT_STARTUP_FAILED;
    }
    double seconds = ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
    out.printf("Canopy subnet %s of %d replicas is healthy (%.1f s after launch); Ctrl-C stops it.%n",
        subnet.node(0).subnetId(), replicas, seconds);
    for (int i = 0; i < replicas; i++) {
      out.printf("  replica %d: node %s at %s%n", i, subnet.node(i).nodeId(), subnet.node(i).httpUri());
    }
    out.flush();
    for (Node node : subnet.nodes()) {
      node.whenTerminated().toCompletableFuture().join();
    }
    return 0;
  }

  private Path configFile() {
    if (configFile != null) {
      return configFile;
    }
    String home = System.getenv("CANOPY_HOME");
    Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home);
    return base.resolve("conf").resolve("application.conf");
  }

  private Map<String, Object> overrides() {
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (port != null) {
      overrides.put("canopy.node.http.port", port);
    }
    if (dataDir != null) {
      overrides.put("canopy.node.data-dir", dataDir.toAbsolutePath().toString());
    }
    return overrides;
  }
}
