package dev.canopy.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs {@code canopy} commands in this JVM as a person would type them, with a private config
 * directory (identities) and working directory (canopy.json).
 */
final class Cli {
  /** What one command printed and returned. */
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  private final Map<String, String> env = new LinkedHashMap<>();
  private final Path workingDir;

  Cli(Path home) {
    this.workingDir = home.resolve("project");
    env.put("CANOPY_CONFIG_DIR", home.resolve("config").toString());
    env.put("CANOPY_HOME", Path.of("").toAbsolutePath().toString());
    workingDir.toFile().mkdirs();
  }

  Cli network(String url) {
    env.put("CANOPY_NETWORK", url);
    return this;
  }

  Path workingDir() {
    return workingDir;
  }

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(new CliEnvironment(Map.copyOf(env), workingDir));
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }
}
