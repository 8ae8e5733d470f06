package dev.canopy.agent;

import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborMap;

/**
 * A request ready to send: its {@code content}, the request id (the hash of the content), and the
 * envelope's body in CBOR with the self-describe tag.
 */
public record SignedRequest(CborMap content, RequestId requestId, byte[] body) {
  public SignedRequest {
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }
}
