package dev.canopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code canopy start} as a process: it prints its URL once healthy and stops on SIGTERM. */
class StartCommandProcessTest {
  private static final Pattern HEALTHY =
      Pattern.compile(
          "Canopy node (\\S+) is healthy at (http://127\\.0\\.0\\.1:\\d+) \\(([0-9.]+) s");

  @TempDir Path dir;

  @Test
  void startPrintsTheUrlWhenHealthyAndStopsCleanlyOnSigterm() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder =
        new ProcessBuilder(
                java.toString(),
                // Start-up speed, not peak speed, matters here: C1 only, one GC thread.
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "start",
                "--port",
                "0",
                "--data-dir",
                dir.toString())
            .redirectErrorStream(true);
    // Management's port is fixed by default; a free one keeps tests apart from a running node.
    builder.environment().put("CANOPY_MANAGEMENT_PORT", "0");
    builder.environment().put("CANOPY_HOME", Path.of("").toAbsolutePath().toString());
    Process process = builder.start();
    List<String> output = new ArrayList<>();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      Matcher healthy = null;
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        output.add(line);
        Matcher m = HEALTHY.matcher(line);
        if (m.find()) {
          healthy = m;
          break;
        }
      }
      assertThat(healthy).as("output: %s", output).isNotNull();
      HttpResponse<byte[]> status =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(healthy.group(2) + "/api/v2/status")).build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertThat(status.statusCode()).isEqualTo(200);

      // SIGTERM, like Ctrl-C's SIGINT, runs the coordinated shutdown; the handle keeps pipes open.
      process.toHandle().destroy();
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        output.add(line);
      }
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(output).anyMatch(line -> line.contains("stopping the node"));
      assertThat(output).anyMatch(line -> line.contains("the node has stopped serving"));
      // The data directory is free again.
      dev.canopy.node.DataDirectory.open(dir).close();
    } finally {
      process.destroyForcibly();
    }
  }
}
