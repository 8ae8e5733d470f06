package dev.canopy.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the commands read from outside their arguments: the environment variables and the working
 * directory (where the project file lives). Tests pass their own.
 */
record CliEnvironment(Map<String, String> env, Path workingDir) {
  static CliEnvironment system() {
    return new CliEnvironment(System.getenv(), Path.of("").toAbsolutePath());
  }

  String get(String name) {
    return env.get(name);
  }
}
