package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir Path dir;

  /** The shipped file with one setting replaced, as an operator would edit it. */
  private static NodeConfig withSetting(String path, Object value) {
    return NodeConfig.fromConfig(
        ConfigFactory.parseMap(Map.of(path, value))
            .withFallback(ConfigFactory.parseFile(TestNodeConfigs.CONF_FILE.toFile())));
  }

  @Test
  void theShippedFileGivesADevNodeOnLoopbackPort4943WithAnEmbeddedStore() {
    NodeConfig config = NodeConfig.load(TestNodeConfigs.CONF_FILE, Map.of());

    assertThat(config.http()).isEqualTo(new NodeConfig.Endpoint("127.0.0.1", 4943));
    assertThat(config.cluster().host()).isEqualTo("127.0.0.1");
    assertThat(config.seedNodes()).isEmpty();
    assertThat(config.maxRequestBodyBytes()).isEqualTo(5L * 1024 * 1024);
    assertThat(config.dataDir().isAbsolute()).isTrue();
    assertThat(config.dataDir().getFileName()).isEqualTo(Path.of("data"));
    assertThat(config.store()).isInstanceOf(StoreSettings.H2.class);
    assertThat(config.store().jdbcUrl())
        .startsWith("jdbc:h2:retry:" + config.dataDir().resolve("db").resolve("canopy"));
  }

  @Test
  void commandLineOverridesWin() {
    NodeConfig config =
        NodeConfig.load(
            TestNodeConfigs.CONF_FILE,
            Map.of("canopy.node.http.port", 5000, "canopy.node.data-dir", dir.toString()));

    assertThat(config.http().port()).isEqualTo(5000);
    assertThat(config.dataDir()).isEqualTo(dir.toAbsolutePath());
    assertThat(config.store().jdbcUrl()).contains(dir.resolve("db").toString());
  }

  @Test
  void theActorSystemConfigurationFollowsTheNodeSettings() {
    NodeConfig config = TestNodeConfigs.ephemeral(dir);
    Config pekko = config.pekkoConfig();

    assertThat(pekko.getString("pekko.actor.provider")).isEqualTo("cluster");
    assertThat(pekko.getInt("pekko.remote.artery.canonical.port")).isZero();
    assertThat(pekko.getInt("pekko.management.http.port")).isZero();
    assertThat(pekko.getString("pekko.persistence.journal.plugin")).isEqualTo("jdbc-journal");
    assertThat(pekko.getString("jdbc-journal.use-shared-db")).isEqualTo("canopy");
    assertThat(pekko.getString("pekko-persistence-jdbc.shared-databases.canopy.profile"))
        .isEqualTo("slick.jdbc.H2Profile$");
    assertThat(pekko.getString("pekko-persistence-jdbc.shared-databases.canopy.db.url"))
        .isEqualTo(config.store().jdbcUrl());
    String binding = "pekko.actor.serialization-bindings.\"dev.canopy.node.CborSerializable\"";
    assertThat(pekko.getString(binding))
        .isEqualTo("jackson-cbor");
  }

  @Test
  void postgresIsSelectedByConfigurationAlone() {
    NodeConfig config =
        NodeConfig.fromConfig(
            ConfigFactory.parseString(
                    "canopy.store = postgres\n"
                        + "canopy.postgres { url = \"jdbc:postgresql://db.internal:5432/canopy\","
                        + " user = replica, password = secret }")
                .withFallback(ConfigFactory.parseFile(TestNodeConfigs.CONF_FILE.toFile())));

    assertThat(config.store())
        .isEqualTo(
            new StoreSettings.Postgres(
                "jdbc:postgresql://db.internal:5432/canopy", "replica", "secret", 10));
    assertThat(config.store().toString()).doesNotContain("secret");
    String profile = "pekko-persistence-jdbc.shared-databases.canopy.profile";
    assertThat(config.pekkoConfig().getString(profile))
        .isEqualTo("slick.jdbc.PostgresProfile$");
  }

  @Test
  void aPortOutOfRangeNamesTheKey() {
    assertThatThrownBy(() -> withSetting("canopy.node.http.port", 70_000))
        .isInstanceOf(NodeConfigException.class)
        .hasMessage(
            "canopy.node.http.port: must be between 0 and 65535 (0 picks a free port), got 70000")
        .extracting(e -> ((NodeConfigException) e).key())
        .isEqualTo("canopy.node.http.port");
  }

  @Test
  void aValueOfTheWrongTypeNamesTheKey() {
    assertThatThrownBy(() -> withSetting("canopy.node.management.port", "four"))
        .isInstanceOf(NodeConfigException.class)
        .hasMessageStartingWith("canopy.node.management.port: has the wrong type");
  }

  @Test
  void anUnknownStoreNamesTheKeyAndTheChoices() {
    assertThatThrownBy(() -> withSetting("canopy.store", "mysql"))
        .isInstanceOf(NodeConfigException.class)
        .hasMessage("canopy.store: must be \"h2\" or \"postgres\", got \"mysql\"");
  }

  @Test
  void limitsMustBePositive() {
    assertThatThrownBy(() -> withSetting("canopy.node.http.max-request-body-bytes", 0))
        .hasMessage("canopy.node.http.max-request-body-bytes: must be positive, got 0");
    assertThatThrownBy(() -> withSetting("canopy.h2.max-connections", 0))
        .hasMessage("canopy.h2.max-connections: must be between 1 and 1000, got 0");
  }

  @Test
  void aMissingSettingNamesTheKey() {
    Config withoutPort =
        ConfigFactory.parseFile(TestNodeConfigs.CONF_FILE.toFile())
            .withoutPath("canopy.node.http.port");
    assertThatThrownBy(() -> NodeConfig.fromConfig(withoutPort))
        .isInstanceOf(NodeConfigException.class)
        .hasMessageContaining("canopy.node.http.port");
  }

  @Test
  void aPostgresUrlMustBeAPostgresJdbcUrl() {
    assertThatThrownBy(
            () ->
                NodeConfig.fromConfig(
                    ConfigFactory.parseString(
                            "canopy.store = postgres\ncanopy.postgres.url = \"postgres://x/y\"")
                        .withFallback(ConfigFactory.parseFile(TestNodeConfigs.CONF_FILE.toFile()))))
        .hasMessage(
            "canopy.postgres.url: must start with jdbc:postgresql://, got \"postgres://x/y\"");
  }

  @Test
  void seedNodesMustBeClusterAddresses() {
    assertThatThrownBy(
            () ->
                withSetting(
                    "canopy.node.cluster.seed-nodes", java.util.List.of("10.0.0.1:25520")))
        .hasMessageStartingWith(
            "canopy.node.cluster.seed-nodes: each address must look like"
                + " pekko://canopy@host:port");
  }

  @Test
  void theRequestStatusHistoryBoundsComeFromTheConfiguration() {
    assertThat(NodeConfig.load(TestNodeConfigs.CONF_FILE, Map.of()).replica().ingressHistory())
        .isEqualTo(dev.canopy.state.IngressHistorySettings.DEFAULT);
    dev.canopy.state.IngressHistorySettings larger =
        withSetting("canopy.replica.ingress-history.max-entry-count", 2_000_000).replica()
            .ingressHistory();
    assertThat(larger.maxEntryCount()).isEqualTo(2_000_000);
    assertThat(larger.maxSizeBytes()).isEqualTo(1L << 30);
    assertThatThrownBy(
            () -> withSetting("canopy.replica.ingress-history.max-entry-count", 0).replica())
        .isInstanceOf(NodeConfigException.class)
        .hasMessageContaining("canopy.replica.ingress-history.max-entry-count");
  }

  @Test
  void busyRoundsComeFromTheConfigurationAndAreBounded() {
    assertThat(NodeConfig.load(TestNodeConfigs.CONF_FILE, Map.of()).replica().busyRounds())
        .isEqualTo(ReplicaSettings.BusyRounds.DEFAULT);
    assertThat(withSetting("canopy.replica.busy-rounds.delay-ms", 40).replica().busyRounds())
        .isEqualTo(new ReplicaSettings.BusyRounds(40, 1));
    assertThatThrownBy(() -> withSetting("canopy.replica.busy-rounds.delay-ms", 0).replica())
        .isInstanceOf(NodeConfigException.class)
        .hasMessageContaining("canopy.replica.busy-rounds.delay-ms");
    // a busy round never lasts longer than a paced one
    assertThatThrownBy(() -> withSetting("canopy.replica.busy-rounds.delay-ms", 201).replica())
        .isInstanceOf(NodeConfigException.class)
        .hasMessageContaining("at most round-interval-ms");
    assertThatThrownBy(
            () -> withSetting("canopy.replica.busy-rounds.max-uncertified-heights", -1).replica())
        .isInstanceOf(NodeConfigException.class)
        .hasMessageContaining("canopy.replica.busy-rounds.max-uncertified-heights");
  }

  @Test
  void aMissingConfigurationFileIsNamed() {
    Path missing = dir.resolve("nope.conf");
    assertThatThrownBy(() -> NodeConfig.load(missing, Map.of()))
        .isInstanceOf(NodeConfigException.class)
        .hasMessage("configuration file " + missing + " does not exist");
  }
}
