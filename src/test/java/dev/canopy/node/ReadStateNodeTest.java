package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Delegation;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.SignedDelegation;
import dev.canopy.types.Principal;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.Label;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * read_state through the HTTP interface of a running node: the subnet's metrics, and delegation
 * targets.
 */
class ReadStateNodeTest {
  @TempDir static Path dataDir;
  static Node node;
  static IcTestClient client;
  static Principal subnetId;

  /** Replies to "ping" with nothing. */
  static final String PING = """
      (module
        (import "ic0" "msg_reply" (func $reply))
        (func (export "canister_update ping") (call $reply)))
      """;

  @BeforeAll
  static void start() {
    node = Node.start(TestNodeConfigs.ephemeral(dataDir, Map.of(
        "canopy.replica.round-interval-ms", 30,
        "canopy.replica.consensus-tick-ms", 5)));
    client = new IcTestClient(node.httpUri(), 31);
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

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aDelegationWithTargetsReadsOnlyThoseCanistersAndTheirRequests() {
    Principal a = createAndInstall(PING);
    Principal b = createAndInstall(PING);
    IcTestClient.CertifiedStatus callToA = client.callSync("v4", a, a, "ping", new byte[0]);
    IcTestClient.CertifiedStatus callToB = client.callSync("v4", b, b, "ping", new byte[0]);

    Ed25519SigningKey session = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(32));
    SignedDelegation onlyA = SignedDelegation.sign(new Delegation(session.publicKey().toDer(),
        IcTestClient.nowNs() + 10 * IcTestClient.ONE_MINUTE_NS, Optional.of(List.of(a)),
        Optional.empty()), client.key);
    java.util.function.BiFunction<Principal, List<byte[]>, IcTestClient.Response> read =
        (ecid, path) -> client.post("/api/v3/canister/" + ecid + "/read_state",
            client.signDelegated(client.readStateContent(List.of(path)), session,
                List.of(onlyA)).body());

    // Within the targets: the canister's paths and the status of a request sent to it.
    Certificate module = client.verifier().verify(
        read.apply(a, List.of(utf8("canister"), a.toBytes(), utf8("module_hash"))).cbor()
            .getBytes("certificate"),
        dev.canopy.crypto.CertificateVerifier.Scope.canister(a), IcTestClient.nowNs())
        .certificate();
    assertThat(IcTestClient.found(module.lookup(List.of(Label.of("canister"),
        Label.of(a.toBytes()), Label.of("module_hash"))))).hasSize(32);
    assertThat(read.apply(a, List.of(utf8("request_status"), callToA.requestId().toBytes()))
        .status()).isEqualTo(200);

    // Outside them: 403, saying why.
    IcTestClient.Response canisterB =
        read.apply(b, List.of(utf8("canister"), b.toBytes(), utf8("controllers")));
    assertThat(canisterB.status()).isEqualTo(403);
    assertThat(canisterB.text()).contains(b.toText(), "not among the targets");
    IcTestClient.Response statusB =
        read.apply(b, List.of(utf8("request_status"), callToB.requestId().toBytes()));
    assertThat(statusB.status()).isEqualTo(403);
    assertThat(statusB.text()).contains("not among the targets");

    // Without the delegation the same sender reads both.
    assertThat(client.readState("v3", "canister", b, List.of(List.of(utf8("request_status"),
        callToB.requestId().toBytes())))).isNotNull();
  }

  /** {@code /subnet/<sid>/metrics} read at the subnet endpoint, certificate verified. */
  static java.util.Map<Long, dev.canopy.types.cbor.CborValue> metrics() {
    Certificate cert = client.readState("v3", "subnet", subnetId,
        List.of(List.of(utf8("subnet"), subnetId.toBytes(), utf8("metrics"))));
    byte[] blob = IcTestClient.found(cert.lookup(List.of(Label.of("subnet"),
        Label.of(subnetId.toBytes()), Label.of("metrics"))));
    dev.canopy.types.cbor.CborMap map = (dev.canopy.types.cbor.CborMap)
        dev.canopy.types.cbor.CborDecoder.builder().textKeysOnly(false).build().decode(blob);
    java.util.Map<Long, dev.canopy.types.cbor.CborValue> byIndex = new java.util.TreeMap<>();
    map.entries().forEach((k, v) ->
        byIndex.put(((dev.canopy.types.cbor.CborValue.UnsignedInt) k).value().longValueExact(), v));
    return byIndex;
  }

  static long number(dev.canopy.types.cbor.CborValue v) {
    return ((dev.canopy.types.cbor.CborValue.UnsignedInt) v).value().longValueExact();
  }

  @Test
  void theSubnetsMetricsAreCertifiedEachHeightAndReadAtTheSubnetEndpointOnly() {
    createAndInstall(PING);
    Map<Long, dev.canopy.types.cbor.CborValue> before = metrics();
    assertThat(before.keySet()).containsExactly(0L, 1L, 2L, 3L);
    assertThat(number(before.get(0L))).isPositive();
    assertThat(number(before.get(1L))).isPositive(); // the installed modules and memories
    dev.canopy.types.cbor.CborMap cycles = (dev.canopy.types.cbor.CborMap) before.get(2L);
    assertThat(cycles.entries()).containsOnlyKeys(
        dev.canopy.types.cbor.CborValue.unsigned(0), dev.canopy.types.cbor.CborValue.unsigned(1));

    Principal fresh = createAndInstall(PING);
    client.callSync("v4", fresh, fresh, "ping", new byte[0]);
    Map<Long, dev.canopy.types.cbor.CborValue> after = metrics();
    assertThat(number(after.get(0L))).isEqualTo(number(before.get(0L)) + 1);
    assertThat(number(after.get(1L))).isGreaterThan(number(before.get(1L)));
    // create, install and ping are three executions at least
    assertThat(number(after.get(3L))).isGreaterThanOrEqualTo(number(before.get(3L)) + 3);

    // Not at a canister endpoint (spec "Request: Read state").
    IcTestClient.Response atCanister = client.post("/api/v3/canister/" + fresh + "/read_state",
        client.sign(client.readStateContent(List.of(
            List.of(utf8("subnet"), subnetId.toBytes(), utf8("metrics"))))).body());
    assertThat(atCanister.status()).isEqualTo(404);
  }
}
