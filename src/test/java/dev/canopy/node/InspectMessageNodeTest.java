package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborMap;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canister_inspect_message} through the HTTP interface of a running node (spec "Ingress
 * message inspection"): a call it does not accept, or during which it traps, never reaches the
 * ingress pool and is answered with a non-replicated rejection; queries are not inspected, and
 * what the inspection changes is dropped.
 */
class InspectMessageNodeTest {
  @TempDir static Path dataDir;
  static Node node;
  static IcTestClient client;
  static Principal subnetId;

  /** Accepts only calls of "allowed"; marks memory byte 100 while inspecting; "peek" reads it. */
  static final String GATEKEEPER = """
      (module
        (import "ic0" "msg_method_name_size" (func $name_size (result i32)))
        (import "ic0" "msg_method_name_copy" (func $name_copy (param i32 i32 i32)))
        (import "ic0" "accept_message" (func $accept))
        (import "ic0" "msg_reply" (func $reply))
        (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
        (memory 1)
        (data (i32.const 0) "allowed")
        (func (export "canister_inspect_message")
          (i32.store8 (i32.const 100) (i32.const 1))
          (if (i32.eq (call $name_size) (i32.const 7))
            (then
              (call $name_copy (i32.const 16) (i32.const 0) (i32.const 7))
              (if (i64.eq (i64.load (i32.const 0)) (i64.load (i32.const 16)))
                (then (call $accept))))))
        (func (export "canister_update allowed") (call $reply))
        (func (export "canister_update denied") (call $reply))
        (func (export "canister_query peek")
          (call $append (i32.const 100) (i32.const 1))
          (call $reply)))
      """;

  /** Its inspection traps with "no entry". */
  static final String TRAPPING = """
      (module
        (import "ic0" "trap" (func $trap (param i32 i32)))
        (import "ic0" "msg_reply" (func $reply))
        (memory 1)
        (data (i32.const 0) "no entry")
        (func (export "canister_inspect_message") (call $trap (i32.const 0) (i32.const 8)))
        (func (export "canister_update anything") (call $reply)))
      """;

  @BeforeAll
  static void start() {
    node = Node.start(TestNodeConfigs.ephemeral(dataDir, Map.of(
        "canopy.replica.round-interval-ms", 30,
        "canopy.replica.consensus-tick-ms", 5)));
    client = new IcTestClient(node.httpUri(), 21);
    subnetId = node.subnetId().principal();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  static Principal createAndInstall(String wat) {
    return client.createAndInstall(Wat2Wasm.parse(wat));
  }

  @Test
  void aCallTheInspectionAcceptsIsExecuted() {
    Principal gate = createAndInstall(GATEKEEPER);
    assertThat(client.callSync("v4", gate, gate, "allowed", new byte[0]).reply()).isEmpty();
    IcTestClient.Response v2 = client.post("/api/v2/canister/" + gate + "/call",
        client.callRequest(gate, "allowed", new byte[0]).body());
    assertThat(v2.status()).isEqualTo(202);
  }

  @Test
  void aCallTheInspectionDoesNotAcceptIsRejectedBeforeThePool() {
    Principal gate = createAndInstall(GATEKEEPER);

    IcTestClient.Signed v4 = client.callRequest(gate, "denied", new byte[0]);
    CborMap sync = client.post("/api/v4/canister/" + gate + "/call", v4.body()).cbor();
    assertThat(sync.getText("status")).isEqualTo("non_replicated_rejection");
    assertThat(sync.getLong("reject_code")).isEqualTo(4);
    assertThat(sync.getText("error_code")).isEqualTo("IC0406");
    assertThat(sync.getText("reject_message")).contains(gate.toText(), "rejected the message");

    CborMap v3 = client.post("/api/v3/canister/" + gate + "/call",
        client.callRequest(gate, "denied", new byte[0]).body()).cbor();
    assertThat(v3.getText("status")).isEqualTo("non_replicated_rejection");

    IcTestClient.Response v2 = client.post("/api/v2/canister/" + gate + "/call",
        client.callRequest(gate, "denied", new byte[0]).body());
    assertThat(v2.status()).isEqualTo(200);
    assertThat(v2.cbor().getLong("reject_code")).isEqualTo(4);
    assertThat(v2.cbor().getText("error_code")).isEqualTo("IC0406");
    assertThat(v2.cbor().findText("status")).isEmpty();

    // Never in the pool, so no status is ever certified for it.
    client.callSync("v4", gate, gate, "allowed", new byte[0]);
    IcTestClient.CertifiedStatus unknown = new IcTestClient.CertifiedStatus(v4.requestId(),
        client.readState("v3", "canister", gate, java.util.List.of(java.util.List.of(
            "request_status".getBytes(java.nio.charset.StandardCharsets.UTF_8),
            v4.requestId().toBytes()))));
    assertThat(unknown.lookup("status"))
        .isNotInstanceOf(dev.canopy.types.hashtree.LookupResult.Found.class);
  }

  @Test
  void queriesAreNotInspectedAndTheInspectionsChangesAreDropped() {
    Principal gate = createAndInstall(GATEKEEPER);
    client.callSync("v4", gate, gate, "allowed", new byte[0]);
    // peek is not "allowed", yet a query of it runs; the byte the inspection wrote is still 0.
    assertThat(client.query("v3", gate, gate, "peek", new byte[0], subnetId).reply())
        .containsExactly(0);
  }

  @Test
  void aTrapInTheInspectionIsACanisterError() {
    Principal trapping = createAndInstall(TRAPPING);
    CborMap sync = client.post("/api/v4/canister/" + trapping + "/call",
        client.callRequest(trapping, "anything", new byte[0]).body()).cbor();
    assertThat(sync.getText("status")).isEqualTo("non_replicated_rejection");
    assertThat(sync.getLong("reject_code")).isEqualTo(5);
    assertThat(sync.getText("error_code")).isEqualTo("IC0503");
    assertThat(sync.getText("reject_message")).contains("no entry");
  }

  @Test
  void callsToTheManagementCanisterAreNotInspected() {
    Principal trapping = createAndInstall(TRAPPING);
    // install_code names the trapping canister; the management canister runs it anyway.
    client.callSync("v4", trapping, Principal.MANAGEMENT_CANISTER, "install_code",
        new InstallCodeArgs(new InstallMode.Reinstall(), new CanisterId(trapping),
            Wat2Wasm.parse(TRAPPING), new byte[0], null).encode()).reply();
  }
}
