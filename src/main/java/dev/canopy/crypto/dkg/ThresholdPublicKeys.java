package dev.canopy.crypto.dkg;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.ThresholdBls.Parameters;
import dev.canopy.crypto.ThresholdBls.PublicKeyShare;
import java.util.List;
import java.util.Objects;

/**
 * The public side of a threshold key: what every replica (and anyone reading the transcript)
 * knows. Share {@code j}'s key sits at position {@code j-1}.
 */
public record ThresholdPublicKeys(
    Parameters parameters, BlsPublicKey groupPublicKey, List<PublicKeyShare> publicKeyShares) {
  public ThresholdPublicKeys {
    Objects.requireNonNull(parameters, "parameters");
    Objects.requireNonNull(groupPublicKey, "groupPublicKey");
    publicKeyShares = List.copyOf(publicKeyShares);
    if (publicKeyShares.size() != parameters.shareCount()) {
      throw new IllegalArgumentException(
          publicKeyShares.size() + " public key shares for " + parameters.shareCount() + " holders");
    }
    for (int j = 0; j < publicKeyShares.size(); j++) {
      if (publicKeyShares.get(j).index() != j + 1) {
        throw new IllegalArgumentException("public key share at position " + j + " has index "
            + publicKeyShares.get(j).index() + ", expected " + (j + 1));
      }
    }
  }

  /** The group key in DER (133 bytes), as {@code /api/v2/status} serves the root key. */
  public byte[] groupPublicKeyDer() {
    return groupPublicKey.toDer();
  }

  /** Share {@code index}'s public key (1-based). */
  public PublicKeyShare publicKeyShare(int index) {
    if (index < 1 || index > parameters.shareCount()) {
      throw new DkgException(
          DkgException.Reason.INDEX_OUT_OF_RANGE,
          "share index " + index + " is outside 1.." + parameters.shareCount());
    }
    return publicKeyShares.get(index - 1);
  }

  /** Whether {@code share} is holder {@code share.index()}'s signature share on {@code message}. */
  public boolean verifyShare(byte[] message, ThresholdBls.SignatureShare share) {
    return share.index() >= 1
        && share.index() <= parameters.shareCount()
        && ThresholdBls.verifyShare(publicKeyShares.get(share.index() - 1), message, share);
  }
}
