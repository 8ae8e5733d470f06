package dev.canopy.agent;

import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Request contents and signed envelopes (spec "Authentication", "Request ids",
 * {@code requests.cddl}): {@code {content, sender_pubkey?, sender_sig?}} in canonical CBOR under
 * tag 55799. Principals and the canister id are blobs; {@code ingress_expiry} is a u64.
 */
public final class Envelopes {
  /** The spec's limit on the labels of one read_state path. */
  public static final int MAX_PATH_LABELS = 127;
  /** The spec's limit on the paths of one read_state request. */
  public static final int MAX_PATHS = 1000;
  /** The spec's limit on a nonce. */
  public static final int MAX_NONCE_BYTES = 32;

  private Envelopes() {}

  /** The content of a call ({@code request_type = "call"}). */
  public static CborMap callContent(
      Principal sender,
      Principal canisterId,
      String methodName,
      byte[] arg,
      long ingressExpiryNs,
      Optional<byte[]> nonce) {
    return canisterRequest("call", sender, canisterId, methodName, arg, ingressExpiryNs, nonce);
  }

  /** The content of a query ({@code request_type = "query"}). */
  public static CborMap queryContent(
      Principal sender,
      Principal canisterId,
      String methodName,
      byte[] arg,
      long ingressExpiryNs,
      Optional<byte[]> nonce) {
    return canisterRequest("query", sender, canisterId, methodName, arg, ingressExpiryNs, nonce);
  }

  /** The content of a read_state request; each path is a list of labels (blobs). */
  public static CborMap readStateContent(
      Principal sender, List<List<byte[]>> paths, long ingressExpiryNs) {
    if (paths.size() > MAX_PATHS) {
      throw new IllegalArgumentException(
          "a read_state request has at most " + MAX_PATHS + " paths, got " + paths.size());
    }
    List<CborValue> encoded = new ArrayList<>(paths.size());
    for (List<byte[]> path : paths) {
      if (path.size() > MAX_PATH_LABELS) {
        throw new IllegalArgumentException(
            "a read_state path has at most " + MAX_PATH_LABELS + " labels, got " + path.size());
      }
      List<CborValue> labels = new ArrayList<>(path.size());
      for (byte[] label : path) {
        labels.add(new CborValue.ByteString(label));
      }
      encoded.add(new CborArray(labels));
    }
    return CborMap.builder()
        .put("request_type", "read_state")
        .put("sender", sender.toBytes())
        .put("ingress_expiry", CborValue.UnsignedInt.ofUnsignedBits(ingressExpiryNs))
        .put("paths", new CborArray(encoded))
        .build();
  }

  /** Signs {@code content} as {@code identity} and wraps it in an envelope. */
  public static SignedRequest sign(CborMap content, Identity identity) {
    RequestId id = RequestId.of(content);
    CborMap.Builder envelope = CborMap.builder().put("content", content);
    identity.publicKeyDer().ifPresent(pk -> envelope.put("sender_pubkey", pk));
    identity.signRequest(id.toBytes()).ifPresent(sig -> envelope.put("sender_sig", sig));
    return new SignedRequest(content, id, CborEncoder.encodeWithSelfDescribeTag(envelope.build()));
  }

  private static CborMap canisterRequest(
      String type,
      Principal sender,
      Principal canisterId,
      String methodName,
      byte[] arg,
      long ingressExpiryNs,
      Optional<byte[]> nonce) {
    CborMap.Builder b =
        CborMap.builder()
            .put("request_type", type)
            .put("sender", sender.toBytes())
            .put("ingress_expiry", CborValue.UnsignedInt.ofUnsignedBits(ingressExpiryNs))
            .put("canister_id", canisterId.toBytes())
            .put("method_name", methodName)
            .put("arg", arg);
    if (nonce.isPresent()) {
      if (nonce.get().length > MAX_NONCE_BYTES) {
        throw new IllegalArgumentException(
            "a nonce has at most " + MAX_NONCE_BYTES + " bytes, got " + nonce.get().length);
      }
      b.put("nonce", nonce.get());
    }
    return b.build();
  }
}
