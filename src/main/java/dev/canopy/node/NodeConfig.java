package dev.canopy.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's configuration: a validated, typed view of the {@code canopy} section of
 * conf/application.conf, plus the complete configuration the actor system is built from.
 *
 * <p>Note: conf/application.conf is the one source of settings (ARCHITECTURE.md §3). It is read
 * from a file rather than the class path, so an operator edits it in place; the libraries'
 * reference.conf files supply everything it does not set. Layers, strongest first: command-line
 * overrides, the environment (through the file's {@code ${?VAR}} lines), the file, reference.conf.
 */
public final class NodeConfig {
  /** The actor system's name, part of every cluster address ({@code pekko://canopy@host:port}). */
  public static final String ACTOR_SYSTEM_NAME = "canopy";

  private static final int MAX_PORT = 65_535;
  private static final int MAX_CONNECTIONS = 1_000;

  private final Config config;
  private final Path dataDir;
  private final Endpoint http;
  private final long maxRequestBodyBytes;
  private final long requestTimeoutMs;
  private final Endpoint management;
  private final Endpoint cluster;
  private final List<String> seedNodes;
  private final SubnetPeers.Settings subnetPeers;
  private final long startupTimeoutMs;
  private final long shutdownTimeoutMs;
  private final StoreSettings store;
  private final ReplicaSettings replica;

  /** A host and port to listen on; port 0 lets the system pick a free one. */
  public record Endpoint(String host, int port) {}

  private NodeConfig(Config config) {
    this.config = config;
    this.dataDir = path(config, "canopy.node.data-dir");
    this.http = endpoint(config, "canopy.node.http");
    this.maxRequestBodyBytes = positive(config, "canopy.node.http.max-request-body-bytes");
    this.requestTimeoutMs = positive(config, "canopy.node.http.request-timeout-ms");
    this.management = endpoint(config, "canopy.node.management");
    this.cluster = endpoint(config, "canopy.node.cluster");
    this.seedNodes = seedNodes(config, "canopy.node.cluster.seed-nodes");
    long probeIntervalMs = positive(config, "canopy.node.cluster.probe-interval-ms");
    long expireAfterMs = positive(config, "canopy.node.cluster.expire-after-ms");
    if (expireAfterMs <= probeIntervalMs) {
      throw new NodeConfigException("canopy.node.cluster.expire-after-ms", "must be longer than"
          + " canopy.node.cluster.probe-interval-ms (" + probeIntervalMs + "), got " + expireAfterMs);
    }
    this.subnetPeers = new SubnetPeers.Settings(
        seedNodes(config, "canopy.node.cluster.subnet-members"), probeIntervalMs, expireAfterMs);
    this.startupTimeoutMs = positive(config, "canopy.node.startup-timeout-ms");
    this.shutdownTimeoutMs = positive(config, "canopy.node.shutdown-timeout-ms");
    this.store = store(config, dataDir);
    this.replica = ReplicaSettings.from(config);
  }

  /**
   * Reads {@code file} (conf/application.conf), applies {@code overrides} (command-line options, by
   * configuration path) on top and the environment through the file's {@code ${?VAR}} lines, and
   * validates the result.
   */
  public static NodeConfig load(Path file, Map<String, ?> overrides) {
    if (!Files.isRegularFile(file)) {
      throw new NodeConfigException(
          "config file", "configuration file " + file + " does not exist", null);
    }
    Config fromFile;
    try {
      fromFile = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults());
    } catch (ConfigException e) {
      throw new NodeConfigException(
          "config file", "cannot parse configuration file " + file + ": " + e.getMessage(), e);
    }
    return fromConfig(ConfigFactory.parseMap(overrides, "command line").withFallback(fromFile));
  }

  /**
   * Validates an unresolved configuration (file contents and overrides), after adding the
   * libraries' reference.conf defaults and resolving substitutions against the environment.
   */
  public static NodeConfig fromConfig(Config unresolved) {
    Config resolved;
    try {
      resolved = unresolved.withFallback(ConfigFactory.defaultReference()).resolve();
    } catch (ConfigException e) {
      throw wrap(e);
    }
    return new NodeConfig(resolved);
  }

  /** This configuration with {@code overrides} (by configuration path) on top, validated again. */
  public NodeConfig withOverrides(Map<String, ?> overrides) {
    return fromConfig(ConfigFactory.parseMap(overrides, "overrides").withFallback(config));
  }

  /** The complete configuration for the actor system: the file plus the selected store. */
  public Config pekkoConfig() {
    Map<String, Object> db = new LinkedHashMap<>();
    db.put("url", store.jdbcUrl());
    db.put("user", store.user());
    db.put("password", store.password());
    db.put("driver", store.jdbcDriver());
    db.put("connectionPool", "HikariCP");
    // Slick wants as many threads as connections (fewer connections can deadlock it).
    db.put("numThreads", store.maxConnections());
    db.put("maxConnections", store.maxConnections());
    db.put("minConnections", 1);
    db.put("queueSize", 10_000);
    db.put("connectionTimeout", 30_000);
    Map<String, Object> sharedDb = new LinkedHashMap<>();
    sharedDb.put("profile", store.slickProfile());
    sharedDb.put("db", db);
    return ConfigFactory.empty()
        .withValue(
            "pekko-persistence-jdbc.shared-databases.canopy",
            ConfigValueFactory.fromMap(sharedDb, "canopy.store"))
        .withFallback(config);
  }

  public Path dataDir() {
    return dataDir;
  }

  public Endpoint http() {
    return http;
  }

  public long maxRequestBodyBytes() {
    return maxRequestBodyBytes;
  }

  public long requestTimeoutMs() {
    return requestTimeoutMs;
  }

  public Endpoint management() {
    return management;
  }

  public Endpoint cluster() {
    return cluster;
  }

  /** Members to join; empty means this node forms its own one-member cluster. */
  public List<String> seedNodes() {
    return seedNodes;
  }

  /**
   * The Artery addresses of the replicas of this node's subnet (its own may be among them), at
   * which they reach each other whether or not the cluster has admitted them ({@link SubnetPeers}).
   */
  public SubnetPeers.Settings subnetPeers() {
    return subnetPeers;
  }

  public long startupTimeoutMs() {
    return startupTimeoutMs;
  }

  public long shutdownTimeoutMs() {
    return shutdownTimeoutMs;
  }

  public StoreSettings store() {
    return store;
  }

  public ReplicaSettings replica() {
    return replica;
  }

  private static StoreSettings store(Config config, Path dataDir) {
    String kind = string(config, "canopy.store");
    switch (kind) {
      case "h2":
        if (dataDir.toString().contains(";")) {
          // ';' separates settings in an H2 URL, so such a path cannot name the database file.
          throw new NodeConfigException(
              "canopy.node.data-dir",
              "the H2 store cannot live under a path containing ';' (" + dataDir + ")");
        }
        return new StoreSettings.H2(
            dataDir.resolve(DataDirectory.DB_DIR),
            connections(config, "canopy.h2.max-connections"));
      case "postgres":
        String url = string(config, "canopy.postgres.url");
        if (!url.startsWith("jdbc:postgresql://")) {
          throw new NodeConfigException(
              "canopy.postgres.url", "must start with jdbc:postgresql://, got \"" + url + "\"");
        }
        return new StoreSettings.Postgres(
            url,
            string(config, "canopy.postgres.user"),
            get(
                config,
                "canopy.postgres.password",
                () -> config.getString("canopy.postgres.password")),
            connections(config, "canopy.postgres.max-connections"));
      default:
        throw new NodeConfigException(
            "canopy.store", "must be \"h2\" or \"postgres\", got \"" + kind + "\"");
    }
  }

  private static Endpoint endpoint(Config config, String prefix) {
    String hostKey = prefix + ".bind-host";
    String host = string(config, hostKey);
    String portKey = prefix + ".port";
    int port = get(config, portKey, () -> config.getInt(portKey));
    if (port < 0 || port > MAX_PORT) {
      throw new NodeConfigException(
          portKey, "must be between 0 and " + MAX_PORT + " (0 picks a free port), got " + port);
    }
    return new Endpoint(host, port);
  }

  private static List<String> seedNodes(Config config, String key) {
    List<String> seeds = get(config, key, () -> config.getStringList(key));
    String prefix = "pekko://" + ACTOR_SYSTEM_NAME + "@";
    for (String seed : seeds) {
      boolean hostAndPort =
          seed.startsWith(prefix) && seed.substring(prefix.length()).matches("[^:/@]+:\\d{1,5}");
      if (!hostAndPort) {
        throw new NodeConfigException(
            key, "each address must look like " + prefix + "host:port, got \"" + seed + "\"");
      }
    }
    return List.copyOf(seeds);
  }

  private static Path path(Config config, String key) {
    String text = string(config, key);
    try {
      return Path.of(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new NodeConfigException(key, "is not a valid path: " + e.getMessage());
    }
  }

  private static long positive(Config config, String key) {
    long value = get(config, key, () -> config.getLong(key));
    if (value <= 0) {
      throw new NodeConfigException(key, "must be positive, got " + value);
    }
    return value;
  }

  private static int connections(Config config, String key) {
    int value = get(config, key, () -> config.getInt(key));
    if (value < 1 || value > MAX_CONNECTIONS) {
      throw new NodeConfigException(
          key, "must be between 1 and " + MAX_CONNECTIONS + ", got " + value);
    }
    return value;
  }

  private static String string(Config config, String key) {
    String value = get(config, key, () -> config.getString(key)).strip();
    if (value.isEmpty()) {
      throw new NodeConfigException(key, "must not be empty");
    }
    return value;
  }

  private static <T> T get(Config config, String key, java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (ConfigException.Missing e) {
      throw new NodeConfigException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new NodeConfigException(key, "has the wrong type (" + e.getMessage() + ")");
    } catch (ConfigException e) {
      throw wrap(e);
    }
  }

  private static NodeConfigException wrap(ConfigException e) {
    String key = e instanceof ConfigException.UnresolvedSubstitution ? "substitution" : "config";
    return new NodeConfigException(key, "invalid configuration: " + e.getMessage(), e);
  }
}
