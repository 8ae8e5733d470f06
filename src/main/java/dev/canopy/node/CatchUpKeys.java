package dev.canopy.node;

import dev.canopy.consensus.CatchUpPackage;
import dev.canopy.consensus.Hash;
import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.state.CertificationPool;
import dev.canopy.state.Certifier;
import java.util.List;

/**
 * The subnet's threshold key as catch-up packages use it: this replica's share signs the content
 * of a package, n − f shares combine into the subnet's signature (the same {@link
 * CertificationPool} that certifies state roots, under the package's own domain separator), and
 * the subnet public key verifies it.
 *
 * <p>Note: {@link #of} is the one place catch-up reads the subnet key from {@link NodeKeys}; when
 * the key comes from distributed key generation instead of a dealer, only that method changes.
 */
public record CatchUpKeys(
    ThresholdBls.Parameters parameters,
    ThresholdBls.SecretKeyShare share,
    List<ThresholdBls.PublicKeyShare> publicKeyShares,
    BlsPublicKey subnetPublicKey) {

  public CatchUpKeys {
    publicKeyShares = List.copyOf(publicKeyShares);
  }

  public static CatchUpKeys of(NodeKeys keys) {
    return new CatchUpKeys(keys.subnetKeyParameters(), keys.subnetKeyShare(),
        keys.subnetPublicKeyShares(), keys.subnetPublicKey());
  }

  /** Signs and combines shares of {@link CatchUpPackage#signedMessage} of a content hash. */
  public Certifier certifier() {
    return new Certifier(parameters, subnetPublicKey,
        contentHash -> CatchUpPackage.signedMessage(new Hash(contentHash)));
  }

  /** Collects shares of packages, keeping those up to {@code maxHeightsAhead} above its own. */
  public CertificationPool sharePool(long maxHeightsAhead) {
    return new CertificationPool(certifier(), parameters, publicKeyShares, maxHeightsAhead);
  }

  /** This replica's share of the signature of {@code content}. */
  public ThresholdBls.SignatureShare signShare(CatchUpPackage.Content content) {
    return certifier().signShare(share, content.hash().bytes());
  }

  /** Whether {@code cup} carries the subnet's signature. */
  public boolean verify(CatchUpPackage cup) {
    return cup.verify(subnetPublicKey);
  }

  @Override
  public String toString() {
    return "CatchUpKeys[share " + share.index() + " of " + parameters.shareCount() + "]";
  }
}
