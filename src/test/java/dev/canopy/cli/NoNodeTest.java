package dev.canopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command that needs a node says, when none answers, how to start one. */
class NoNodeTest {
  @TempDir Path home;

  @Test
  void commandsWithoutANodeSayHowToStartOne() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Cli cli = new Cli(home).network("http://127.0.0.1:" + port);
    Path wasm = Files.copy(Path.of("src/test/resources/motoko/counter.wasm"),
        cli.workingDir().resolve("counter.wasm"));

    for (String[] command : new String[][] {
      {"status"},
      {"call", "aaaaa-aa", "get"},
      {"deploy", wasm.toString()},
      {"canister", "status", "rwlgt-iiaaa-aaaaa-aaaaa-cai"},
      {"canister", "info", "rwlgt-iiaaa-aaaaa-aaaaa-cai"}
    }) {
      Cli.Result r = cli.run(command);
      assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
      assertThat(r.err())
          .as("%s", String.join(" ", command))
          .contains("no node answers at http://127.0.0.1:" + port)
          .contains("scripts/canopy start");
    }
  }

  @Test
  void stopWithoutANodeSaysHowToStartOne() {
    Cli cli = new Cli(home);
    Cli.Result r = cli.run("stop", "--data-dir", home.resolve("data").toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("no node is running on").contains("scripts/canopy start --background");
  }

  @Test
  void anUnknownCanisterNameSaysHowToDeployIt() {
    Cli cli = new Cli(home);
    Cli.Result r = cli.run("call", "counter", "get");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("\"counter\" is neither a canister name")
        .contains("canopy deploy <wasm> --name counter");
  }
}
