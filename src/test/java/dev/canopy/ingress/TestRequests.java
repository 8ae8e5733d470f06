package dev.canopy.ingress;

import dev.canopy.crypto.Delegation;
import dev.canopy.crypto.RequestAuthentication;
import dev.canopy.crypto.SignedDelegation;
import dev.canopy.crypto.SigningKey;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds request bodies as an agent would: content map, request id, signature, tag 55799. */
final class TestRequests {
  /** 2023-06-01T00:00:00Z, a fixed "now" for the node. */
  static final long NOW_NS = 1_685_577_600_000_000_000L;
  static final long ONE_MINUTE_NS = 60_000_000_000L;
  static final Principal CANISTER = CanisterId.fromIndex(5).principal();
  static final Principal OTHER_CANISTER = CanisterId.fromIndex(7).principal();
  static final Principal FOREIGN_CANISTER = CanisterId.fromIndex(5_000_000).principal();

  private TestRequests() {}

  /** A content map being built; fields keep insertion order, and can be replaced or removed. */
  static final class Content {
    final Map<String, CborValue> fields = new LinkedHashMap<>();

    Content set(String key, CborValue value) {
      fields.put(key, value);
      return this;
    }

    Content set(String key, byte[] value) {
      return set(key, CborValue.bytes(value));
    }

    Content set(String key, String value) {
      return set(key, CborValue.text(value));
    }

    Content remove(String key) {
      fields.remove(key);
      return this;
    }

    CborMap toMap() {
      CborMap.Builder b = CborMap.builder();
      fields.forEach(b::put);
      return b.build();
    }

    RequestId requestId() {
      return RequestId.of(toMap());
    }

    Content copy() {
      Content c = new Content();
      c.fields.putAll(fields);
      return c;
    }
  }

  static Content call(Principal sender, Principal canister, String method, byte[] arg) {
    return canisterRequest("call", sender, canister, method, arg);
  }

  static Content query(Principal sender, Principal canister, String method, byte[] arg) {
    return canisterRequest("query", sender, canister, method, arg);
  }

  static Content canisterRequest(String type, Principal sender, Principal canister, String method, byte[] arg) {
    return new Content()
        .set("request_type", type)
        .set("sender", sender.toBytes())
        .set("ingress_expiry", CborValue.unsigned(NOW_NS + 4 * ONE_MINUTE_NS))
        .set("canister_id", canister.toBytes())
        .set("method_name", method)
        .set("arg", arg)
        .set("nonce", new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
  }

  static Content readState(Principal sender, List<List<byte[]>> paths) {
    List<CborValue> ps = new ArrayList<>();
    for (List<byte[]> path : paths) {
      ps.add(new CborArray(path.stream().map(l -> (CborValue) CborValue.bytes(l)).toList()));
    }
    return new Content()
        .set("request_type", "read_state")
        .set("sender", sender.toBytes())
        .set("ingress_expiry", CborValue.unsigned(NOW_NS + 4 * ONE_MINUTE_NS))
        .set("paths", new CborArray(ps));
  }

  /** The anonymous envelope: content only. */
  static byte[] anonymous(Content content) {
    return encode(CborMap.builder().put("content", content.toMap()).build());
  }

  /** Signed by {@code key} (sender must be its principal for the request to verify). */
  static byte[] signed(Content content, SigningKey key) {
    return signedBy(content, key, key, List.of());
  }

  /**
   * An envelope whose sender_pubkey is {@code root}'s key, carrying {@code delegations}, signed by
   * {@code requestSigner}.
   */
  static byte[] signedBy(Content content, SigningKey root, SigningKey requestSigner, List<SignedDelegation> delegations) {
    byte[] signature = sign(requestSigner, content.requestId());
    CborMap.Builder envelope =
        CborMap.builder()
            .put("content", content.toMap())
            .put("sender_pubkey", root.publicKey().toDer())
            .put("sender_sig", signature);
    if (!delegations.isEmpty()) {
      List<CborValue> ds = new ArrayList<>();
      for (SignedDelegation sd : delegations) {
        ds.add(CborMap.builder().put("delegation", delegationMap(sd.delegation())).put("signature", sd.signature()).build());
      }
      envelope.put("sender_delegation", new CborArray(ds));
    }
    return encode(envelope.build());
  }

  static byte[] sign(SigningKey key, RequestId id) {
    byte[] message = new byte[RequestAuthentication.REQUEST_DOMAIN.length + 32];
    System.arraycopy(RequestAuthentication.REQUEST_DOMAIN, 0, message, 0, RequestAuthentication.REQUEST_DOMAIN.length);
    System.arraycopy(id.toBytes(), 0, message, RequestAuthentication.REQUEST_DOMAIN.length, 32);
    return key.sign(message);
  }

  static CborMap delegationMap(Delegation d) {
    CborMap.Builder b =
        CborMap.builder()
            .put("pubkey", d.pubkey())
            .put("expiration", CborValue.UnsignedInt.ofUnsignedBits(d.expirationNs()));
    d.targets().ifPresent(t -> b.put("targets", new CborArray(t.stream().map(p -> (CborValue) CborValue.bytes(p.toBytes())).toList())));
    d.permissions().ifPresent(p -> b.put("permissions", p));
    return b.build();
  }

  static byte[] encode(CborValue envelope) {
    return CborEncoder.encodeWithSelfDescribeTag(envelope);
  }

  static Principal principalOf(SigningKey key) {
    return Principal.selfAuthenticating(key.publicKey().toDer());
  }
}
