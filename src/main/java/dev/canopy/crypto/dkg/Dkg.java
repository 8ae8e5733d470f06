package dev.canopy.crypto.dkg;

import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.dkg.DkgException.Reason;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import supranational.blst.P1_Affine;
import supranational.blst.P2_Affine;

/**
 * The DKG's operations, for consensus to call. A run goes:
 *
 * <ol>
 *   <li>each dealer {@link #deal}s (or, to re-deal an existing key, {@link #reshare}s) and gossips
 *       the dealing;
 *   <li>every replica checks dealings with {@link #verifyDealing}; each receiver also checks the
 *       share addressed to it with {@link #checkShare}, which returns a complaint when the share
 *       is bad; complaints are gossiped and checked with {@link #verifyComplaint};
 *   <li>consensus agrees on a list of dealings and complaints; every replica then builds the same
 *       {@link DkgTranscript} from it ({@link #transcript}), which gives the public keys, and each
 *       receiver its own secret share ({@link DkgTranscript#keyMaterial}).
 * </ol>
 *
 * <p>Everything is deterministic given the caller's random sources; nothing here keeps state.
 *
 * <p>Note: this is Feldman-VSS-based DKG (Pedersen's "joint Feldman" protocol) with hashed-ElGamal
 * share encryption and complaint-by-revealing-the-shared-point. What it does not provide, compared
 * with the Internet Computer's non-interactive DKG: (1) no proof of correct sharing (NIZK), so a
 * dealing's encrypted shares are not publicly verifiable; only their receivers can tell a bad
 * share, and a dealing is excluded only when a receiver's complaint reaches the agreed list. An
 * honest receiver whose complaint consensus does not include gets no key share from the transcript
 * ({@link DkgTranscript#keyMaterial} fails for it) and counts as one of the faulty replicas until
 * the next resharing. (2) No forward-secure encryption: a receiver's decryption key, leaked later,
 * reveals every share it ever received; rotate the key with each resharing. (3) The group key may
 * be biased by a rushing dealer that chooses, after seeing others, whether to get its dealing
 * excluded (Gennaro-Jarecki-Krawczyk-Rabin 1999); secrecy of the key is unaffected, and threshold
 * BLS is not known to suffer from such bias, but it is not uniformly random.
 */
public final class Dkg {
  private Dkg() {}

  /** Dealer {@code dealerIndex}'s dealing of a fresh random secret. */
  public static DkgDealing deal(
      DkgConfig config, int dealerIndex, Ed25519SigningKey dealerKey, RandomGenerator random) {
    if (config.previous().isPresent()) {
      throw new DkgException(Reason.BAD_CONFIG, "a resharing run deals old shares: call reshare");
    }
    checkDealerKey(config, dealerIndex, dealerKey);
    return dealPolynomial(config, dealerIndex, dealerKey, Group.randomNonZeroScalar(random), random);
  }

  /**
   * Dealer {@code dealerIndex}'s dealing of its share of the previous key ({@code previousKey}, of
   * which it holds share {@code dealerIndex}) as the constant term, so the transcript's group key
   * is the previous one.
   */
  public static DkgDealing reshare(
      DkgConfig config,
      int dealerIndex,
      Ed25519SigningKey dealerKey,
      ThresholdKeyMaterial previousKey,
      RandomGenerator random) {
    ThresholdPublicKeys previous =
        config.previous()
            .orElseThrow(() -> new DkgException(Reason.BAD_CONFIG, "a fresh run has no previous key: call deal"));
    checkDealerKey(config, dealerIndex, dealerKey);
    if (previousKey.index() != dealerIndex || !previousKey.publicKeys().equals(previous)) {
      throw new DkgException(
          Reason.WRONG_KEY,
          "dealer " + dealerIndex + " must reshare its own share of the configured previous key, not share "
              + previousKey.index() + " of " + previousKey.publicKeys().groupPublicKey());
    }
    return dealPolynomial(config, dealerIndex, dealerKey, previousKey.ownShare().key().scalar(), random);
  }

  private static void checkDealerKey(DkgConfig config, int dealerIndex, Ed25519SigningKey dealerKey) {
    if (!config.dealer(dealerIndex).equals(dealerKey.publicKey())) {
      throw new DkgException(
          Reason.WRONG_KEY, "the signing key is not dealer " + dealerIndex + "'s node key");
    }
  }

