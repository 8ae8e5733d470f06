package dev.canopy.bench;

import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.RequestAuthentication;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;

/** A call's content signed into an envelope, as the benches pre-build their update requests. */
final class SignedCalls {
  record SignedCall(RequestId requestId, byte[] body) {}

  private SignedCalls() {}

  /** {@code content} with {@code key}'s signature of {@code "\x0Aic-request" · request_id}. */
  static SignedCall sign(Ed25519SigningKey key, CborMap content) {
    RequestId id = RequestId.of(content);
    byte[] domain = RequestAuthentication.REQUEST_DOMAIN;
    byte[] message = new byte[domain.length + 32];
    System.arraycopy(domain, 0, message, 0, domain.length);
    System.arraycopy(id.toBytes(), 0, message, domain.length, 32);
    CborMap envelope = CborMap.builder()
        .put("content", content)
        .put("sender_pubkey", key.publicKey().toDer())
        .put("sender_sig", key.sign(message))
        .build();
    return new SignedCall(id, CborEncoder.encodeWithSelfDescribeTag(envelope));
  }
}
