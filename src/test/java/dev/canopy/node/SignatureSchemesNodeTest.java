package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.crypto.CanisterSignature;
import dev.canopy.crypto.CanisterSignaturePublicKey;
import dev.canopy.crypto.CertificateVerifier;
import dev.canopy.crypto.Delegation;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.RequestAuthentication;
import dev.canopy.crypto.SignedDelegation;
import dev.canopy.crypto.WebAuthnSignature;
import dev.canopy.crypto.WebAuthnTestAuthenticator;
import dev.canopy.types.Hashing;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.LabeledTree;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests authenticated by the two schemes that are not plain signatures, through the HTTP
 * interface of a running node: a canister signature, made the way Internet Identity makes one (a
 * canister certifies the root hash of its {@code sig} tree and its client reads the certificate
 * with a query), as the root of a delegation to a session key; and a WebAuthn key signing calls
 * directly.
 */
class SignatureSchemesNodeTest {
  @TempDir static Path dataDir;
  static Node node;
  static IcTestClient client;
  static Principal subnetId;
  static Principal signer;

  /**
   * A signing canister: {@code certify} sets its certified data to the argument (the root hash of
   * its signature tree, which its client computes here), {@code certificate} returns the data
   * certificate, and {@code whoami} replies with the caller's principal.
   */
  static final String SIGNER = """
      (module
        (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
        (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
        (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
        (import "ic0" "data_certificate_size" (func $cert_size (result i32)))
        (import "ic0" "data_certificate_copy" (func $cert_copy (param i32 i32 i32)))
        (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
        (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
        (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
        (import "ic0" "msg_reply" (func $reply))
        (memory 1)
        (func (export "canister_update certify")
          (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
          (call $certify (i32.const 0) (call $arg_size))
          (call $reply))
        (func (export "canister_query certificate")
          (call $cert_copy (i32.const 0) (i32.const 0) (call $cert_size))
          (call $append (i32.const 0) (call $cert_size))
          (call $reply))
        (func (export "canister_update whoami")
          (call $caller_copy (i32.const 0) (i32.const 0) (call $caller_size))
          (call $append (i32.const 0) (call $caller_size))
          (call $reply)))
      """;