  /** {@code f(x) = constant + a1·x + … + a(t-1)·x^(t-1)} with random non-zero {@code a_k}. */
  private static DkgDealing dealPolynomial(
      DkgConfig config,
      int dealerIndex,
      Ed25519SigningKey dealerKey,
      BigInteger constant,
      RandomGenerator random) {
    BigInteger[] coefficients = new BigInteger[config.threshold()];
    coefficients[0] = constant;
    for (int k = 1; k < coefficients.length; k++) {
      coefficients[k] = Group.randomNonZeroScalar(random);
    }
    List<P2_Affine> commitments = new ArrayList<>(coefficients.length);
    for (BigInteger a : coefficients) {
      commitments.add(Group.g2Times(a).to_affine());
    }
    List<DkgDealing.EncryptedShare> shares = new ArrayList<>(config.receiverCount());
    for (int j = 1; j <= config.receiverCount(); j++) {
      BigInteger x = BigInteger.valueOf(j);
      BigInteger y = BigInteger.ZERO;
      for (int k = coefficients.length - 1; k >= 0; k--) { // Horner
        y = y.multiply(x).add(coefficients[k]).mod(Group.R);
      }
      shares.add(
          ShareEncryption.encrypt(config.rawInstanceId(), dealerIndex, j, config.receiver(j), y, random));
    }
    Arrays.fill(coefficients, BigInteger.ZERO);
    return DkgDealing.sign(config.rawInstanceId(), dealerIndex, commitments, shares, dealerKey);
  }

  /**
   * What anyone can check of a dealing: it belongs to this instance and a configured dealer, has
   * {@code t} commitments and one share per receiver, carries the dealer's signature, and (when
   * resharing) commits to the dealer's previous public key share as its constant term.
   */
  public static void verifyDealing(DkgConfig config, DkgDealing dealing) {
    if (!Arrays.equals(config.rawInstanceId(), dealing.rawInstanceId())) {
      throw new DkgException(Reason.WRONG_INSTANCE, dealing + " belongs to another DKG instance");
    }
    config.checkDealerIndex(dealing.dealerIndex());
    if (dealing.commitmentCount() != config.threshold()) {
      throw new DkgException(
          Reason.WRONG_SHAPE,
          dealing + " has " + dealing.commitmentCount() + " commitments; threshold " + config.threshold()
              + " needs exactly that many");
    }
    if (dealing.shares().size() != config.receiverCount()) {
      throw new DkgException(
          Reason.WRONG_SHAPE,
          dealing + " has " + dealing.shares().size() + " shares for " + config.receiverCount() + " receivers");
    }
    if (!config.dealer(dealing.dealerIndex()).isValidSignature(dealing.signedBytes(), dealing.signature())) {
      throw new DkgException(
          Reason.BAD_SIGNATURE, dealing + " is not signed by dealer " + dealing.dealerIndex() + "'s node key");
    }
    Optional<ThresholdPublicKeys> previous = config.previous();
    if (previous.isPresent()
        && !Arrays.equals(
            dealing.commitment(0),
            previous.get().publicKeyShare(dealing.dealerIndex()).key().rawBytes())) {
      throw new DkgException(
          Reason.RESHARING_MISMATCH,
          dealing + " does not re-deal dealer " + dealing.dealerIndex() + "'s previous key share");
    }
  }

  /**
   * Receiver {@code receiverIndex}'s check of its share in a dealing (which must pass
   * {@link #verifyDealing}; this checks that too). Empty when the share matches the commitments;
   * otherwise the complaint to gossip. {@code random} only hedges the proof's nonce.
   */
  public static Optional<DkgComplaint> checkShare(
      DkgConfig config,
      DkgDealing dealing,
      int receiverIndex,
      DkgDecryptionKey key,
      RandomGenerator random) {
    verifyDealing(config, dealing);
    checkReceiverKey(config, receiverIndex, key);
    DkgDealing.EncryptedShare ciphertext = dealing.shares().get(receiverIndex - 1);
    P1_Affine shared = ShareEncryption.sharedPoint(key, ciphertext.ephemeralPoint());
    byte[] sharedBytes = shared.compress();
    BigInteger share =
        ShareEncryption.open(
            config.rawInstanceId(), dealing.dealerIndex(), receiverIndex, key.publicKey(), ciphertext, sharedBytes);
    if (shareMatches(dealing.commitmentPoints(), receiverIndex, share)) {
      return Optional.empty();
    }
    byte[] hash = dealing.hash();
    byte[] statement =
        DkgComplaint.statement(config.rawInstanceId(), dealing.dealerIndex(), receiverIndex, hash);
    byte[] proof =
        ShareEncryption.proveSharedPoint(statement, key, ciphertext.ephemeralPoint(), shared, random);
    return Optional.of(
        new DkgComplaint(config.rawInstanceId(), hash, dealing.dealerIndex(), receiverIndex, sharedBytes, proof));
  }

