package dev.canopy.ingress;

import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborMap;
import java.util.Optional;

/**
 * The content of a request to a canister method: a call or a query. Both hold the same {@link
 * CanisterRequest}; every field accessor reads it.
 */
public sealed interface CanisterRequestContent extends RequestContent
    permits CallContent, QueryContent {
  /** The fields, shared in shape by calls and queries. */
  CanisterRequest request();

  @Override
  default RequestId requestId() {
    return request().requestId();
  }

  @Override
  default CborMap fields() {
    return request().fields();
  }

  @Override
  default Principal sender() {
    return request().sender();
  }

  @Override
  default long ingressExpiryNs() {
    return request().ingressExpiryNs();
  }

  @Override
  default Optional<byte[]> nonce() {
    return request().nonce();
  }

  default Principal canisterId() {
    return request().canisterId();
  }

  default String methodName() {
    return request().methodName();
  }

  /** A copy of {@code arg}. */
  default byte[] arg() {
    return request().arg();
  }

  default int argSizeBytes() {
    return request().argSizeBytes();
  }

  default Optional<SenderInfo> senderInfo() {
    return request().senderInfo();
  }
}
