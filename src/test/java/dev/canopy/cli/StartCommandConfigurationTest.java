package dev.canopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.node.NodeConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code canopy start} prints first: the effective configuration's important values. */
class StartCommandConfigurationTest {
  @TempDir Path dir;

  @Test
  void namesPortsTheMetricsUrlTheDataDirectoryAndTheStore() {
    NodeConfig config = NodeConfig.load(Path.of("conf", "application.conf"), Map.of(
        "canopy.node.data-dir", dir.toString(),
        "canopy.node.http.port", 5001,
        "canopy.node.management.port", 5002));

    assertThat(StartCommand.effectiveConfiguration(config))
        .startsWith("Configuration: HTTP 127.0.0.1:5001, management (/ready, /alive) 127.0.0.1:5002")
        .contains(", metrics http://127.0.0.1:5002/metrics, ")
        .contains("data directory " + dir.toAbsolutePath())
        .contains("store h2");
  }
}
