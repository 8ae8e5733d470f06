package dev.canopy.cli;

import dev.canopy.agent.Agent;
import dev.canopy.node.LocalSubnet;
import dev.canopy.node.Node;
import dev.canopy.node.NodeConfig;
import dev.canopy.node.NodeStartupException;
import dev.canopy.node.StoreSettings;
import dev.canopy.types.CanopyException;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code canopy start}: runs a node in the foreground until Ctrl-C (or SIGTERM), which stops it
 * cleanly through Pekko's coordinated shutdown; with {@code --background}, starts it as a separate
 * process, waits until it is healthy, and returns ({@code canopy stop} ends it).
 */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    description = "Run a node in the foreground (Ctrl-C stops it), or in the background.")
final class StartCommand implements Callable<Integer> {
  /** Exit status when the node cannot start for a reason the message explains. */
  static final int EXIT_STARTUP_FAILED = 1;
  static final String LOG_FILE = "canopy.log";
  static final long BACKGROUND_STARTUP_TIMEOUT_MS = 180_000;

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
      names = "--config",
      paramLabel = "FILE",
      description =
          "Configuration file (default: conf/application.conf in CANOPY_HOME, else in the current"
              + " directory).")
  Path configFile;

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
          "With --replicas N: create the subnet's genesis in <data-dir>/replica-i (each replica's"
              + " node and DKG keys, and the shared membership) and exit, to run the replicas as"
              + " separate processes (see conf/examples). The replicas generate the subnet's"
              + " threshold keys among themselves when they first run.")
  boolean genesisOnly;

  @Option(
      names = "--background",
      description = "Start the node as a separate process and return once it is healthy.")
  boolean background;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CliEnvironment env = Main.environment(spec);
    NodeConfig config;
    try {
      config = NodeConfig.load(configFile(env, configFile), overrides(env));
    } catch (NodeStartupException e) {
      err.println("canopy: cannot start the node: " + e.getMessage());
      err.flush();
      return EXIT_STARTUP_FAILED;
    }
    if (genesisOnly) {
      return createGenesis(config, out, err);
    }
    if (replicas != 1) {
      if (background) {
        err.println("canopy: --background is for a single node; run a subnet in the foreground");
        err.flush();
        return EXIT_STARTUP_FAILED;
      }
      out.println(effectiveConfiguration(config));
      out.flush();
      return startSubnet(config, out, err);
    }
    if (background) {
      return startInBackground(config, env, out, err);
    }
    out.println(effectiveConfiguration(config));
    out.flush();
    Node node;
    try {
      node = Node.start(config);
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

  private Integer createGenesis(NodeConfig config, PrintWriter out, PrintWriter err) {
    try {
      var genesis = LocalSubnet.createGenesis(config, replicas, new java.security.SecureRandom());
      out.printf("Subnet genesis %s: %d replicas in %s; the replicas generate the subnet's keys (and its"
          + " id, the root key's) when they first run together%n", genesis.genesisId(), genesis.size(),
          LocalSubnet.replicaDir(config.dataDir(), 0).getParent().resolve("replica-<i>"));
      out.flush();
      return 0;
    } catch (NodeStartupException e) {
      err.println("canopy: cannot create the subnet's genesis: " + e.getMessage());
      err.flush();
      return EXIT_STARTUP_FAILED;
    }
  }

  private Integer startSubnet(NodeConfig config, PrintWriter out, PrintWriter err) {
    LocalSubnet subnet;
    try {
      subnet = LocalSubnet.start(config, replicas);
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

  /** The values people check first: where it listens, where it keeps its data, which store. */
  static String effectiveConfiguration(NodeConfig config) {
    String store = config.store() instanceof StoreSettings.H2 h2
        ? "h2 (" + h2.databaseDir() + ")"
        : "postgres";
    return "Configuration: HTTP " + config.http().host() + ":" + config.http().port()
        + ", management (/ready, /alive) " + config.management().host() + ":"
        + config.management().port()
        + ", metrics http://" + config.management().host() + ":" + config.management().port()
        + "/metrics"
        + ", data directory " + config.dataDir().toAbsolutePath()
        + ", store " + store + ", request timeout " + config.requestTimeoutMs() + " ms";
  }

  /**
   * Runs {@code canopy start} (same JVM, class path and options) as a child process with its
   * output in {@code <data-dir>/canopy.log}, and waits until the node answers healthy or the child
   * exits.
   */
  private int startInBackground(NodeConfig config, CliEnvironment env, PrintWriter out, PrintWriter err) {
    Path dir = config.dataDir().toAbsolutePath().normalize();
    if (StopCommand.runningNode(dir).isPresent()) {
      err.println("canopy: a node already runs on " + dir + "; stop it with: scripts/canopy stop"
          + (dataDir == null ? "" : " --data-dir " + dataDir)
          + ", or pick another directory with --data-dir");
      err.flush();
      return EXIT_STARTUP_FAILED;
    }
    Path log = dir.resolve(LOG_FILE);
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.add("start");
    command.add("--data-dir");
    command.add(dir.toString());
    if (port != null) {
      command.add("--port");
      command.add(port.toString());
    }
    command.add("--config");
    command.add(configFile(env, configFile).toAbsolutePath().toString());
    Process child;
    try {
      Files.createDirectories(dir);
      ProcessBuilder pb = new ProcessBuilder(command)
          .directory(env.workingDir().toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      child = pb.start();
    } catch (IOException e) {
      err.println("canopy: cannot start the node process: " + e.getMessage());
      err.flush();
      return EXIT_STARTUP_FAILED;
    }
    out.println(effectiveConfiguration(config));
    out.flush();
    String url = "http://" + config.http().host() + ":" + config.http().port();
    Agent agent = Agent.builder().withUrl(url).fetchRootKey().withRequestTimeoutMs(5_000).build();
    long deadline = System.nanoTime() + BACKGROUND_STARTUP_TIMEOUT_MS * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (!child.isAlive()) {
        err.println("canopy: the node did not start (exit status " + child.exitValue() + "):");
        err.println(tail(log));
        err.flush();
        return EXIT_STARTUP_FAILED;
      }
      try {
        if (agent.status().isHealthy()) {
          out.printf("Canopy node is healthy at %s (pid %d); its log is %s.%n"
              + "Stop it with: scripts/canopy stop%s%n", url, child.pid(), log,
              dataDir == null ? "" : " --data-dir " + dataDir);
          out.flush();
          return 0;
        }
      } catch (CanopyException e) {
        // not up yet (or some other process answers): keep waiting while the child lives
      }
      try {
        child.waitFor(200, java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return EXIT_STARTUP_FAILED;
      }
    }
    err.println("canopy: the node (pid " + child.pid() + ") did not become healthy within "
        + BACKGROUND_STARTUP_TIMEOUT_MS / 1000 + " s; see " + log);
    err.flush();
    return EXIT_STARTUP_FAILED;
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  static Path configFile(CliEnvironment env, Path given) {
    if (given != null) {
      return given.isAbsolute() ? given : env.workingDir().resolve(given);
    }
    String home = env.get("CANOPY_HOME");
    Path base = home == null || home.isBlank() ? env.workingDir() : Path.of(home);
    return base.resolve("conf").resolve("application.conf");
  }

  private Map<String, Object> overrides(CliEnvironment env) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (port != null) {
      overrides.put("canopy.node.http.port", port);
    }
    if (dataDir != null) {
      overrides.put("canopy.node.data-dir", env.workingDir().resolve(dataDir).toAbsolutePath().toString());
    }
    return overrides;
  }
}
