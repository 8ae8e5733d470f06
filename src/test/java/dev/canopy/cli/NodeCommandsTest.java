package dev.canopy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.node.Node;
import dev.canopy.node.NodeConfig;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands against a node in this JVM, in the order of the README's tour: deploy the Motoko
 * counter, call it, upgrade it, then the refusals (bad argument, reject codes, breaking upgrade)
 * and the canister commands.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeCommandsTest {
  private static final Path MOTOKO = Path.of("src/test/resources/motoko");

  @TempDir static Path home;
  private Node node;
  private Cli cli;

  @BeforeAll
  void startNode() throws Exception {
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("canopy.node.data-dir", home.resolve("data").toString());
    overrides.put("canopy.node.http.port", 0);
    overrides.put("canopy.node.management.port", 0);
    overrides.put("canopy.node.cluster.port", 0);
    node = Node.start(NodeConfig.load(Path.of("conf", "application.conf"), overrides),
        new SplittableRandom(4943));
    cli = new Cli(home).network(node.httpUri().toString());
    for (String f : new String[] {"counter.wasm", "stable_store.wasm", "stable_store_v2.wasm",
        "counter_with_init.wasm"}) {
      Files.copy(MOTOKO.resolve(f), cli.workingDir().resolve(f));
    }
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  private Cli.Result ok(String... args) {
    Cli.Result r = cli.run(args);
    assertThat(r.exitCode()).as("canopy %s\n%s", String.join(" ", args), r).isZero();
    return r;
  }

  private Cli.Result fails(String... args) {
    Cli.Result r = cli.run(args);
    assertThat(r.exitCode()).as("canopy %s\n%s", String.join(" ", args), r).isEqualTo(1);
    return r;
  }

  @Test
  @Order(1)
  void deployCreatesTheCanisterAndRemembersItsName() throws Exception {
    Cli.Result r = ok("deploy", "counter.wasm");

    assertThat(r.out()).contains("Created canister counter: ").contains("Installed counter");
    String project = Files.readString(cli.workingDir().resolve("canopy.json"));
    assertThat(project).contains(node.httpUri().toString().replaceAll("/$", "")).contains("\"counter\"");
    assertThat(ok("status").out()).contains("counter").contains("module 0x");
  }

  @Test
  @Order(2)
  void callSendsCandidTextAndPrintsTheReplyWithItsType() {
    ok("call", "counter", "set", "(41)");
    ok("call", "counter", "inc");

    assertThat(ok("call", "counter", "get").out().strip()).isEqualTo("(42)");
    assertThat(ok("call", "counter", "get", "--output", "json").out().strip()).isEqualTo("42");
    assertThat(ok("call", "counter", "get", "--output", "raw").out().strip())
        .isEqualTo("4449444c00017d2a");
    assertThat(ok("call", "counter", "get", "--update").out().strip()).isEqualTo("(42)");
  }

  @Test
  @Order(3)
  void anArgumentOfTheWrongTypeShowsTheExpectedType() {
    Cli.Result r = fails("call", "counter", "set", "(\"forty-two\")");

    assertThat(r.err()).contains("does not match the type of set").contains("expected (nat)");
    assertThat(fails("call", "counter", "nope").err())
        .contains("has no method \"nope\"; its methods are: get, inc, set");
  }

  @Test
  @Order(4)
  void deployingAgainUpgradesAndKeepsTheState() {
    Cli.Result r = ok("deploy", "counter.wasm");

    assertThat(r.out()).contains("Upgraded").doesNotContain("Created");
    assertThat(ok("call", "counter", "get").out().strip()).isEqualTo("(42)");
  }

  @Test
  @Order(5)
  void anUpgradeThatBreaksClientsIsRefusedUnlessForced() {
    ok("deploy", "stable_store_v2.wasm", "--name", "store");

    Cli.Result refused = fails("deploy", "stable_store.wasm", "--name", "store");
    assertThat(refused.err())
        .contains("would break clients of store")
        .contains("method keys is removed")
        .contains("--force");

    Cli.Result forced = ok("deploy", "stable_store.wasm", "--name", "store", "--force");
    assertThat(forced.out()).contains("Upgraded store");
    assertThat(forced.err()).contains("warning");
    // Adding a method is compatible.
    ok("deploy", "stable_store_v2.wasm", "--name", "store");
  }

  @Test
  @Order(6)
  void initArgumentsAreTypedByTheModulesInterface() {
    Cli.Result missing = fails("deploy", "counter_with_init.wasm", "--name", "c2");
    assertThat(missing.err()).contains("expected (nat)").contains("--arg");

    ok("deploy", "counter_with_init.wasm", "--name", "c2", "--arg", "(7)");
    assertThat(ok("call", "c2", "get").out().strip()).isEqualTo("(7)");
  }

  @Test
  @Order(7)
  void aRejectShowsTheRejectCodeTheErrorCodeAndTheMessage() {
    assertThat(ok("canister", "stop", "counter").out()).contains("Stopped counter");
    assertThat(ok("canister", "status", "counter").out()).contains("status:       stopped");

    Cli.Result r = fails("call", "counter", "inc");
    assertThat(r.err())
        .contains("the call was rejected")
        .contains("reject code: 5 (CANISTER_ERROR)")
        .contains("error code:  IC0508")
        .contains("canopy canister start");

    ok("canister", "start", "counter");
    assertThat(ok("call", "counter", "get").out().strip()).isEqualTo("(42)");
  }

  @Test
  @Order(8)
  void canisterStatusInfoAndTopUp() {
    Cli.Result status = ok("canister", "status", "counter");
    assertThat(status.out()).contains("status:       running").contains("module hash:  0x")
        .contains("controllers:  " + ok("identity", "whoami").out().strip());
    Cli.Result info = ok("canister", "info", "counter");
    assertThat(info.out()).contains("inc : () -> ()").contains("get : () -> (nat) query");

    String before = status.out().replaceAll("(?s).*cycles:\\s+(\\d+).*", "$1");
    ok("canister", "top-up", "counter", "1000000");
    String after = ok("canister", "status", "counter").out()
        .replaceAll("(?s).*cycles:\\s+(\\d+).*", "$1");
    assertThat(new java.math.BigInteger(after)).isGreaterThan(new java.math.BigInteger(before));
    // The counter prints nothing; what matters is that fetch_canister_logs answers as a query.
    assertThat(ok("canister", "logs", "counter").out()).contains("(the log is empty)");
  }

  @Test
  @Order(9)
  void aLargeModuleIsUploadedInChunksWithProgress() throws Exception {
    // counter.wasm plus a 2.5 MiB custom section: over the direct-install limit.
    byte[] wasm = Files.readAllBytes(MOTOKO.resolve("counter.wasm"));
    ByteArrayOutputStream big = new ByteArrayOutputStream();
    big.writeBytes(wasm);
    byte[] name = "padding".getBytes();
    byte[] payload = new byte[2_500_000];
    int size = 1 + name.length + payload.length;
    big.write(0);
    writeLeb(big, size);
    big.write(name.length);
    big.writeBytes(name);
    big.writeBytes(payload);
    Path file = Files.write(cli.workingDir().resolve("big.wasm"), big.toByteArray());

    Cli.Result r = ok("deploy", file.toString());
    assertThat(r.err()).contains("Uploading [").contains("3/3 chunks");
    ok("call", "big", "inc");
    assertThat(ok("call", "big", "get").out().strip()).isEqualTo("(1)");
  }

  @Test
  @Order(10)
  void deleteNeedsAStoppedCanisterAndForgetsTheName() {
    Cli.Result running = fails("canister", "delete", "c2");
    assertThat(running.err()).contains("reject code").contains("canopy canister stop");

    ok("canister", "stop", "c2");
    ok("canister", "delete", "c2");
    assertThat(fails("call", "c2", "get").err()).contains("\"c2\" is neither a canister name");
  }

  private static void writeLeb(ByteArrayOutputStream out, int value) {
    do {
      int b = value & 0x7f;
      value >>>= 7;
      out.write(value != 0 ? b | 0x80 : b);
    } while (value != 0);
  }
}
