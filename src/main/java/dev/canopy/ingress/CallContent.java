package dev.canopy.ingress;

import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborMap;
import java.util.Objects;
import java.util.Optional;

/**
 * The content of a {@code request_type: "call"} request (spec "Request: Call").
 * Built by {@link EnvelopeDecoder}, which checks every field; {@link #fields()} is what was sent.
 */
public record CallContent(
    RequestId requestId,
    CborMap fields,
    Principal sender,
    long ingressExpiryNs,
    Optional<byte[]> nonce,
    Principal canisterId,
    String methodName,
    byte[] arg,
    Optional<SenderInfo> senderInfo)
    implements CanisterRequestContent {
  public CallContent {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(fields, "fields");
    Objects.requireNonNull(sender, "sender");
    nonce = Objects.requireNonNull(nonce, "nonce").map(byte[]::clone);
    Objects.requireNonNull(canisterId, "canisterId");
    Objects.requireNonNull(methodName, "methodName");
    arg = Objects.requireNonNull(arg, "arg").clone();
    Objects.requireNonNull(senderInfo, "senderInfo");
  }

  @Override
  public RequestType requestType() {
    return RequestType.CALL;
  }

  @Override
  public Optional<byte[]> nonce() {
    return nonce.map(byte[]::clone);
  }

  @Override
  public byte[] arg() {
    return arg.clone();
  }

  @Override
  public int argSizeBytes() {
    return arg.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CallContent c && fields.equals(c.fields);
  }

  @Override
  public int hashCode() {
    return requestId.hashCode();
  }

  @Override
  public String toString() {
    return "CallContent[" + requestId + ": " + sender + " -> " + canisterId + "." + methodName
        + ", arg " + arg.length + " bytes, expiry " + Long.toUnsignedString(ingressExpiryNs) + " ns]";
  }
}
