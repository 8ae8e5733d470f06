package dev.canopy.agent;

import dev.canopy.crypto.CertificateVerifier;
import dev.canopy.crypto.CertificateVerifier.VerifiedCertificate;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.PublicKey;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.RepresentationIndependentHash;
import dev.canopy.types.RequestId;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LeafPath;
import dev.canopy.types.hashtree.LookupResult;
import dev.canopy.types.hashtree.SubtreeLookup;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * An agent for the Internet Computer's HTTP interface: it signs requests as its {@link Identity},
 * sends them to one node, and checks what comes back (certificates under the root key, query
 * responses under the node keys the subnet certifies).
 *
 * <pre>{@code
 * Agent agent = Agent.builder().withUrl("http://127.0.0.1:4943").withIdentity(id)
 *     .fetchRootKey().build();
 * byte[] reply = agent.update(canister, "inc", CandidArgs.EMPTY.encode());
 * }</pre>
 *
 * <p>Note: update calls try {@code /api/v4} (synchronous), then {@code /api/v3}, then {@code /api/v2}
 * with {@code read_state} polling, moving on only when an endpoint answers 404, as agent-js does;
 * the version that worked is remembered. Queries try {@code /api/v3}, then {@code /api/v2}.
 */
public final class Agent {
  /** agent-js sends now + 5 min; 4 min leaves room for a client clock somewhat ahead. */
  public static final long DEFAULT_INGRESS_EXPIRY_NS = 4L * 60 * 1_000_000_000L;
  public static final long DEFAULT_CALL_TIMEOUT_MS = 5L * 60 * 1000;
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
  private static final long MIN_POLL_DELAY_MS = 20;
  private static final long MAX_POLL_DELAY_MS = 1_000;
  private static final int NONCE_BYTES = 8;
  private static final byte[] RESPONSE_DOMAIN = {
    0x0b, 'i', 'c', '-', 'r', 'e', 's', 'p', 'o', 'n', 's', 'e'
  };

  private final URI url;
  private final Identity identity;
  private final HttpClient http;
  private final LongSupplier nowNanos;
  private final RandomGenerator nonces;
  private final long ingressExpiryNs;
  private final long callTimeoutMs;
  private final long requestTimeoutMs;
  private final int maxResponseBytes;
  private final boolean verifyQuerySignatures;
  private final CborDecoder decoder;
  private volatile byte[] rootKeyDer;
  private volatile CertificateVerifier verifier;
  private final Map<Principal, Map<Principal, PublicKey>> nodeKeysBySubnet = new ConcurrentHashMap<>();
  /** The newest call endpoint version that answered (4, 3 or 2). */
  private volatile int callVersion = 4;
  /** The newest query and read_state endpoint version that answered (3 or 2). */
  private volatile int queryVersion = 3;
  private volatile int readStateVersion = 3;

