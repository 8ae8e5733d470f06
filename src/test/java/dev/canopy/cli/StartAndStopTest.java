package dev.canopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canopy start} refusals in this JVM, and {@code start --background} / {@code status} /
 * {@code stop} with a real node process.
 */
class StartAndStopTest {
  @TempDir Path home;

  /** The project's configuration with free management and cluster ports. */
  private Path testConfig() throws Exception {
    Path conf = home.resolve("test.conf");
    Files.writeString(conf,
        "include file(\"" + Path.of("conf/application.conf").toAbsolutePath() + "\")\n"
            + "canopy.node.management.port = 0\n"
            + "canopy.node.cluster.port = 0\n");
    return conf;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aPortInUseNamesThePortAndHowToPickAnother() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Cli.Result r = new Cli(home).run("start", "--port", Integer.toString(port),
          "--data-dir", home.resolve("data").toString(), "--config", testConfig().toString());

      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.out()).contains("Configuration: HTTP 127.0.0.1:" + port)
          .contains("data directory " + home.resolve("data"));
      assertThat(r.err())
          .contains("cannot listen on 127.0.0.1:" + port + " because the port is already in use")
          .contains("--port");
    }
  }

  @Test
  void startInTheBackgroundThenStatusThenStop() throws Exception {
    Cli cli = new Cli(home);
    int port = freePort();
    Path data = home.resolve("data");
    String[] where = {"--data-dir", data.toString()};
    cli.network("http://127.0.0.1:" + port);

    Cli.Result started = cli.run("start", "--background", "--port", Integer.toString(port),
        "--data-dir", data.toString(), "--config", testConfig().toString());
    try {
      assertThat(started.exitCode()).as("%s", started).isZero();
      assertThat(started.out())
          .contains("Canopy node is healthy at http://127.0.0.1:" + port)
          .contains("scripts/canopy stop");
      // The parent returns once /api/v2/status answers healthy; the child logs its own line a
      // moment later, so wait for it (bounded).
      long deadlineNs = System.nanoTime() + 30_000_000_000L;
      while (!Files.readString(data.resolve("canopy.log")).contains("is healthy at")
          && System.nanoTime() < deadlineNs) {
        Thread.sleep(20);
      }
      assertThat(Files.readString(data.resolve("canopy.log"))).contains("is healthy at");

      Cli.Result again = cli.run("start", "--background", "--port", Integer.toString(port),
          "--data-dir", data.toString(), "--config", testConfig().toString());
      assertThat(again.exitCode()).isEqualTo(1);
      assertThat(again.err()).contains("a node already runs on " + data);

      Cli.Result status = cli.run("status");
      assertThat(status.exitCode()).as("%s", status).isZero();
      assertThat(status.out()).contains("Node:      http://127.0.0.1:" + port + " (healthy)")
          .contains("Subnet:    ").contains("Height:    ");
    } finally {
      Cli.Result stopped = cli.run("stop", where[0], where[1]);
      assertThat(stopped.exitCode()).as("%s", stopped).isZero();
      assertThat(stopped.out()).contains("Stopped the node on " + data);
    }
    assertThat(cli.run("status").err()).contains("no node answers");
  }
}
