package dev.canopy.consensus;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.VerifiedSignatureCache;

/**
 * The signature checks the validator makes. Results depend only on the arguments, so a caller may
 * memoize them (the simulation shares one memo among its replicas, since a BLS check costs about
 * a millisecond).
 */
public interface SignatureVerifier {
  boolean verifyNodeSignature(Ed25519PublicKey key, byte[] message, byte[] signature);

  boolean verifyBeaconShare(ThresholdBls.PublicKeyShare key, byte[] message, ThresholdBls.SignatureShare share);

  boolean verifyBeacon(BlsPublicKey key, byte[] message, byte[] signature);

  /**
   * Checks each signature unless {@code cache} saw the same one verify before (a replica's own
   * aggregate carries the shares it verified; in one process, the replicas share what they verify).
   */
  static SignatureVerifier cached(VerifiedSignatureCache cache) {
    return new SignatureVerifier() {
      @Override
      public boolean verifyNodeSignature(Ed25519PublicKey key, byte[] message, byte[] signature) {
        return cache.isValid(key, message, signature);
      }

      @Override
      public boolean verifyBeaconShare(
          ThresholdBls.PublicKeyShare key, byte[] message, ThresholdBls.SignatureShare share) {
        return cache.isValidShare(key, message, share);
      }

      @Override
      public boolean verifyBeacon(BlsPublicKey key, byte[] message, byte[] signature) {
        return cache.isValid(key, message, signature);
      }
    };
  }

  /** Checks every signature, every time: the cached verifier over a cache that keeps nothing. */
  SignatureVerifier DIRECT = cached(VerifiedSignatureCache.none());
}