  /**
   * Returns normally exactly when {@code complaint} proves that {@code dealing}'s dealer sent its
   * receiver a share that fails the dealer's commitments; otherwise throws {@link DkgException}
   * ({@code INVALID_COMPLAINT} for a complaint that proves nothing).
   */
  public static void verifyComplaint(DkgConfig config, DkgDealing dealing, DkgComplaint complaint) {
    if (!Arrays.equals(config.rawInstanceId(), complaint.rawInstanceId())) {
      throw new DkgException(Reason.WRONG_INSTANCE, complaint + " belongs to another DKG instance");
    }
    if (!Arrays.equals(dealing.hash(), complaint.dealingHash())
        || dealing.dealerIndex() != complaint.dealerIndex()) {
      throw new DkgException(Reason.INVALID_COMPLAINT, complaint + " is about another dealing than " + dealing);
    }
    verifyDealing(config, dealing);
    int receiverIndex = complaint.receiverIndex();
    DkgEncryptionPublicKey receiver = config.receiver(receiverIndex);
    DkgDealing.EncryptedShare ciphertext = dealing.shares().get(receiverIndex - 1);
    if (!ShareEncryption.verifySharedPoint(
        complaint.statement(),
        receiver,
        ciphertext.ephemeralPoint(),
        complaint.sharedPointDecoded(),
        complaint.proof())) {
      throw new DkgException(
          Reason.INVALID_COMPLAINT, complaint + ": the proof of the shared point does not verify");
    }
    BigInteger share =
        ShareEncryption.open(
            config.rawInstanceId(),
            dealing.dealerIndex(),
            receiverIndex,
            receiver,
            ciphertext,
            complaint.rawSharedPoint());
    if (shareMatches(dealing.commitmentPoints(), receiverIndex, share)) {
      throw new DkgException(
          Reason.INVALID_COMPLAINT, complaint + ": the revealed share matches the commitments");
    }
  }

  /**
   * The transcript of the dealings and complaints consensus agreed on; the same lists give the
   * same transcript on every replica. See {@link DkgTranscript#create}.
   */
  public static DkgTranscript transcript(
      DkgConfig config, List<DkgDealing> dealings, List<DkgComplaint> complaints) {
    return DkgTranscript.create(config, dealings, complaints);
  }

  static void checkReceiverKey(DkgConfig config, int receiverIndex, DkgDecryptionKey key) {
    if (!config.receiver(receiverIndex).equals(key.publicKey())) {
      throw new DkgException(
          Reason.WRONG_KEY, "the decryption key is not receiver " + receiverIndex + "'s");
    }
  }

  /** Feldman's check: {@code g2^s = Π_k C_k^(j^k)}, with {@code s} a scalar below r. */
  static boolean shareMatches(List<P2_Affine> commitments, int receiverIndex, BigInteger share) {
    return share.compareTo(Group.R) < 0
        && Group.g2Times(share).is_equal(Group.evaluateInExponent(commitments, receiverIndex));
  }

  /** Receiver {@code j}'s share in a dealing that has passed {@link #verifyDealing}, if it is correct. */
  static Optional<BigInteger> openShare(
      DkgConfig config, DkgDealing dealing, int receiverIndex, DkgDecryptionKey key) {
    DkgDealing.EncryptedShare ciphertext = dealing.shares().get(receiverIndex - 1);
    byte[] shared = ShareEncryption.sharedPoint(key, ciphertext.ephemeralPoint()).compress();
    BigInteger share =
        ShareEncryption.open(
            config.rawInstanceId(), dealing.dealerIndex(), receiverIndex, key.publicKey(), ciphertext, shared);
    return shareMatches(dealing.commitmentPoints(), receiverIndex, share) ? Optional.of(share) : Optional.empty();
  }
}
