package dev.canopy.consensus;

import dev.canopy.consensus.KeyGeneration.Key;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.DkgDecryptionKey;
import dev.canopy.crypto.dkg.DkgException;
import dev.canopy.crypto.dkg.ThresholdKeyMaterial;
import dev.canopy.crypto.dkg.ThresholdPublicKeys;
import java.util.Objects;
import java.util.Optional;

/**
 * The subnet's two threshold keys as one replica holds them: both public keys with every public
 * key share, and this replica's own secret share of each (never another's, never a whole secret).
 * The beacon is threshold-signed from {@code lastBootstrapHeight + 1} on; a subnet whose keys were
 * dealt at genesis (a subnet of one) has {@code lastBootstrapHeight} 0.
 *
 * <p>A share may be absent: a replica whose complaint about a bad share did not reach the chain
 * in time gets no share of that key from the transcript (see {@link dev.canopy.crypto.dkg.Dkg})
 * and counts as one of the faulty replicas; it still validates what its peers sign.
 */
public record SubnetKeys(
    long lastBootstrapHeight,
    ThresholdPublicKeys beacon,
    ThresholdPublicKeys certification,
    Optional<ThresholdBls.SecretKeyShare> beaconShare,
    Optional<ThresholdBls.SecretKeyShare> certificationShare) {

  public SubnetKeys {
    Objects.requireNonNull(beacon, "beacon");
    Objects.requireNonNull(certification, "certification");
    Objects.requireNonNull(beaconShare, "beaconShare");
    Objects.requireNonNull(certificationShare, "certificationShare");
    if (lastBootstrapHeight < 0) {
      throw new IllegalArgumentException("negative height");
    }
    beaconShare.ifPresent(s -> new ThresholdKeyMaterial(beacon, s)); // checks the share fits its public share
    certificationShare.ifPresent(s -> new ThresholdKeyMaterial(certification, s));
    if (beaconShare.isPresent() && certificationShare.isPresent()
        && beaconShare.get().index() != certificationShare.get().index()) {
      throw new IllegalArgumentException("the beacon and certification shares belong to different replicas");
    }
  }

  /**
   * Replica {@code nodeIndex}'s keys from a closed record: the transcripts' public keys, and its
   * shares decrypted with its own DKG key. A share the transcript does not give it (a bad share no
   * complaint excluded) is absent.
   */
  public static SubnetKeys derive(KeyGenerationRecord closed, int nodeIndex, DkgDecryptionKey key) {
    long last = closed.closedAtHeight().orElseThrow(() -> new IllegalArgumentException("the key generation is open"));
    return new SubnetKeys(last,
        closed.transcript(Key.BEACON).publicKeys(),
        closed.transcript(Key.CERTIFICATION).publicKeys(),
        share(closed, Key.BEACON, nodeIndex, key),
        share(closed, Key.CERTIFICATION, nodeIndex, key));
  }

  private static Optional<ThresholdBls.SecretKeyShare> share(
      KeyGenerationRecord closed, Key which, int nodeIndex, DkgDecryptionKey key) {
    try {
      return Optional.of(closed.transcript(which).keyMaterial(nodeIndex + 1, key).ownShare());
    } catch (DkgException e) {
      if (e.reason() == DkgException.Reason.BAD_SHARE) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Whether these are the same keys as {@code other} (public keys, and the same own shares). */
  public boolean sameAs(SubnetKeys other) {
    return lastBootstrapHeight == other.lastBootstrapHeight && beacon.equals(other.beacon)
        && certification.equals(other.certification) && beaconShare.equals(other.beaconShare)
        && certificationShare.equals(other.certificationShare);
  }

  @Override
  public String toString() {
    return "SubnetKeys[from height " + (lastBootstrapHeight + 1) + ", beacon " + beacon.groupPublicKey()
        + ", certification " + certification.groupPublicKey()
        + ", own share " + beaconShare.map(s -> String.valueOf(s.index())).orElse("none") + "]";
  }
}
