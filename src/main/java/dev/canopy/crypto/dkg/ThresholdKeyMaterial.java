package dev.canopy.crypto.dkg;

import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.ThresholdBls.SecretKeyShare;
import dev.canopy.crypto.ThresholdBls.SignatureShare;
import java.util.Objects;

/**
 * One holder's view of a threshold key after a DKG: every public key, and its own secret share,
 * which plugs into {@link ThresholdBls#signShare}. Nothing here, or anywhere in this package, holds
 * the group's secret key.
 */
public record ThresholdKeyMaterial(ThresholdPublicKeys publicKeys, SecretKeyShare ownShare) {
  public ThresholdKeyMaterial {
    Objects.requireNonNull(publicKeys, "publicKeys");
    Objects.requireNonNull(ownShare, "ownShare");
    if (!publicKeys.publicKeyShare(ownShare.index()).key().equals(ownShare.key().publicKey())) {
      throw new IllegalArgumentException(
          "secret share " + ownShare.index() + " does not match its public key share");
    }
  }

  public int index() {
    return ownShare.index();
  }

  public SignatureShare signShare(byte[] message) {
    return ThresholdBls.signShare(ownShare, message);
  }

  @Override
  public String toString() {
    return "ThresholdKeyMaterial[index " + ownShare.index() + ", group key "
        + publicKeys.groupPublicKey() + ", " + publicKeys.parameters() + "]";
  }
}