  private Agent(Builder b) {
    this.url = b.url;
    this.identity = b.identity;
    this.http = b.http != null
        ? b.http
        : HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis(Math.min(b.requestTimeoutMs, 10_000)))
            .build();
    this.nowNanos = b.nowNanos;
    this.nonces = b.nonces;
    this.ingressExpiryNs = b.ingressExpiryNs;
    this.callTimeoutMs = b.callTimeoutMs;
    this.requestTimeoutMs = b.requestTimeoutMs;
    this.maxResponseBytes = b.maxResponseBytes;
    this.verifyQuerySignatures = b.verifyQuerySignatures;
    this.decoder =
        CborDecoder.builder().limits(CborLimits.DEFAULT.withMaxSizeBytes(b.maxResponseBytes)).build();
    if (b.rootKeyDer != null) {
      setRootKey(b.rootKeyDer);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  public URI url() {
    return url;
  }

  public Identity identity() {
    return identity;
  }

  /** The same node and settings, signing as {@code other}. */
  public Agent withIdentity(Identity other) {
    Builder b = new Builder();
    b.url = url;
    b.identity = other;
    b.http = http;
    b.nowNanos = nowNanos;
    b.nonces = nonces;
    b.ingressExpiryNs = ingressExpiryNs;
    b.callTimeoutMs = callTimeoutMs;
    b.requestTimeoutMs = requestTimeoutMs;
    b.maxResponseBytes = maxResponseBytes;
    b.verifyQuerySignatures = verifyQuerySignatures;
    b.rootKeyDer = rootKeyDer;
    return new Agent(b);
  }

  /** The root key certificates are checked against, fetched from the node when not given. */
  public byte[] rootKey() {
    if (rootKeyDer == null) {
      NodeStatus s = status();
      byte[] key = s.rootKeyDer()
          .orElseThrow(() -> new AgentProtocolException(
              "the node at " + url + " does not publish a root key in /api/v2/status; pass the"
                  + " network's root key instead of fetching it"));
      setRootKey(key);
    }
    return rootKeyDer.clone();
  }

  private synchronized void setRootKey(byte[] der) {
    try {
      this.verifier = CertificateVerifier.forRootKey(der);
    } catch (InvalidInputException e) {
      throw new AgentProtocolException("the root key is not a BLS12-381 key: " + e.getMessage(), e);
    }
    this.rootKeyDer = der.clone();
  }

  private CertificateVerifier verifier() {
    if (verifier == null) {
      rootKey();
    }
    return verifier;
  }

  /** The subnet a certificate without delegation speaks for: the root subnet. */
  public SubnetId rootSubnetId() {
    return new SubnetId(Principal.selfAuthenticating(rootKey()));
  }

  // ---------------------------------------------------------------------------------------------
  // status

  /** {@code GET /api/v2/status}. */
  public NodeStatus status() {
    URI uri = url.resolve("/api/v2/status");
    HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri).GET(), uri);
    if (r.statusCode() != 200) {
      throw httpError(uri, r);
    }
    CborMap m = decodeMap(r.body(), "the status response");
    try {
      OptionalLong height = m.findUnsigned("certified_height")
          .map(h -> OptionalLong.of(h.longValue())).orElse(OptionalLong.empty());
      return new NodeStatus(
          m.findText("ic_api_version").orElse("?"),
          m.findBytes("root_key"),
          m.findText("replica_health_status"),
          m.findText("impl_version"),
          height);
    } catch (InvalidInputException e) {
      throw new AgentProtocolException("the status response is malformed: " + e.getMessage(), e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // update calls

  /** An update call to a canister that is its own effective canister id. */
  public byte[] update(Principal canisterId, String method, byte[] arg) {
    return update(canisterId, canisterId, method, arg);
  }

  /**
   * An update call; {@code effectiveCanisterId} routes it (for the management canister, the
   * canister the call is about). Returns the reply, or throws an {@link AgentReject}.
   */
  public byte[] update(Principal canisterId, Principal effectiveCanisterId, String method, byte[] arg) {
    return updateWithRequestId(canisterId, effectiveCanisterId, method, arg).reply();
  }

  /** An update call's certified reply, and the id of the request that carried the call. */
  public record UpdateReply(RequestId requestId, byte[] reply) {
    public UpdateReply {
      Objects.requireNonNull(requestId, "requestId");
      reply = reply.clone();
    }

    @Override
    public byte[] reply() {
      return reply.clone();
    }
  }

  /**
   * Like {@link #update(Principal, Principal, String, byte[])}, and also says which request id the
   * call had, so that its certified status can be read again later, from any node of the subnet
   * ({@code read_state} of {@code /request_status/<id>}).
   */
  public UpdateReply updateWithRequestId(
      Principal canisterId, Principal effectiveCanisterId, String method, byte[] arg) {
    long start = System.nanoTime();
    byte[] nonce = new byte[NONCE_BYTES];
    nonces.nextBytes(nonce);
    SignedRequest request = Envelopes.sign(
        Envelopes.callContent(identity.sender(), canisterId, method, arg, expiry(), Optional.of(nonce)),
        identity);
    String ecid = effectiveCanisterId.toText();
    while (true) {
      int version = callVersion;
      URI uri = url.resolve("/api/v" + version + "/canister/" + ecid + "/call");
      HttpResponse<byte[]> r = post(uri, request.body());
      if (r.statusCode() == 404 && version > 2) {
        callVersion = version == 4 ? 3 : 2;
        continue;
      }
      if (r.statusCode() == 202) {
        return new UpdateReply(request.requestId(),
            poll(request.requestId(), effectiveCanisterId, start));
      }
      if (r.statusCode() != 200) {
        throw httpError(uri, r);
      }
      CborMap body = decodeMap(r.body(), "the call response");
      String status = body.findText("status").orElse(version == 2 ? "non_replicated_rejection" : "");
      switch (status) {
        case "non_replicated_rejection":
          throw rejectFrom(body, "the call response");
        case "replied":
          {
            byte[] cert = field(() -> body.getBytes("certificate"), "the call response");
            VerifiedCertificate vc = verify(cert, effectiveCanisterId);
            Optional<byte[]> outcome = requestOutcome(vc, request.requestId());
            return new UpdateReply(request.requestId(), outcome.isPresent()
                ? outcome.get()
                : poll(request.requestId(), effectiveCanisterId, start));
          }
        default:
          throw new AgentProtocolException(
              "the call response has status \"" + status + "\"; expected \"replied\" or"
                  + " \"non_replicated_rejection\"");
      }
    }
  }

  /** Polls {@code /request_status/<rid>} with a growing delay until replied, rejected or timeout. */
  private byte[] poll(RequestId requestId, Principal ecid, long startNanos) {
    long delayMs = MIN_POLL_DELAY_MS;
    String lastStatus = "unknown";
    List<List<byte[]>> paths = List.of(List.of(bytes("request_status"), requestId.toBytes()));
    while (true) {
      VerifiedCertificate vc = readState(ecid, paths);
      Optional<byte[]> outcome = requestOutcome(vc, requestId);
      if (outcome.isPresent()) {
        return outcome.get();
      }
      lastStatus = lookupText(vc, "request_status", requestId.toBytes(), "status").orElse("unknown");
      long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
      if (elapsedMs + delayMs > callTimeoutMs) {
        throw new AgentTransportException(
            AgentTransportException.Reason.TIMEOUT,
            url,
            0,
            "the node accepted call " + requestId.toDisplayString() + " but it did not finish"
                + " within " + callTimeoutMs + " ms (last status: " + lastStatus + "); the node"
                + " may be overloaded or stalled; check it with canopy status");
      }
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AgentTransportException(
            AgentTransportException.Reason.IO, url, "interrupted while waiting for a reply", e);
      }
      delayMs = Math.min(MAX_POLL_DELAY_MS, delayMs * 2);
    }
  }

  /**
   * The reply if the certificate says replied; throws the reject if rejected; empty while the call
   * is unknown, received or processing.
   */
  private Optional<byte[]> requestOutcome(VerifiedCertificate vc, RequestId rid) {
    byte[] r = rid.toBytes();
    Optional<String> status = lookupText(vc, "request_status", r, "status");
    if (status.isEmpty()) {
      return Optional.empty();
    }
    switch (status.get()) {
      case "replied":
        return Optional.of(lookupBytes(vc, "request_status", r, "reply")
            .orElseThrow(() -> new AgentProtocolException(
                "the certificate says call " + rid.toDisplayString() + " replied but holds no reply")));
      case "rejected":
        {
          byte[] code = lookupBytes(vc, "request_status", r, "reject_code")
              .orElseThrow(() -> new AgentProtocolException("a rejected call has no reject_code"));
          String message = lookupText(vc, "request_status", r, "reject_message").orElse("");
          Optional<String> errorCode = lookupText(vc, "request_status", r, "error_code");
          throw new AgentReject(leb128(code), errorCode, message);
        }
      case "done":
        throw new AgentProtocolException(
            "call " + rid.toDisplayString() + " finished but its reply is no longer kept (status"
                + " done); make the call again");
      default:
        return Optional.empty();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // queries

  public byte[] query(Principal canisterId, String method, byte[] arg) {
    return query(canisterId, canisterId, method, arg);
  }

  /** A query; returns the reply after checking the node's signature, or throws the reject. */
  public byte[] query(Principal canisterId, Principal effectiveCanisterId, String method, byte[] arg) {
    SignedRequest request = Envelopes.sign(
        Envelopes.queryContent(identity.sender(), canisterId, method, arg, expiry(), Optional.empty()),
        identity);
    String ecid = effectiveCanisterId.toText();
    while (true) {
      int version = queryVersion;
      URI uri = url.resolve("/api/v" + version + "/canister/" + ecid + "/query");
      HttpResponse<byte[]> r = post(uri, request.body());
      if (r.statusCode() == 404 && version > 2) {
        queryVersion = 2;
        continue;
      }
      if (r.statusCode() != 200) {
        throw httpError(uri, r);
      }
      CborMap body = decodeMap(r.body(), "the query response");
      String status = field(() -> body.getText("status"), "the query response");
      Map<String, Object> signed = new LinkedHashMap<>();
      byte[] reply = null;
      AgentReject reject = null;
      switch (status) {
        case "replied":
          reply = field(() -> body.getMap("reply").getBytes("arg"), "the query response");
          signed.put("status", "replied");
          signed.put("reply", Map.of("arg", reply));
          break;
        case "rejected":
          reject = rejectFrom(body, "the query response");
          signed.put("status", "rejected");
          signed.put("reject_code", BigInteger.valueOf(reject.rejectCode()));
          signed.put("reject_message", reject.rejectMessage());
          reject.errorCode().ifPresent(c -> signed.put("error_code", c));
          break;
        default:
          throw new AgentProtocolException(
              "the query response has status \"" + status + "\"; expected replied or rejected");
      }
      if (verifyQuerySignatures) {
        checkQuerySignatures(body, signed, request.requestId(), effectiveCanisterId);
      }
      if (reject != null) {
        throw reject;
      }
      return reply;
    }
  }

  /**
   * Every signature must be a node key's signature of the response (spec "Request: Query call"):
   * {@code \x0Bic-response · hash_of_map(response fields, timestamp, request_id)}, with the node
   * key read from a certified {@code /subnet} and the timestamp within the allowed skew.
   */
  private void checkQuerySignatures(
      CborMap body, Map<String, Object> signed, RequestId rid, Principal ecid) {
    List<CborValue> signatures = field(() -> body.getArray("signatures").items(), "the query response");
    if (signatures.isEmpty()) {
      throw new AgentProtocolException("the query response carries no node signature");
    }
    long now = nowNanos.getAsLong();
    for (CborValue item : signatures) {
      CborMap s = field(() -> item.asMap("signature"), "a query signature");
      BigInteger timestamp = field(() -> s.getUnsigned("timestamp"), "a query signature");
      byte[] signature = field(() -> s.getBytes("signature"), "a query signature");
      Principal node = field(() -> Principal.fromBytes(s.getBytes("identity")), "a query signature");
      long skew = Math.abs(timestamp.subtract(BigInteger.valueOf(now)).min(BigInteger.valueOf(Long.MAX_VALUE))
          .max(BigInteger.valueOf(-Long.MAX_VALUE)).longValue());
      if (skew > CertificateVerifier.DEFAULT_MAX_TIME_SKEW_NANOS) {
        throw new AgentProtocolException(
            "the query response was signed at " + timestamp + " ns, " + skew / 1_000_000
                + " ms away from this computer's clock; check the clocks");
      }
      Map<String, Object> hashed = new LinkedHashMap<>(signed);
      hashed.put("timestamp", timestamp);
      hashed.put("request_id", rid.toBytes());
      byte[] hash = RepresentationIndependentHash.hashOfMap(hashed);
      byte[] message = new byte[RESPONSE_DOMAIN.length + hash.length];
      System.arraycopy(RESPONSE_DOMAIN, 0, message, 0, RESPONSE_DOMAIN.length);
      System.arraycopy(hash, 0, message, RESPONSE_DOMAIN.length, hash.length);
      PublicKey key = nodeKey(ecid, node);
      if (!key.isValidSignature(message, signature)) {
        throw new AgentProtocolException(
            "the query response's signature by node " + node + " does not verify; do not trust"
                + " this node's answers");
      }
    }
  }

  /** A node's key from the subnet's certified state, read once per subnet and again if unknown. */
  private PublicKey nodeKey(Principal ecid, Principal node) {
    for (Map<Principal, PublicKey> keys : nodeKeysBySubnet.values()) {
      PublicKey k = keys.get(node);
      if (k != null) {
        return k;
      }
    }
    VerifiedCertificate vc = readState(ecid, List.of(List.of(bytes("subnet"))));
    Principal subnet = vc.delegatedSubnet()
        .map(SubnetId::principal)
        .orElseGet(() -> Principal.selfAuthenticating(rootKey()));
    Map<Principal, PublicKey> keys = new LinkedHashMap<>();
    SubtreeLookup nodes = vc.certificate().tree().lookupSubtree(
        List.of(Label.of("subnet"), Label.of(subnet.toBytes()), Label.of("node")));
    if (nodes instanceof SubtreeLookup.Found f) {
      for (LeafPath leaf : f.subtree().listPaths()) {
        List<Label> p = leaf.path();
        if (p.size() == 2 && p.get(1).equals(Label.of("public_key"))) {
          try {
            PublicKey k = PublicKey.fromDer(leaf.value());
            if (k instanceof Ed25519PublicKey) {
              keys.put(Principal.fromBytes(p.get(0).toBytes()), k);
            }
          } catch (InvalidInputException e) {
            throw new AgentProtocolException(
                "the certified key of a node is not a valid public key: " + e.getMessage(), e);
          }
        }
      }
    }
    nodeKeysBySubnet.put(subnet, Map.copyOf(keys));
    PublicKey k = keys.get(node);
    if (k == null) {
      throw new AgentProtocolException(
          "node " + node + " signed the query response but subnet " + subnet
              + " does not certify a key for it; do not trust this answer");
    }
    return k;
  }

  // ---------------------------------------------------------------------------------------------
  // read_state

  /**
   * Reads certified state through {@code /api/v3|v2/canister/<ecid>/read_state} and verifies the
   * certificate (signature, delegation scope, time).
   */
  public VerifiedCertificate readState(Principal effectiveCanisterId, List<List<byte[]>> paths) {
    SignedRequest request = Envelopes.sign(
        Envelopes.readStateContent(identity.sender(), paths, expiry()), identity);
    while (true) {
      int version = readStateVersion;
      URI uri = url.resolve(
          "/api/v" + version + "/canister/" + effectiveCanisterId.toText() + "/read_state");
      HttpResponse<byte[]> r = post(uri, request.body());
      if (r.statusCode() == 404 && version > 2) {
        readStateVersion = 2;
        continue;
      }
      if (r.statusCode() != 200) {
        throw httpError(uri, r);
      }
      CborMap body = decodeMap(r.body(), "the read_state response");
      byte[] cert = field(() -> body.getBytes("certificate"), "the read_state response");
      return verify(cert, effectiveCanisterId);
    }
  }

  /**
   * Reads certified state through {@code /api/v3|v2/subnet/<sid>/read_state} and verifies the
   * certificate for that subnet.
   */
  public VerifiedCertificate readSubnetState(SubnetId subnet, List<List<byte[]>> paths) {
    SignedRequest request = Envelopes.sign(
        Envelopes.readStateContent(identity.sender(), paths, expiry()), identity);
    int version = 3;
    while (true) {
      URI uri = url.resolve("/api/v" + version + "/subnet/" + subnet + "/read_state");
      HttpResponse<byte[]> r = post(uri, request.body());
      if (r.statusCode() == 404 && version > 2) {
        version = 2;
        continue;
      }
      if (r.statusCode() != 200) {
        throw httpError(uri, r);
      }
      CborMap body = decodeMap(r.body(), "the read_state response");
      byte[] cert = field(() -> body.getBytes("certificate"), "the read_state response");
      try {
        return verifier().verify(
            cert, CertificateVerifier.Scope.subnet(subnet.principal()), nowNanos.getAsLong());
      } catch (CertificateVerifier.InvalidCertificateException e) {
        throw new AgentProtocolException(
            "the node's certificate is not valid: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The canister id ranges of a subnet, {@code [start, end]} pairs, from
   * {@code /subnet/<sid>/canister_ranges} or the sharded {@code /canister_ranges/<sid>/...}.
   */
  public List<Principal[]> canisterRanges(SubnetId subnet) {
    byte[] sid = subnet.toBytes();
    VerifiedCertificate vc = readSubnetState(subnet, List.of(
        List.of(bytes("subnet"), sid, bytes("canister_ranges"))));
    List<byte[]> encoded = new ArrayList<>();
    lookupBytes(vc, "subnet", sid, "canister_ranges").ifPresent(encoded::add);
    if (encoded.isEmpty()) {
      VerifiedCertificate sharded = readSubnetState(subnet, List.of(
          List.of(bytes("canister_ranges"), sid)));
      SubtreeLookup shards = sharded.certificate().tree().lookupSubtree(
          List.of(Label.of("canister_ranges"), Label.of(sid)));
      if (shards instanceof SubtreeLookup.Found f) {
        for (LeafPath leaf : f.subtree().listPaths()) {
          encoded.add(leaf.value());
        }
      }
    }
    List<Principal[]> ranges = new ArrayList<>();
    try {
      for (byte[] cbor : encoded) {
        for (CborValue item : CborDecoder.DEFAULT.decode(cbor).asArray("canister_ranges").items()) {
          var pair = item.asArray("canister_range");
          if (pair.size() != 2) {
            throw new AgentProtocolException("a certified canister range is not a pair");
          }
          ranges.add(new Principal[] {
            Principal.fromBytes(pair.get(0).asBytes("start")),
            Principal.fromBytes(pair.get(1).asBytes("end"))
          });
        }
      }
    } catch (AgentProtocolException e) {
      throw e;
    } catch (InvalidInputException e) {
      throw new AgentProtocolException("the certified canister ranges are malformed: " + e.getMessage(), e);
    }
    return ranges;
  }

  /** {@code /canister/<id>/metadata/<name>}: a public custom section, if the module has it. */
  public Optional<byte[]> canisterMetadata(Principal canisterId, String name) {
    VerifiedCertificate vc = readState(canisterId, List.of(List.of(
        bytes("canister"), canisterId.toBytes(), bytes("metadata"), bytes(name))));
    return lookupBytes(vc, "canister", canisterId.toBytes(), "metadata", bytes(name));
  }

  /** {@code /canister/<id>/module_hash}: empty when the canister has no code (or does not exist). */
  public Optional<byte[]> moduleHash(Principal canisterId) {
    VerifiedCertificate vc = readState(canisterId, List.of(List.of(
        bytes("canister"), canisterId.toBytes(), bytes("module_hash"))));
    return lookupBytes(vc, "canister", canisterId.toBytes(), "module_hash");
  }

  /** {@code /canister/<id>/controllers}; empty if the canister does not exist. */
  public Optional<List<Principal>> controllers(Principal canisterId) {
    VerifiedCertificate vc = readState(canisterId, List.of(List.of(
        bytes("canister"), canisterId.toBytes(), bytes("controllers"))));
    Optional<byte[]> cbor = lookupBytes(vc, "canister", canisterId.toBytes(), "controllers");
    if (cbor.isEmpty()) {
      return Optional.empty();
    }
    try {
      List<Principal> out = new ArrayList<>();
      for (CborValue v : CborDecoder.DEFAULT.decode(cbor.get()).asArray("controllers").items()) {
        out.add(Principal.fromBytes(v.asBytes("controller")));
      }
      return Optional.of(out);
    } catch (InvalidInputException e) {
      throw new AgentProtocolException("the certified controllers are malformed: " + e.getMessage(), e);
    }
  }

  private VerifiedCertificate verify(byte[] certificate, Principal ecid) {
    try {
      return verifier().verify(
          certificate, CertificateVerifier.Scope.canister(ecid), nowNanos.getAsLong());
    } catch (CertificateVerifier.InvalidCertificateException e) {
      String hint = e.reason() == CertificateVerifier.InvalidCertificateException.Reason.STALE_OR_FUTURE_TIME
          ? "; check this computer's clock"
          : "; the node's answer cannot be trusted (is the root key the node's?)";
      throw new AgentProtocolException("the node's certificate is not valid: " + e.getMessage() + hint, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // lookups

  /** The value at a path of a verified certificate; labels are Strings (UTF-8) or byte arrays. */
  public static Optional<byte[]> lookupBytes(VerifiedCertificate vc, Object... path) {
    List<Label> labels = new ArrayList<>(path.length);
    for (Object p : path) {
      labels.add(p instanceof byte[] b ? Label.of(b) : Label.of((String) p));
    }
    LookupResult r = vc.certificate().lookup(labels);
    if (r instanceof LookupResult.Found f) {
      return Optional.of(f.value());
    }
    if (r instanceof LookupResult.Absent) {
      return Optional.empty();
    }
    // Unknown (pruned) or Error: the node left out what it was asked for.
    if (r instanceof LookupResult.Unknown) {
      return Optional.empty();
    }
    throw new AgentProtocolException("the certificate's tree is malformed at " + labels);
  }

  public static Optional<String> lookupText(VerifiedCertificate vc, Object... path) {
    return lookupBytes(vc, path).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  private HttpResponse<byte[]> post(URI uri, byte[] body) {
    return send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/cbor")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)),
        uri);
  }

  private HttpResponse<byte[]> send(HttpRequest.Builder request, URI uri) {
    HttpRequest req = request.timeout(Duration.ofMillis(requestTimeoutMs)).build();
    try {
      HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      byte[] body;
      try (InputStream in = r.body()) {
        body = in.readNBytes(maxResponseBytes + 1);
      }
      if (body.length > maxResponseBytes) {
        throw new AgentProtocolException(
            "the response from " + uri + " is larger than " + maxResponseBytes + " bytes");
      }
      return new BufferedResponse(r, body);
    } catch (HttpConnectTimeoutException e) {
      throw noNode(uri, "the connection timed out", e);
    } catch (ConnectException e) {
      throw noNode(uri, "connection refused", e);
    } catch (HttpTimeoutException e) {
      throw new AgentTransportException(
          AgentTransportException.Reason.TIMEOUT,
          uri,
          "the node at " + url + " did not answer " + uri.getPath() + " within " + requestTimeoutMs
              + " ms; it may be overloaded or stalled (check it with canopy status)",
          e);
    } catch (IOException e) {
      if (e.getCause() instanceof ConnectException ce) {
        throw noNode(uri, "connection refused", ce);
      }
      throw new AgentTransportException(
          AgentTransportException.Reason.IO,
          uri,
          "the connection to " + url + " failed: " + e,
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AgentTransportException(
          AgentTransportException.Reason.IO, uri, "interrupted while talking to " + url, e);
    }
  }

  private AgentTransportException noNode(URI uri, String what, Exception cause) {
    return new AgentTransportException(
        AgentTransportException.Reason.NO_NODE,
        uri,
        "no node answers at " + url + " (" + what + "); start one with: scripts/canopy start"
            + " (or pass the URL of a running node with --network)",
        cause);
  }

  /** 4xx and 5xx answers, with the node's text (the interface explains refusals in plain text). */
  private AgentTransportException httpError(URI uri, HttpResponse<byte[]> r) {
    String text = new String(r.body(), StandardCharsets.UTF_8).strip();
    if (text.length() > 2000) {
      text = text.substring(0, 2000) + "…";
    }
    int code = r.statusCode();
    if (code == 404 && text.startsWith("no such endpoint")) {
      return new AgentTransportException(
          AgentTransportException.Reason.CLIENT_ERROR,
          uri,
          code,
          "the node at " + url + " does not serve " + uri.getPath() + " (HTTP 404); it is not"
              + " an Internet Computer node that runs canisters, or a version too old for this"
              + " command");
    }
    if (code >= 400 && code < 500) {
      return new AgentTransportException(
          AgentTransportException.Reason.CLIENT_ERROR,
          uri,
          code,
          "the node refused the request to " + uri.getPath() + " (HTTP " + code + ")"
              + (text.isEmpty() ? "" : ": " + text));
    }
    if (code >= 500) {
      return new AgentTransportException(
          AgentTransportException.Reason.SERVER_ERROR,
          uri,
          code,
          "the node failed to handle " + uri.getPath() + " (HTTP " + code + ")"
              + (text.isEmpty() ? "" : ": " + text)
              + "; this is usually transient: try again, and check the node's log if it persists");
    }
    return new AgentTransportException(
        AgentTransportException.Reason.IO,
        uri,
        code,
        "unexpected HTTP " + code + " from " + uri.getPath() + (text.isEmpty() ? "" : ": " + text));
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  private long expiry() {
    return nowNanos.getAsLong() + ingressExpiryNs;
  }

  private CborMap decodeMap(byte[] body, String what) {
    try {
      return decoder.decode(body).asMap(what);
    } catch (InvalidInputException e) {
      throw new AgentProtocolException(what + " is not the CBOR the interface requires: "
          + e.getMessage(), e);
    }
  }

  private static AgentReject rejectFrom(CborMap body, String what) {
    BigInteger code = field(() -> body.getUnsigned("reject_code"), what);
    String message = field(() -> body.findText("reject_message").orElse(""), what);
    Optional<String> errorCode = field(() -> body.findText("error_code"), what);
    return new AgentReject(code.bitLength() > 31 ? -1 : code.intValue(), errorCode, message);
  }

  private interface FieldRead<T> {
    T read();
  }

  private static <T> T field(FieldRead<T> read, String what) {
    try {
      return read.read();
    } catch (InvalidInputException e) {
      throw new AgentProtocolException(what + " is malformed: " + e.getMessage(), e);
    }
  }

  private static int leb128(byte[] v) {
    long value = 0;
    for (int i = 0; i < v.length && i < 5; i++) {
      value |= (long) (v[i] & 0x7f) << (7 * i);
      if ((v[i] & 0x80) == 0) {
        return (int) Math.min(Integer.MAX_VALUE, value);
      }
    }
    throw new AgentProtocolException("a certified reject_code is not a small LEB128 nat");
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A response whose body was read (bounded) into memory. */
  private record BufferedResponse(HttpResponse<InputStream> inner, byte[] body)
      implements HttpResponse<byte[]> {
    @Override
    public int statusCode() {
      return inner.statusCode();
    }

    @Override
    public HttpRequest request() {
      return inner.request();
    }

    @Override
    public Optional<HttpResponse<byte[]>> previousResponse() {
      return Optional.empty();
    }

    @Override
    public java.net.http.HttpHeaders headers() {
      return inner.headers();
    }

    @Override
    public Optional<javax.net.ssl.SSLSession> sslSession() {
      return inner.sslSession();
    }

    @Override
    public URI uri() {
      return inner.uri();
    }

    @Override
    public HttpClient.Version version() {
      return inner.version();
    }
  }

  /** Options of an agent; only the URL is required. */
  public static final class Builder {
    private URI url;
    private Identity identity = Identity.anonymous();
    private HttpClient http;
    private byte[] rootKeyDer;
    private boolean fetchRootKey;
    private LongSupplier nowNanos = Builder::wallClockNanos;
    private RandomGenerator nonces = new SecureRandom();
    private long ingressExpiryNs = DEFAULT_INGRESS_EXPIRY_NS;
    private long callTimeoutMs = DEFAULT_CALL_TIMEOUT_MS;
    private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
    private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private boolean verifyQuerySignatures = true;

    private static long wallClockNanos() {
      java.time.Instant now = java.time.Instant.now();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    public Builder withUrl(String value) {
      return withUrl(URI.create(value));
    }

    public Builder withUrl(URI value) {
      String s = value.toString();
      this.url = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
      return this;
    }

    public Builder withIdentity(Identity value) {
      this.identity = Objects.requireNonNull(value, "identity");
      return this;
    }

    /** Trust this DER BLS root key (mainnet's, or a node's as its status publishes it). */
    public Builder withRootKey(byte[] der) {
      this.rootKeyDer = der.clone();
      return this;
    }

    /**
     * Trust the root key the node publishes in {@code /api/v2/status}, read on first need. Only
     * for a local development node: a remote node could publish any key.
     */
    public Builder fetchRootKey() {
      this.fetchRootKey = true;
      return this;
    }

    public Builder withHttpClient(HttpClient value) {
      this.http = value;
      return this;
    }

    /** The clock for expiries and certificate freshness, in ns since 1970. */
    public Builder withClock(LongSupplier nowNanosSince1970) {
      this.nowNanos = nowNanosSince1970;
      return this;
    }

    public Builder withNonceSource(RandomGenerator value) {
      this.nonces = value;
      return this;
    }

    public Builder withIngressExpiryNs(long value) {
      this.ingressExpiryNs = value;
      return this;
    }

    /** How long an update call may take in all, including polling. */
    public Builder withCallTimeoutMs(long value) {
      this.callTimeoutMs = value;
      return this;
    }

    /** How long one HTTP request may take. */
    public Builder withRequestTimeoutMs(long value) {
      this.requestTimeoutMs = value;
      return this;
    }

    public Builder withMaxResponseBytes(int value) {
      this.maxResponseBytes = value;
      return this;
    }

    /** Whether query responses must carry valid node signatures (default: yes). */
    public Builder verifyQuerySignatures(boolean value) {
      this.verifyQuerySignatures = value;
      return this;
    }

    public Agent build() {
      if (url == null) {
        throw new IllegalStateException("an agent needs the URL of a node (withUrl)");
      }
      if (rootKeyDer == null && !fetchRootKey) {
        throw new IllegalStateException(
            "an agent needs a root key (withRootKey) or must fetch it from a local node"
                + " (fetchRootKey)");
      }
      return new Agent(this);
    }
  }
}
