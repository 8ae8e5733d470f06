package dev.canopy.ingress;

import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborMap;
import java.util.Objects;
import java.util.Optional;

/**
 * The fields of a request to a canister method. A call and a query carry the same fields (spec
 * "Request: Call", "Request: Query call") and differ only in {@code request_type}, so {@link
 * CallContent} and {@link QueryContent} both hold one of these. Built by {@link EnvelopeDecoder},
 * which checks every field; {@link #fields()} is what was sent.
 *
 * <p>Two are equal when their fields are equal; everything else is derived from them.
 */
public record CanisterRequest(
    RequestId requestId,
    CborMap fields,
    Principal sender,
    long ingressExpiryNs,
    Optional<byte[]> nonce,
    Principal canisterId,
    String methodName,
    byte[] arg,
    Optional<SenderInfo> senderInfo) {
  public CanisterRequest {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(fields, "fields");
    Objects.requireNonNull(sender, "sender");
    nonce = Objects.requireNonNull(nonce, "nonce").map(byte[]::clone);
    Objects.requireNonNull(canisterId, "canisterId");
    Objects.requireNonNull(methodName, "methodName");
    arg = Objects.requireNonNull(arg, "arg").clone();
    Objects.requireNonNull(senderInfo, "senderInfo");
  }

  /** A copy of {@code nonce}, if present. */
  @Override
  public Optional<byte[]> nonce() {
    return nonce.map(byte[]::clone);
  }

  /** A copy of {@code arg}. */
  @Override
  public byte[] arg() {
    return arg.clone();
  }

  public int argSizeBytes() {
    return arg.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CanisterRequest c && fields.equals(c.fields);
  }

  @Override
  public int hashCode() {
    return requestId.hashCode();
  }

  @Override
  public String toString() {
    return describe("CanisterRequest");
  }

  /** The one-line summary, under the name of the content type that holds it. */
  String describe(String contentName) {
    return contentName + "[" + requestId + ": " + sender + " -> " + canisterId + "." + methodName
        + ", arg " + arg.length + " bytes, expiry " + Long.toUnsignedString(ingressExpiryNs) + " ns]";
  }
}
