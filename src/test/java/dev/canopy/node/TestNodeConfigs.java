package dev.canopy.node;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The project's conf/application.conf with a temporary data directory and free ports. */
final class TestNodeConfigs {
  static final Path CONF_FILE = Path.of("conf", "application.conf");

  private TestNodeConfigs() {}

  static NodeConfig ephemeral(Path dataDir) {
    return ephemeral(dataDir, Map.of());
  }

  static NodeConfig ephemeral(Path dataDir, Map<String, ?> extra) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("canopy.node.data-dir", dataDir.toString());
    overrides.put("canopy.node.http.port", 0);
    overrides.put("canopy.node.management.port", 0);
    overrides.put("canopy.node.cluster.port", 0);
    overrides.put("canopy.node.startup-timeout-ms", 60_000);
    overrides.putAll(extra);
    return NodeConfig.load(CONF_FILE, overrides);
  }
}
