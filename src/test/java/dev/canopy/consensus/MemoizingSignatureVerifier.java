package dev.canopy.consensus;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.Hashing;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks each distinct (key, message, signature) once and remembers the answer. The simulation's
 * replicas share one, so a subnet of seven pays for one BLS check per share instead of seven.
 * Lookups only: the map's order never matters.
 */
final class MemoizingSignatureVerifier implements SignatureVerifier {
  private final SignatureVerifier inner;
  private final Map<Hash, Boolean> results = new HashMap<>();
  int checks;

  MemoizingSignatureVerifier(SignatureVerifier inner) {
    this.inner = inner;
  }

  private static Hash key(String kind, byte[] publicKey, byte[] message, byte[] signature) {
    ByteBuffer lengths = ByteBuffer.allocate(12).putInt(publicKey.length).putInt(message.length).putInt(signature.length);
    return new Hash(Hashing.sha256(kind.getBytes(), lengths.array(), publicKey, message, signature));
  }

  @Override
  public boolean verifyNodeSignature(Ed25519PublicKey key, byte[] message, byte[] signature) {
    return results.computeIfAbsent(key("ed25519", key.rawBytes(), message, signature), k -> {
      checks++;
      return inner.verifyNodeSignature(key, message, signature);
    });
  }

  @Override
  public boolean verifyBeaconShare(ThresholdBls.PublicKeyShare key, byte[] message, ThresholdBls.SignatureShare share) {
    byte[] keyBytes = ByteBuffer.allocate(4).putInt(share.index()).array();
    return results.computeIfAbsent(
        key("bls-share", Hashing.sha256(keyBytes, key.key().rawBytes()), message, share.signature()), k -> {
          checks++;
          return inner.verifyBeaconShare(key, message, share);
        });
  }

  @Override
  public boolean verifyBeacon(BlsPublicKey key, byte[] message, byte[] signature) {
    return results.computeIfAbsent(key("bls", key.rawBytes(), message, signature), k -> {
      checks++;
      return inner.verifyBeacon(key, message, signature);
    });
  }
}
