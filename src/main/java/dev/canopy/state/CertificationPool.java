package dev.canopy.state;

import dev.canopy.crypto.InvalidSignatureException;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.Hex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One replica's collection of certification shares (spec "Certification"; ARCHITECTURE.md §1,
 * certification): per height, its own state root and share, and the shares its peers sent for
 * whichever roots they computed. Once {@code t} shares sign this replica's own root, they combine
 * into the subnet's signature. Shares for a different root never combine with ours: a replica whose
 * state diverged from the others' can neither certify its height alone nor spoil theirs, and when
 * {@code t} valid shares agree on a root other than its own, {@link #divergence} says so.
 *
 * <p>Pure and single-threaded; the owner (the state manager) feeds shares in and asks for results.
 *
 * <p>Note: peers' shares are verified lazily: {@code t} shares are combined and the result checked
 * under the subnet key ({@link Certifier#combine}); only if that fails are the shares verified one
 * by one and the invalid ones dropped. Honest subnets thus pay one verification per height rather
 * than one per share.
 */
public final class CertificationPool {
  /** What became of a peer's share. */
  public enum Admission { ADDED, DUPLICATE, OUT_OF_RANGE, UNKNOWN_SIGNER }

  /** What became of a peer's certification. */
  public enum Adoption { ADOPTED, KNOWN, OUT_OF_RANGE, INVALID }

  private final Certifier certifier;
  private final ThresholdBls.Parameters parameters;
  private final List<ThresholdBls.PublicKeyShare> publicKeyShares;
  private final long maxHeightsAhead;
  private final TreeMap<Long, Height> heights = new TreeMap<>();
  private long ownHeight;
  private long purgedBelowHeight;

  private static final class Height {
    byte[] ownRoot;
    // Root (hex) → signer index → share, each signer at most once per height.
    final Map<String, TreeMap<Integer, ThresholdBls.SignatureShare>> sharesByRoot = new TreeMap<>();
    final Map<Integer, String> rootOfSigner = new TreeMap<>();
    StateCertification certification;
    /** A valid certification a peer sent, for whichever root; ours once our root is the same. */
    StateCertification peerCertification;
  }

  /**
   * @param maxHeightsAhead how far above its own height a replica keeps peers' shares (a peer
   *     that is ahead sends them before this replica has executed the height)
   */
  public CertificationPool(Certifier certifier, ThresholdBls.Parameters parameters,
      List<ThresholdBls.PublicKeyShare> publicKeyShares, long maxHeightsAhead) {
    this.certifier = Objects.requireNonNull(certifier);
    this.parameters = Objects.requireNonNull(parameters);
    this.publicKeyShares = List.copyOf(publicKeyShares);
    if (publicKeyShares.size() != parameters.shareCount() || maxHeightsAhead < 1) {
      throw new IllegalArgumentException("one public key share per replica and a positive window");
    }
    this.maxHeightsAhead = maxHeightsAhead;
  }

  /** This replica's own root of {@code height} and its share of the signature. */
  public void addOwn(long height, byte[] rootHash, ThresholdBls.SignatureShare share) {
    if (height < purgedBelowHeight) {
      return;
    }
    Height h = heights.computeIfAbsent(height, k -> new Height());
    h.ownRoot = rootHash.clone();
    ownHeight = Math.max(ownHeight, height);
    file(h, rootHash, share);
  }

  /** A peer's share for {@code rootHash} at {@code height}; unverified until it matters. */
  public Admission addPeerShare(long height, byte[] rootHash, ThresholdBls.SignatureShare share) {
    if (height < Math.max(1, purgedBelowHeight) || height > ownHeight + maxHeightsAhead) {
      return Admission.OUT_OF_RANGE;
    }
    if (share.index() < 1 || share.index() > parameters.shareCount()) {
      return Admission.UNKNOWN_SIGNER;
    }
    Height h = heights.computeIfAbsent(height, k -> new Height());
    return file(h, rootHash, share) ? Admission.ADDED : Admission.DUPLICATE;
  }

  private static boolean file(Height h, byte[] rootHash, ThresholdBls.SignatureShare share) {
    if (h.rootOfSigner.containsKey(share.index())) {
      return false;
    }
    String root = Hex.encode(rootHash);
    h.rootOfSigner.put(share.index(), root);
    h.sharesByRoot.computeIfAbsent(root, k -> new TreeMap<>()).put(share.index(), share);
    return true;
  }

  /**
   * A certification of the subnet's that a peer combined, kept once it verifies under the subnet
   * key (before this replica has executed the height, too, within the window of {@link
   * #addPeerShare}); it certifies this replica's root of the height if it signs the same one.
   *
   * <p>Note: a replica only combines shares itself, and each share is sent once; one that missed
   * a share it needed (a peer stopped right after sending the others theirs) would never certify
   * that height, nor any other while too few replicas run. Its peers therefore hand on their
   * latest certification to a replica certified below it, as the Internet Computer gossips
   * certifications, and this is where it arrives.
   */
  public Adoption adoptCertification(StateCertification certification) {
    long height = certification.height();
    if (height < Math.max(1, purgedBelowHeight) || height > ownHeight + maxHeightsAhead) {
      return Adoption.OUT_OF_RANGE;
    }
    Height h = heights.get(height);
    if (h != null && (h.certification != null || h.peerCertification != null)) {
      return Adoption.KNOWN;
    }
    if (!certifier.verify(certification)) {
      return Adoption.INVALID;
    }
    heights.computeIfAbsent(height, k -> new Height()).peerCertification = certification;
    return Adoption.ADOPTED;
  }

  /**
   * The subnet's certification of {@code height} if {@code t} valid shares sign this replica's own
   * root of it, or a peer's certification does ({@link #adoptCertification}); invalid shares found
   * on the way are dropped.
   */
  public Optional<StateCertification> certification(long height) {
    Height h = heights.get(height);
    if (h == null || h.ownRoot == null) {
      return Optional.empty();
    }
    if (h.certification != null) {
      return Optional.of(h.certification);
    }
    if (h.peerCertification != null && Arrays.equals(h.peerCertification.rootHash(), h.ownRoot)) {
      h.certification = h.peerCertification;
      return Optional.of(h.certification);
    }
    TreeMap<Integer, ThresholdBls.SignatureShare> shares = h.sharesByRoot.get(Hex.encode(h.ownRoot));
    if (shares == null || shares.size() < parameters.threshold()) {
      return Optional.empty();
    }
    try {
      h.certification = certifier.combine(height, h.ownRoot, new ArrayList<>(shares.values()));
      return Optional.of(h.certification);
    } catch (InvalidSignatureException e) {
      dropInvalid(h, h.ownRoot, shares);
      return certification(height);
    }
  }

  /**
   * A root other than this replica's own that {@code t} valid shares, or a peer's certification,
   * sign at {@code height}: the subnet's state differs from this replica's.
   */
  public Optional<byte[]> divergence(long height) {
    Height h = heights.get(height);
    if (h == null || h.ownRoot == null) {
      return Optional.empty();
    }
    if (h.peerCertification != null && !Arrays.equals(h.peerCertification.rootHash(), h.ownRoot)) {
      return Optional.of(h.peerCertification.rootHash());
    }
    String own = Hex.encode(h.ownRoot);
    for (Map.Entry<String, TreeMap<Integer, ThresholdBls.SignatureShare>> e :
        new ArrayList<>(h.sharesByRoot.entrySet())) {
      if (e.getKey().equals(own) || e.getValue().size() < parameters.threshold()) {
        continue;
      }
      byte[] root = Hex.decode(e.getKey());
      dropInvalid(h, root, e.getValue());
      if (e.getValue().size() >= parameters.threshold()) {
        return Optional.of(root);
      }
    }
    return Optional.empty();
  }

  /** Signers whose shares sign a root other than ours at {@code height}, in index order. */
  public List<Integer> dissenters(long height) {
    Height h = heights.get(height);
    List<Integer> out = new ArrayList<>();
    if (h == null || h.ownRoot == null) {
      return out;
    }
    String own = Hex.encode(h.ownRoot);
    h.rootOfSigner.forEach((signer, root) -> {
      if (!root.equals(own)) {
        out.add(signer);
      }
    });
    return out;
  }

  private void dropInvalid(Height h, byte[] root, TreeMap<Integer, ThresholdBls.SignatureShare> shares) {
    shares.entrySet().removeIf(e -> {
      boolean invalid = !certifier.verifyShare(publicKeyShares.get(e.getKey() - 1), root, e.getValue());
      if (invalid) {
        // The signer may still send its real share for this height.
        h.rootOfSigner.remove(e.getKey());
      }
      return invalid;
    });
  }

  /** Forgets every height below {@code height}. */
  public void purgeBelow(long height) {
    if (height > purgedBelowHeight) {
      purgedBelowHeight = height;
      heights.headMap(height).clear();
    }
  }

  /** Heights held (for tests and metrics). */
  public int size() {
    return heights.size();
  }
}
