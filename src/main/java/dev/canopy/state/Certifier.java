package dev.canopy.state;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.InvalidSignatureException;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.VerifiedSignatureCache;
import dev.canopy.types.Hex;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Certifies heights with the subnet's threshold BLS key (spec "Certification"): each replica signs
 * {@code "\x0Dic-state-root" · rootHash} with its key share, and {@code t} valid shares combine
 * into the subnet's signature, which verifies under the subnet's public key. A single-replica node
 * is the case {@code t = n = 1}, where the one share's signature is the subnet's.
 *
 * <p>Note: the node acts as the root subnet, so certificates carry no delegation and verify
 * directly under the root key that {@code /api/v2/status} publishes.
 */
public final class Certifier {
  private final ThresholdBls.Parameters parameters;
  private final BlsPublicKey subnetPublicKey;
  private final UnaryOperator<byte[]> messageOf;
  private final VerifiedSignatureCache verified;

  public Certifier(ThresholdBls.Parameters parameters, BlsPublicKey subnetPublicKey) {
    this(parameters, subnetPublicKey, BlsSignatureScheme::stateRootMessage);
  }

  /**
   * A certifier that signs {@code messageOf(hash)} instead of a state root message: the same share
   * signing and combination for another kind of subnet signature (catch-up packages), under its own
   * domain separator so that neither can pass for the other.
   */
  public Certifier(ThresholdBls.Parameters parameters, BlsPublicKey subnetPublicKey,
      UnaryOperator<byte[]> messageOf) {
    this(parameters, subnetPublicKey, messageOf, VerifiedSignatureCache.none());
  }

  private Certifier(ThresholdBls.Parameters parameters, BlsPublicKey subnetPublicKey,
      UnaryOperator<byte[]> messageOf, VerifiedSignatureCache verified) {
    this.parameters = Objects.requireNonNull(parameters, "parameters");
    this.subnetPublicKey = Objects.requireNonNull(subnetPublicKey, "subnetPublicKey");
    this.messageOf = Objects.requireNonNull(messageOf, "messageOf");
    this.verified = Objects.requireNonNull(verified, "verified");
  }

  /**
   * The same certifier, which checks a combined signature only if {@code cache} has not seen it
   * verify: a threshold signature is unique, so the replicas of one process that combine the same
   * height's shares check it once between them.
   */
  public Certifier withVerifiedCache(VerifiedSignatureCache cache) {
    return new Certifier(parameters, subnetPublicKey, messageOf, cache);
  }

  public BlsPublicKey subnetPublicKey() {
    return subnetPublicKey;
  }

  /** This replica's share of the signature of {@code rootHash}. */
  public ThresholdBls.SignatureShare signShare(ThresholdBls.SecretKeyShare share, byte[] rootHash) {
    return ThresholdBls.signShare(share, messageOf.apply(rootHash));
  }

  /** Whether {@code share} is a valid share of the signature of {@code rootHash}. */
  public boolean verifyShare(
      ThresholdBls.PublicKeyShare publicKeyShare, byte[] rootHash, ThresholdBls.SignatureShare share) {
    return ThresholdBls.verifyShare(publicKeyShare, messageOf.apply(rootHash), share);
  }

  /**
   * Combines at least {@code t} shares into the subnet's certification of {@code height}, and
   * checks it under the subnet key: an invalid share among them gives an {@link
   * InvalidSignatureException}, never a certification that clients would reject.
   */
  public StateCertification combine(
      long height, byte[] rootHash, List<ThresholdBls.SignatureShare> shares) {
    StateCertification combined = new StateCertification(height, rootHash,
        ThresholdBls.combineSignatures(parameters, shares));
    if (!verify(combined)) {
      throw new InvalidSignatureException(
          InvalidSignatureException.Reason.DOES_NOT_VERIFY,
          "the combined signature of height " + height + " (root " + Hex.encode(rootHash)
              + ") does not verify under the subnet key; some share is invalid");
    }
    return combined;
  }

  /**
   * Whether {@code certification} is the subnet's signature of its root: a certification a peer
   * combined, which this replica may adopt for the same root without the shares.
   */
  public boolean verify(StateCertification certification) {
    return verified.isValid(subnetPublicKey, messageOf.apply(certification.rootHash()),
        certification.signature());
  }

  /** The certification by a subnet of one replica ({@code t = n = 1}) holding {@code share}. */
  public StateCertification certifyAlone(
      long height, byte[] rootHash, ThresholdBls.SecretKeyShare share) {
    if (parameters.threshold() != 1) {
      throw new IllegalStateException(
          "a replica certifies alone only when the threshold is 1, not " + parameters.threshold());
    }
    return combine(height, rootHash, List.of(signShare(share, rootHash)));
  }
}
