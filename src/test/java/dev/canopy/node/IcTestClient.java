package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.crypto.CertificateVerifier;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.PublicKey;
import dev.canopy.crypto.RequestAuthentication;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import dev.canopy.types.Principal;
import dev.canopy.types.RepresentationIndependentHash;
import dev.canopy.types.RequestId;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.LookupResult;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small IC client for the tests, as an agent behaves: it signs envelopes with an Ed25519 key,
 * verifies certificates under the root key of {@code /api/v2/status} with {@link
 * CertificateVerifier}, and checks the node's signatures on query responses against the node key
 * it reads from the subnet's certified state.
 */
final class IcTestClient {
  static final long ONE_MINUTE_NS = 60_000_000_000L;

  private final URI base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  final Ed25519SigningKey key;
  final Principal sender;
  private final DeterministicRandom nonces;
  private byte[] rootKey;

  IcTestClient(URI base, long seed) {
    this.base = base;
    DeterministicRandom random = DeterministicRandom.fromSeed(seed);
    this.key = Ed25519SigningKey.generate(random);
    this.sender = Principal.selfAuthenticating(key.publicKey().toDer());
    this.nonces = DeterministicRandom.fromSeed(seed + 1);
  }

  record Response(int status, byte[] body) {
    CborMap cbor() {
      assertThat(status).as("status of %s", text()).isEqualTo(200);
      return CborDecoder.DEFAULT.decodeMap(body, "response");
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** A request whose id is known before it is sent. */
  record Signed(RequestId requestId, byte[] body) {}

  // ---- plumbing

  Response post(String path, byte[] body) {
    return send(HttpRequest.newBuilder(base.resolve(path))
        .header("Content-Type", "application/cbor")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  Response get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<byte[]> r = http.send(request.timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      return new Response(r.statusCode(), r.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static long nowNs() {
    return System.currentTimeMillis() * 1_000_000L;
  }

  byte[] rootKey() {
    if (rootKey == null) {
      rootKey = get("/api/v2/status").cbor().getBytes("root_key");
    }
    return rootKey;
  }

  CertificateVerifier verifier() {
    return CertificateVerifier.forRootKey(rootKey());
  }

  // ---- envelopes

  CborMap.Builder content(String type, Principal canister, String method, byte[] arg) {
    return content(type, canister, method, arg, nowNs() + 4 * ONE_MINUTE_NS);
  }

  CborMap.Builder content(
      String type, Principal canister, String method, byte[] arg, long ingressExpiryNs) {
    byte[] nonce = new byte[8];
    nonces.nextBytes(nonce);
    return CborMap.builder()
        .put("request_type", type)
        .put("sender", sender.toBytes())
        .put("ingress_expiry", CborValue.unsigned(ingressExpiryNs))
        .put("canister_id", canister.toBytes())
        .put("method_name", method)
        .put("arg", arg)
        .put("nonce", nonce);
  }

  Signed sign(CborMap content) {
    return sign(content, key);
  }

  /** Signed by {@code signer} while claiming this client's key as sender_pubkey. */
  Signed sign(CborMap content, Ed25519SigningKey signer) {
    RequestId id = RequestId.of(content);
    byte[] message = concat(RequestAuthentication.REQUEST_DOMAIN, id.toBytes());
    CborMap envelope = CborMap.builder()
        .put("content", content)
        .put("sender_pubkey", key.publicKey().toDer())
        .put("sender_sig", signer.sign(message))
        .build();
    return new Signed(id, CborEncoder.encodeWithSelfDescribeTag(envelope));
  }

  /**
   * Signed by {@code session}, to which this client's key delegated through {@code delegations}
   * (spec "Authentication"): the sender stays this client's principal.
   */
  Signed signDelegated(CborMap content, Ed25519SigningKey session,
      List<dev.canopy.crypto.SignedDelegation> delegations) {
    RequestId id = RequestId.of(content);
    List<CborValue> chain = new ArrayList<>();
    for (dev.canopy.crypto.SignedDelegation sd : delegations) {
      dev.canopy.crypto.Delegation d = sd.delegation();
      CborMap.Builder map = CborMap.builder()
          .put("pubkey", d.pubkey())
          .put("expiration", CborValue.unsigned(d.expirationNs()));
      d.targets().ifPresent(t -> map.put("targets",
          new CborArray(t.stream().map(p -> (CborValue) CborValue.bytes(p.toBytes())).toList())));
      chain.add(CborMap.builder().put("delegation", map.build())
          .put("signature", sd.signature()).build());
    }
    CborMap envelope = CborMap.builder()
        .put("content", content)
        .put("sender_pubkey", key.publicKey().toDer())
        .put("sender_sig", session.sign(concat(RequestAuthentication.REQUEST_DOMAIN, id.toBytes())))
        .put("sender_delegation", new CborArray(chain))
        .build();
    return new Signed(id, CborEncoder.encodeWithSelfDescribeTag(envelope));
  }

  CborMap readStateContent(List<List<byte[]>> paths) {
    List<CborValue> ps = new ArrayList<>();
    for (List<byte[]> path : paths) {
      ps.add(new CborArray(path.stream().map(l -> (CborValue) CborValue.bytes(l)).toList()));
    }
    return CborMap.builder()
        .put("request_type", "read_state")
        .put("sender", sender.toBytes())
        .put("ingress_expiry", CborValue.unsigned(nowNs() + 4 * ONE_MINUTE_NS))
        .put("paths", new CborArray(ps))
        .build();
  }

  // ---- calls

  Signed callRequest(Principal canister, String method, byte[] arg) {
    return sign(content("call", canister, method, arg).build());
  }

  /**
   * A synchronous call at {@code /api/v4}: checks the certificate and returns the request's
   * certified status subtree as lookups.
   */
  CertifiedStatus callSync(String version, Principal ecid, Principal canister, String method,
      byte[] arg) {
    Signed call = callRequest(canister, method, arg);
    Response r = post("/api/" + version + "/canister/" + ecid + "/call", call.body());
    if (r.status() == 202) {
      // The node's synchronous wait ran out (a slow first compile on a loaded machine): poll the
      // request's status through read_state, as an agent does.
      return awaitStatus(ecid, call.requestId());
    }
    CborMap body = r.cbor();
    assertThat(body.getText("status")).isEqualTo("replied");
    Certificate cert = verifier().verify(body.getBytes("certificate"),
        CertificateVerifier.Scope.canister(ecid), nowNs()).certificate();
    return new CertifiedStatus(call.requestId(), cert);
  }

  /** Polls {@code /request_status/<rid>} until it is replied or rejected, within two minutes. */
  CertifiedStatus awaitStatus(Principal ecid, RequestId requestId) {
    long deadlineNs = System.nanoTime() + 120_000_000_000L;
    while (true) {
      Certificate cert = readState("v3", "canister", ecid,
          List.of(List.of("request_status".getBytes(StandardCharsets.UTF_8),
              requestId.toBytes())));
      CertifiedStatus status = new CertifiedStatus(requestId, cert);
      if (status.lookup("status") instanceof LookupResult.Found found) {
        String text = new String(found.value(), StandardCharsets.UTF_8);
        if (text.equals("replied") || text.equals("rejected")) {
          return status;
        }
      }
      if (System.nanoTime() > deadlineNs) {
        throw new AssertionError("request " + requestId + " not answered within two minutes");
      }
      try {
        Thread.sleep(20); // polling, as an agent does; bounded above
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /**
   * Creates a canister with {@code provisional_create_canister_with_cycles} (effective canister id:
   * index 0 of the node's range) and installs {@code wasm} in it with an empty argument.
   */
  Principal createAndInstall(byte[] wasm) {
    byte[] reply = callSync("v4", CanisterId.fromIndex(0).principal(),
        Principal.MANAGEMENT_CANISTER, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode())
        .reply();
    Principal id = CreateCanisterResult.decode(reply).canisterId().principal();
    callSync("v4", id, Principal.MANAGEMENT_CANISTER, "install_code",
        new InstallCodeArgs(new InstallMode.Install(), new CanisterId(id), wasm,
            new byte[0], null).encode()).reply();
    return id;
  }

  /** A request's status as a certificate shows it. */
  record CertifiedStatus(RequestId requestId, Certificate certificate) {
    LookupResult lookup(String field) {
      return certificate.lookup(List.of(
          dev.canopy.types.hashtree.Label.of("request_status"),
          dev.canopy.types.hashtree.Label.of(requestId.toBytes()),
          dev.canopy.types.hashtree.Label.of(field)));
    }

    String status() {
      return new String(found(lookup("status")), StandardCharsets.UTF_8);
    }

    byte[] reply() {
      assertThat(status()).as("status (reject: %s)", rejectMessage()).isEqualTo("replied");
      return found(lookup("reply"));
    }

    String rejectMessage() {
      LookupResult r = lookup("reject_message");
      return r instanceof LookupResult.Found f ? new String(f.value(), StandardCharsets.UTF_8) : "";
    }

    String errorCode() {
      return new String(found(lookup("error_code")), StandardCharsets.UTF_8);
    }

    long rejectCode() {
      byte[] leb = found(lookup("reject_code"));
      long value = 0;
      for (int i = leb.length - 1; i >= 0; i--) {
        value = (value << 7) | (leb[i] & 0x7f);
      }
      return value;
    }
  }

  static byte[] found(LookupResult r) {
    assertThat(r).isInstanceOf(LookupResult.Found.class);
    return ((LookupResult.Found) r).value();
  }

  /** read_state at {@code /api/<version>/<kind>/<id>/read_state}; the certificate verified. */
  Certificate readState(String version, String kind, Principal id, List<List<byte[]>> paths) {
    Response r = post("/api/" + version + "/" + kind + "/" + id + "/read_state",
        sign(readStateContent(paths)).body());
    CertificateVerifier.Scope scope = kind.equals("subnet")
        ? CertificateVerifier.Scope.subnet(id) : CertificateVerifier.Scope.canister(id);
    return verifier().verify(r.cbor().getBytes("certificate"), scope, nowNs()).certificate();
  }

  // ---- queries

  /** A query answer whose node signature was checked. */
  record QueryAnswer(CborMap body) {
    String status() {
      return body.getText("status");
    }

    byte[] reply() {
      assertThat(status()).as("query status: %s", body).isEqualTo("replied");
      return body.getMap("reply").getBytes("arg");
    }
  }

  QueryAnswer query(String version, Principal ecid, Principal canister, String method, byte[] arg,
      Principal subnetId) {
    CborMap content = content("query", canister, method, arg).build();
    Signed q = sign(content);
    CborMap body = post("/api/" + version + "/canister/" + ecid + "/query", q.body()).cbor();
    verifyQuerySignature(body, q.requestId(), subnetId);
    return new QueryAnswer(body);
  }

  /**
   * Checks {@code signatures} as agents do (spec "Request: Query call"): each node key read from
   * {@code /subnet/<sid>/node/<nid>/public_key} in a separate read_state, the signature over
   * {@code "\x0Bic-response" · hash_of_map(response fields, timestamp, request_id)}.
   */
  void verifyQuerySignature(CborMap body, RequestId requestId, Principal subnetId) {
    CborArray signatures = body.getArray("signatures");
    assertThat(signatures.size()).isEqualTo(1);
    CborMap sig = signatures.get(0).asMap("signature");
    Principal node = Principal.fromBytes(sig.getBytes("identity"));
    long timestamp = sig.getLong("timestamp");
    assertThat(Math.abs(timestamp - nowNs())).isLessThan(5 * ONE_MINUTE_NS);
    Certificate subnet = readState("v3", "subnet", subnetId, List.of(List.of(
        "subnet".getBytes(StandardCharsets.UTF_8), subnetId.toBytes())));
    byte[] keyDer = found(subnet.lookup(List.of(
        dev.canopy.types.hashtree.Label.of("subnet"),
        dev.canopy.types.hashtree.Label.of(subnetId.toBytes()),
        dev.canopy.types.hashtree.Label.of("node"),
        dev.canopy.types.hashtree.Label.of(node.toBytes()),
        dev.canopy.types.hashtree.Label.of("public_key"))));
    Ed25519PublicKey nodeKey = (Ed25519PublicKey) PublicKey.fromDer(keyDer);
    Map<String, Object> hashed = new LinkedHashMap<>();
    hashed.put("status", body.getText("status"));
    if (body.getText("status").equals("replied")) {
      hashed.put("reply", Map.of("arg", body.getMap("reply").getBytes("arg")));
    } else {
      hashed.put("reject_code", body.getLong("reject_code"));
      hashed.put("reject_message", body.getText("reject_message"));
      body.findText("error_code").ifPresent(c -> hashed.put("error_code", c));
    }
    hashed.put("timestamp", timestamp);
    hashed.put("request_id", requestId.toBytes());
    byte[] message = concat(Hashing.domainSeparator("ic-response"),
        RepresentationIndependentHash.hashOfMap(hashed));
    assertThat(nodeKey.isValidSignature(message, sig.getBytes("signature")))
        .as("the node's signature on the query response").isTrue();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
