package dev.canopy.crypto.dkg;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.ThresholdBls.PublicKeyShare;
import dev.canopy.crypto.ThresholdBls.SecretKeyShare;
import dev.canopy.crypto.dkg.DkgException.Reason;
import dev.canopy.types.InvalidInputException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import supranational.blst.P2;
import supranational.blst.P2_Affine;

/**
 * The outcome of a DKG run: the dealings that make the key, and the public keys they determine.
 *
 * <p>Every replica computes every public key from the commitments alone: with the combined
 * commitments {@code A_k = Σ_i λ_i·C_ik} (in additive notation; {@code λ_i = 1} for a fresh key,
 * the Lagrange weights at 0 of the chosen dealers for a resharing), the group key is {@code A_0}
 * and share {@code j}'s public key is {@code Σ_k j^k·A_k}. Receiver {@code j}'s secret share is
 * {@code Σ_i λ_i·s_ij}; no one ever computes the group's secret.
 */
public final class DkgTranscript {
  private final DkgConfig config;
  private final List<DkgDealing> dealings;
  private final List<BigInteger> weights;
  private final Map<Integer, Reason> excluded;
  private final ThresholdPublicKeys publicKeys;

  private DkgTranscript(
      DkgConfig config, List<DkgDealing> dealings, List<BigInteger> weights, Map<Integer, Reason> excluded) {
    this.config = config;
    this.dealings = List.copyOf(dealings);
    this.weights = List.copyOf(weights);
    this.excluded = Collections.unmodifiableMap(new TreeMap<>(excluded));
    this.publicKeys = computePublicKeys();
  }

  /**
   * Chooses the dealings deterministically from what consensus agreed on: drops dealings that fail
   * {@link Dkg#verifyDealing}, dealers that signed two different dealings, and dealings convicted
   * by a valid complaint (complaints that prove nothing, or are about dealings not in the list,
   * are ignored); then takes the {@link DkgConfig#dealingsRequired()} lowest dealer indices.
   *
   * @throws DkgException {@code TOO_FEW_DEALINGS} when not enough dealings remain
   */
  static DkgTranscript create(DkgConfig config, List<DkgDealing> candidates, List<DkgComplaint> complaints) {
    TreeMap<Integer, Reason> excluded = new TreeMap<>();
    TreeMap<Integer, DkgDealing> byDealer = new TreeMap<>();
    for (DkgDealing dealing : candidates) {
      int dealer = dealing.dealerIndex();
      if (excluded.containsKey(dealer)) {
        continue;
      }
      try {
        Dkg.verifyDealing(config, dealing);
      } catch (DkgException e) { // unsigned or misshapen: not the dealer's word, so just ignored
        continue;
      }
      DkgDealing earlier = byDealer.putIfAbsent(dealer, dealing);
      if (earlier != null && !earlier.equals(dealing)) {
        byDealer.remove(dealer);
        excluded.put(dealer, Reason.EQUIVOCATION);
      }
    }
    for (DkgComplaint complaint : complaints) {
      DkgDealing dealing = byDealer.get(complaint.dealerIndex());
      if (dealing == null || !Arrays.equals(dealing.hash(), complaint.dealingHash())) {
        continue;
      }
      try {
        Dkg.verifyComplaint(config, dealing, complaint);
      } catch (InvalidInputException e) { // a complaint that proves nothing accuses no one
        continue;
      }
      byDealer.remove(complaint.dealerIndex());
      excluded.put(complaint.dealerIndex(), Reason.BAD_SHARE);
    }
    int required = config.dealingsRequired();
    if (byDealer.size() < required) {
      throw new DkgException(
          Reason.TOO_FEW_DEALINGS,
          "the key needs " + required + " acceptable dealings, got " + byDealer.size());
    }
    List<DkgDealing> chosen = new ArrayList<>(byDealer.values()).subList(0, required);
    List<BigInteger> weights;
    if (config.previous().isPresent()) {
      weights = Group.lagrangeAtZero(chosen.stream().mapToInt(DkgDealing::dealerIndex).toArray());
    } else {
      weights = Collections.nCopies(required, BigInteger.ONE);
    }
    return new DkgTranscript(config, chosen, weights, excluded);
  }

  private ThresholdPublicKeys computePublicKeys() {
    int t = config.threshold();
    List<P2_Affine> combined = new ArrayList<>(t);
    for (int k = 0; k < t; k++) {
      P2 sum = null;
      for (int i = 0; i < dealings.size(); i++) {
        P2 term = Group.times(dealings.get(i).commitmentPoints().get(k), weights.get(i));
        sum = sum == null ? term : sum.add(term);
      }
      combined.add(sum.to_affine());
    }
    BlsPublicKey group = BlsPublicKey.fromCompressed(combined.get(0).compress());
    config.previous().ifPresent(previous -> {
      if (!previous.groupPublicKey().equals(group)) {
        throw new IllegalStateException("resharing changed the group key; the dealing checks are broken");
      }
    });
    List<PublicKeyShare> shares = new ArrayList<>(config.receiverCount());
    for (int j = 1; j <= config.receiverCount(); j++) {
      shares.add(new PublicKeyShare(j, BlsPublicKey.fromCompressed(Group.evaluateInExponent(combined, j).compress())));
    }
    return new ThresholdPublicKeys(config.parameters(), group, shares);
  }

  public DkgConfig config() {
    return config;
  }

  /** The dealings that make the key, by ascending dealer index. */
  public List<DkgDealing> dealings() {
    return dealings;
  }

  /** Dealers left out and why: {@code BAD_SHARE} (convicted by a complaint) or {@code EQUIVOCATION} (signed two dealings). */
  public Map<Integer, Reason> excludedDealers() {
    return excluded;
  }

  public ThresholdPublicKeys publicKeys() {
    return publicKeys;
  }

  public BlsPublicKey groupPublicKey() {
    return publicKeys.groupPublicKey();
  }

  /**
   * Receiver {@code receiverIndex}'s key material: its secret share {@code Σ_i λ_i·s_ij} from the
   * chosen dealings, with all public keys.
   *
   * @throws DkgException {@code BAD_SHARE} when a chosen dealing's share for this receiver is bad
   *     (its complaint did not make it into the agreed list), {@code WRONG_KEY} for another
   *     receiver's key
   */
  public ThresholdKeyMaterial keyMaterial(int receiverIndex, DkgDecryptionKey key) {
    Dkg.checkReceiverKey(config, receiverIndex, key);
    BigInteger sum = BigInteger.ZERO;
    for (int i = 0; i < dealings.size(); i++) {
      DkgDealing dealing = dealings.get(i);
      Optional<BigInteger> share = Dkg.openShare(config, dealing, receiverIndex, key);
      if (share.isEmpty()) {
        throw new DkgException(
            Reason.BAD_SHARE,
            "dealer " + dealing.dealerIndex() + "'s share for receiver " + receiverIndex
                + " is bad and no complaint excluded the dealing; this receiver has no key share");
      }
      sum = sum.add(weights.get(i).multiply(share.get())).mod(Group.R);
    }
    if (sum.signum() == 0) {
      throw new IllegalStateException("key share " + receiverIndex + " is zero (probability 1/r)");
    }
    return new ThresholdKeyMaterial(
        publicKeys, new SecretKeyShare(receiverIndex, BlsSecretKey.fromScalar(sum)));
  }

  @Override
  public String toString() {
    return "DkgTranscript[" + config + ", dealers "
        + dealings.stream().map(d -> String.valueOf(d.dealerIndex())).toList() + ", group key "
        + publicKeys.groupPublicKey() + "]";
  }
}