  @BeforeAll
  static void start() {
    node = Node.start(TestNodeConfigs.ephemeral(dataDir, Map.of(
        "canopy.replica.round-interval-ms", 30,
        "canopy.replica.consensus-tick-ms", 5)));
    client = new IcTestClient(node.httpUri(), 81);
    subnetId = node.subnetId().principal();
    signer = client.createAndInstall(Wat2Wasm.parse(SIGNER));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Who signs: a sender key (DER), a chain of delegations, and what signs the request itself. */
  record Identity(byte[] senderDer, List<SignedDelegation> chain, Function<byte[], byte[]> requestSigner) {
    Principal principal() {
      return Principal.selfAuthenticating(senderDer);
    }

    /** The envelope of {@code content}, as an agent sends it. */
    byte[] envelope(CborMap content) {
      RequestId id = RequestId.of(content);
      CborMap.Builder envelope = CborMap.builder().put("content", content).put("sender_pubkey", senderDer)
          .put("sender_sig", requestSigner.apply(IcTestClient.concat(RequestAuthentication.REQUEST_DOMAIN, id.toBytes())));
      if (!chain.isEmpty()) {
        List<CborValue> ds = new ArrayList<>();
        for (SignedDelegation sd : chain) {
          ds.add(CborMap.builder().put("delegation", CborMap.builder().put("pubkey", sd.delegation().pubkey())
                  .put("expiration", CborValue.unsigned(sd.delegation().expirationNs())).build())
              .put("signature", sd.signature()).build());
        }
        envelope.put("sender_delegation", new CborArray(ds));
      }
      return CborEncoder.encodeWithSelfDescribeTag(envelope.build());
    }

    CborMap callContent(Principal canister, String method) {
      return CborMap.builder()
          .put("request_type", "call")
          .put("sender", principal().toBytes())
          .put("ingress_expiry", CborValue.unsigned(IcTestClient.nowNs() + 4 * IcTestClient.ONE_MINUTE_NS))
          .put("canister_id", canister.toBytes())
          .put("method_name", method)
          .put("arg", new byte[0])
          .put("nonce", Hashing.sha256(senderDer))
          .build();
    }

    /** A synchronous call to {@code whoami} of the signing canister. */
    IcTestClient.Response whoami() {
      return client.post("/api/v4/canister/" + signer + "/call", envelope(callContent(signer, "whoami")));
    }

    /** The reply of a {@code whoami} that went through, its certificate verified. */
    byte[] whoamiReply() {
      CborMap content = callContent(signer, "whoami");
      RequestId id = RequestId.of(content);
      IcTestClient.Response r = client.post("/api/v4/canister/" + signer + "/call", envelope(content));
      assertThat(r.status()).as(r.text()).isIn(200, 202);
      Certificate cert = r.status() == 200
          ? client.verifier().verify(r.cbor().getBytes("certificate"), CertificateVerifier.Scope.canister(signer),
              IcTestClient.nowNs()).certificate()
          : awaitStatus(id);
      return new IcTestClient.CertifiedStatus(id, cert).reply();
    }

    /**
     * Polls the request's status with read_state signed by this identity (only the sender may read
     * it), within two minutes, for the rare case of a synchronous wait that ran out.
     */
    private Certificate awaitStatus(RequestId id) {
      long deadlineNs = System.nanoTime() + 120_000_000_000L;
      while (true) {
        CborMap content = CborMap.builder().put("request_type", "read_state").put("sender", principal().toBytes())
            .put("ingress_expiry", CborValue.unsigned(IcTestClient.nowNs() + 4 * IcTestClient.ONE_MINUTE_NS))
            .put("paths", CborArray.of(CborArray.of(CborValue.bytes(utf8("request_status")), CborValue.bytes(id.toBytes()))))
            .build();
        IcTestClient.Response r = client.post("/api/v3/canister/" + signer + "/read_state", envelope(content));
        Certificate cert = client.verifier().verify(r.cbor().getBytes("certificate"),
            CertificateVerifier.Scope.canister(signer), IcTestClient.nowNs()).certificate();
        IcTestClient.CertifiedStatus status = new IcTestClient.CertifiedStatus(id, cert);
        if (status.lookup("status") instanceof dev.canopy.types.hashtree.LookupResult.Found f) {
          String s = new String(f.value(), StandardCharsets.UTF_8);
          if (s.equals("replied") || s.equals("rejected")) {
            return cert;
          }
        }
        assertThat(System.nanoTime()).as("answered within two minutes").isLessThan(deadlineNs);
        try {
          Thread.sleep(20); // polling, as an agent does; bounded above
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  /**
   * The signing canister signs {@code payload} for {@code seed}: it puts the path into its
   * signature tree (beside a few other users' signatures) and certifies the tree's root hash; the
   * client reads the certificate with a query and keeps a witness of the path.
   */
  static byte[] canisterSign(byte[] seed, byte[] payload) {
    LabeledTree.Node.Builder seeds = LabeledTree.node()
        .put(Hashing.sha256(seed), LabeledTree.node().put(Hashing.sha256(payload), LabeledTree.leaf(new byte[0])).build());
    for (int i = 0; i < 3; i++) {
      seeds.put(Hashing.sha256(utf8("another user " + i)),
          LabeledTree.node().put(Hashing.sha256(new byte[] {(byte) i}), LabeledTree.leaf(new byte[0])).build());
    }
    HashTree tree = HashTree.fromLabeledTree(LabeledTree.node().put("sig", seeds.build()).build());
    client.callSync("v4", signer, signer, "certify", tree.digest()).reply();
    byte[] certificate = client.query("v3", signer, signer, "certificate", new byte[0], subnetId).reply();
    return new CanisterSignature(certificate, tree.prune(List.of(CanisterSignature.signaturePath(seed, payload)))).encode();
  }

  /** An Internet-Identity-like login: the canister's key for {@code seed} delegates to a session key. */
  static Identity canisterDelegated(byte[] seed, Ed25519SigningKey session, Delegation delegation, byte[] delegationSignature) {
    byte[] canisterKey = CanisterSignaturePublicKey.of(signer, seed).toDer();
    return new Identity(canisterKey, List.of(new SignedDelegation(delegation, delegationSignature)), session::sign);
  }

  @Test
  void aDelegationSignedByACanisterAuthenticatesItsSessionKey() {
    byte[] seed = utf8("anchor 10000 for https://app.example");
    Ed25519SigningKey session = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(82));
    Delegation delegation = Delegation.of(session.publicKey().toDer(), IcTestClient.nowNs() + 30 * IcTestClient.ONE_MINUTE_NS);
    byte[] signature = canisterSign(seed, delegation.signedBytes());

    Identity user = canisterDelegated(seed, session, delegation, signature);
    // The canister sees the canister-signature key's principal as its caller.
    assertThat(Principal.fromBytes(user.whoamiReply())).isEqualTo(user.principal());

    // Another seed (another user of the same canister): not signed for it.
    IcTestClient.Response otherSeed = canisterDelegated(utf8("anchor 10001"), session, delegation, signature).whoami();
    assertThat(otherSeed.status()).isEqualTo(403);
    assertThat(otherSeed.text()).contains("did not sign this payload");

    // Another message: a delegation that lives longer than the one the canister signed.
    Delegation longer = Delegation.of(session.publicKey().toDer(), delegation.expirationNs() + IcTestClient.ONE_MINUTE_NS);
    IcTestClient.Response otherMessage = canisterDelegated(seed, session, longer, signature).whoami();
    assertThat(otherMessage.status()).isEqualTo(403);
    assertThat(otherMessage.text()).startsWith("Invalid delegation: ").contains("did not sign this payload");

    // Another tree: the same path, in a tree the canister never certified.
    CanisterSignature genuine = CanisterSignature.decode(signature);
    HashTree forged = HashTree.fromLabeledTree(LabeledTree.node().put("sig", LabeledTree.node()
        .put(Hashing.sha256(seed), LabeledTree.node().put(Hashing.sha256(delegation.signedBytes()), LabeledTree.leaf(new byte[0])).build())
        .build()).build());
    IcTestClient.Response otherTree = canisterDelegated(seed, session, delegation,
        new CanisterSignature(genuine.certificate(), forged).encode()).whoami();
    assertThat(otherTree.status()).isEqualTo(403);
    assertThat(otherTree.text()).contains("the tree is not the one the canister certified");

    // The session key must sign the request: another key is refused even with the right chain.
    Identity wrongSigner = new Identity(user.senderDer(), user.chain(),
        Ed25519SigningKey.generate(DeterministicRandom.fromSeed(83))::sign);
    assertThat(wrongSigner.whoami().status()).isEqualTo(403);
  }

  @Test
  void callsSignedByWebAuthnKeysGoThrough() {
    for (WebAuthnTestAuthenticator.Kind kind : WebAuthnTestAuthenticator.Kind.values()) {
      WebAuthnTestAuthenticator device = new WebAuthnTestAuthenticator(kind, 84);
      Identity user = new Identity(device.publicKeyDer(), List.of(), device::sign);
      assertThat(Principal.fromBytes(user.whoamiReply())).as(kind.toString()).isEqualTo(user.principal());

      // A signature over the request with its client data altered after signing.
      Identity tampered = new Identity(device.publicKeyDer(), List.of(), payload -> {
        WebAuthnSignature s = device.assertion(payload);
        byte[] json = new String(s.clientDataJson(), StandardCharsets.UTF_8)
            .replace("\"crossOrigin\":false", "\"crossOrigin\":true").getBytes(StandardCharsets.UTF_8);
        return new WebAuthnSignature(s.authenticatorData(), json, s.signature()).encode();
      });
      IcTestClient.Response refused = tampered.whoami();
      assertThat(refused.status()).as(kind.toString()).isEqualTo(403);
      assertThat(refused.text()).startsWith("Invalid signature: ").contains("WebAuthn");
    }
  }
}
