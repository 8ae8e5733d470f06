package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.execution.management.ManagementTypes.CanisterIdArgs;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LookupResult;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running node through its HTTP interface, as a client sees it: canisters are created,
 * installed, called (v2 and v4), queried (signed responses), upgraded, stopped and started; bad
 * requests get 4xx or the spec's rejections. One node for the whole class.
 */
class ReplicaNodeTest {
  @TempDir static Path dataDir;
  static Node node;
  static IcTestClient client;
  static Principal subnetId;

  /** Any canister id in the node's range serves as the effective id of a creation. */
  static final Principal ANY_IN_RANGE = CanisterId.fromIndex(0).principal();

  @BeforeAll
  static void start() {
    node = Node.start(TestNodeConfigs.ephemeral(dataDir, Map.of(
        "canopy.replica.round-interval-ms", 30,
        "canopy.replica.consensus-tick-ms", 5)));
    client = new IcTestClient(node.httpUri(), 7);
    subnetId = node.subnetId().principal();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  static byte[] motoko(String name) {
    try (InputStream in = ReplicaNodeTest.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] noArgs() {
    return CandidArgs.EMPTY.encode();
  }

  static CandidValue single(byte[] reply) {
    return CandidArgs.decode(reply).get(0);
  }

  static Principal management() {
    return Principal.MANAGEMENT_CANISTER;
  }

  static Principal create() {
    byte[] reply = client.callSync("v4", ANY_IN_RANGE, management(),
        "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode())
        .reply();
    return CreateCanisterResult.decode(reply).canisterId().principal();
  }

  static void install(Principal id, InstallMode mode, String module) {
    client.callSync("v4", id, management(), "install_code",
        new InstallCodeArgs(mode, new CanisterId(id), motoko(module), noArgs(), null).encode())
        .reply();
  }

  static Principal createAndInstall(String module) {
    Principal id = create();
    install(id, new InstallMode.Install(), module);
    return id;
  }

  static byte[] update(Principal id, String method, byte[] arg) {
    return client.callSync("v4", id, id, method, arg).reply();
  }

  static byte[] textArgs(String... texts) {
    CandidArgs.Builder b = CandidArgs.builder();
    for (String t : texts) {
      b.add(CandidType.Prim.TEXT, CandidValue.text(t));
    }
    return b.build().encode();
  }

  @Test
  void statusReportsTheRootKeyWhoseSelfAuthenticatingIdIsTheSubnetId() {
    CborMap status = client.get("/api/v2/status").cbor();
    assertThat(status.getText("replica_health_status")).isEqualTo("healthy");
    assertThat(status.getBytes("root_key")).hasSize(133);
    assertThat(Principal.selfAuthenticating(status.getBytes("root_key"))).isEqualTo(subnetId);
    assertThat(status.getLong("certified_height")).isPositive();
  }

  @Test
  void aMotokoCounterIsCreatedInstalledCalledAndQueried() throws Exception {
    Principal counter = createAndInstall("counter");
    // v4: the certificate verifies under the root key (checked by callSync)
    update(counter, "inc", noArgs());

    // v2: 202, then read_state polling until the status is certified
    IcTestClient.Signed call = client.callRequest(counter, "inc", noArgs());
    IcTestClient.Response accepted =
        client.post("/api/v2/canister/" + counter + "/call", call.body());
    assertThat(accepted.status()).isEqualTo(202);
    List<List<byte[]>> statusPath = List.of(List.of(
        "request_status".getBytes(StandardCharsets.UTF_8), call.requestId().toBytes()));
    String status = "";
    for (int i = 0; i < 500 && !status.equals("replied"); i++) {
      Certificate cert = client.readState("v2", "canister", counter, statusPath);
      IcTestClient.CertifiedStatus s = new IcTestClient.CertifiedStatus(call.requestId(), cert);
      LookupResult r = s.lookup("status");
      status = r instanceof LookupResult.Found f ? new String(f.value(), StandardCharsets.UTF_8) : "";
      if (!status.equals("replied")) {
        Thread.sleep(10); // polling, as an agent does; bounded above
      }
    }
    assertThat(status).isEqualTo("replied");

    // v3 and v2 queries, each signed by the node
    assertThat(single(client.query("v3", counter, counter, "get", noArgs(), subnetId).reply()))
        .isEqualTo(CandidValue.nat(2));
    assertThat(single(client.query("v2", counter, counter, "get", noArgs(), subnetId).reply()))
        .isEqualTo(CandidValue.nat(2));

    // read_state of the module hash at the canister endpoint
    Certificate cert = client.readState("v3", "canister", counter, List.of(List.of(
        "canister".getBytes(StandardCharsets.UTF_8), counter.toBytes(),
        "module_hash".getBytes(StandardCharsets.UTF_8))));
    assertThat(IcTestClient.found(cert.lookup(List.of(Label.of("canister"),
        Label.of(counter.toBytes()), Label.of("module_hash")))))
        .isEqualTo(dev.canopy.types.Hashing.sha256(motoko("counter")));
  }

  @Test
  void aCanisterCallsAnotherAndATrapIsACertifiedReject() {
    Principal counter = createAndInstall("counter");
    Principal caller = createAndInstall("caller");
    byte[] arg = CandidArgs.builder()
        .add(CandidType.Prim.PRINCIPAL, CandidValue.principal(counter)).build().encode();
    assertThat(single(update(caller, "callInc", arg))).isEqualTo(CandidValue.nat(1));
    assertThat(single(update(caller, "callInc", arg))).isEqualTo(CandidValue.nat(2));

    IcTestClient.CertifiedStatus trapped =
        client.callSync("v3", caller, caller, "trap", textArgs("boom"));
    assertThat(trapped.status()).isEqualTo("rejected");
    assertThat(trapped.rejectCode()).isEqualTo(5);
    assertThat(trapped.errorCode()).isEqualTo("IC0503");
    assertThat(trapped.rejectMessage()).contains("boom");
  }

  @Test
  void anUpgradeToStableStoreV2KeepsTheData() {
    Principal store = createAndInstall("stable_store");
    update(store, "put", textArgs("colour", "green"));
    install(store, new InstallMode.Upgrade(null, null), "stable_store_v2");
    assertThat(single(client.query("v3", store, store, "get", textArgs("colour"), subnetId)
        .reply())).isEqualTo(CandidValue.some(CandidValue.text("green")));
    assertThat(single(client.query("v3", store, store, "keys", noArgs(), subnetId).reply()))
        .isEqualTo(CandidValue.vec(CandidValue.text("colour")));
  }

  @Test
  void aStoppedCanisterRejectsCallsAndQueriesUntilStarted() {
    Principal counter = createAndInstall("counter");
    byte[] idArg = new CanisterIdArgs(new CanisterId(counter)).encode();
    client.callSync("v4", counter, management(), "stop_canister", idArg).reply();

    IcTestClient.Response refused = client.post("/api/v2/canister/" + counter + "/call",
        client.callRequest(counter, "inc", noArgs()).body());
    CborMap rejection = refused.cbor();
    assertThat(rejection.getLong("reject_code")).isEqualTo(5);
    assertThat(rejection.getText("error_code")).isEqualTo("IC0508");

    IcTestClient.Response syncRefused = client.post("/api/v4/canister/" + counter + "/call",
        client.callRequest(counter, "inc", noArgs()).body());
    assertThat(syncRefused.cbor().getText("status")).isEqualTo("non_replicated_rejection");

    IcTestClient.QueryAnswer q = client.query("v3", counter, counter, "get", noArgs(), subnetId);
    assertThat(q.status()).isEqualTo("rejected");
    assertThat(q.body().getText("error_code")).isEqualTo("IC0508");

    client.callSync("v4", counter, management(), "start_canister", idArg).reply();
    update(counter, "inc", noArgs());
    assertThat(single(client.query("v3", counter, counter, "get", noArgs(), subnetId).reply()))
        .isEqualTo(CandidValue.nat(1));
  }

  @Test
  void aBodyOverTheLimitGets413() {
    Principal counter = createAndInstall("counter");
    assertThat(client.post("/api/v2/canister/" + counter + "/call", new byte[6 * 1024 * 1024])
        .status()).isEqualTo(413);
  }

  @Test
  void badRequestsGetFourHundredsOrTheSpecsRejections() {
    Principal counter = createAndInstall("counter");
    String callPath = "/api/v2/canister/" + counter + "/call";

    assertThat(client.post(callPath, new byte[] {(byte) 0xff, 0x00, 0x13}).status()).isEqualTo(400);
    assertThat(client.post("/api/v3/canister/not-a-principal/query", new byte[] {1}).status())
        .isEqualTo(400);

    Ed25519SigningKey stranger = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(99));
    IcTestClient.Signed forged =
        client.sign(client.content("call", counter, "inc", noArgs()).build(), stranger);
    assertThat(client.post(callPath, forged.body()).status()).isEqualTo(403);

    CborMap expired = client.content("call", counter, "inc", noArgs(),
        IcTestClient.nowNs() - IcTestClient.ONE_MINUTE_NS).build();
    IcTestClient.Response tooLate = client.post(callPath, client.sign(expired).body());
    assertThat(tooLate.status()).isEqualTo(400);
    assertThat(tooLate.text()).startsWith("Invalid request expiry: ");

    Principal other = CanisterId.fromIndex(77).principal();
    assertThat(client.post("/api/v2/canister/" + other + "/call",
        client.callRequest(counter, "inc", noArgs()).body()).status()).isEqualTo(400);

    Principal unknown = CanisterId.fromIndex(99_999).principal();
    CborMap notFound = client.post("/api/v2/canister/" + unknown + "/call",
        client.callRequest(unknown, "inc", noArgs()).body()).cbor();
    assertThat(notFound.getLong("reject_code")).isEqualTo(3);
    assertThat(notFound.getText("error_code")).isEqualTo("IC0301");
    assertThat(client.query("v3", unknown, unknown, "get", noArgs(), subnetId).body()
        .getText("error_code")).isEqualTo("IC0301");

    // Another sender may not read this sender's request status.
    IcTestClient.CertifiedStatus mine = client.callSync("v4", counter, counter, "inc", noArgs());
    IcTestClient otherClient = new IcTestClient(node.httpUri(), 8);
    IcTestClient.Response forbidden = otherClient.post(
        "/api/v3/canister/" + counter + "/read_state",
        otherClient.sign(otherClient.readStateContent(List.of(List.of(
            "request_status".getBytes(StandardCharsets.UTF_8),
            mine.requestId().toBytes())))).body());
    assertThat(forbidden.status()).isEqualTo(403);

    assertThat(client.post("/api/v2/canister/" + counter + "/nothing", new byte[0]).status())
        .isEqualTo(404);
    assertThat(client.get(callPath).status()).isEqualTo(405);
    byte[] notAnEnvelope = CborEncoder.encodeWithSelfDescribeTag(
        CborMap.builder().put("content", "text").build());
    assertThat(client.post(callPath, notAnEnvelope).status()).isEqualTo(400);
  }
}
