package dev.canopy.crypto.dkg;

import dev.canopy.types.Hashing;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.random.RandomGenerator;
import supranational.blst.P1;
import supranational.blst.P1_Affine;

/**
 * Hashed ElGamal over G1 for one 32-byte share, and the Chaum-Pedersen proof behind complaints.
 *
 * <p>Note: to encrypt share {@code s} to {@code D = g1^d}, the dealer draws {@code r}, sends
 * {@code R = g1^r} and {@code c = s ⊕ SHA-256(sep ‖ ctx ‖ D ‖ R ‖ D^r)}, where {@code ctx} is the
 * instance id, the dealer and the receiver index. The receiver computes {@code D^r = R^d}. The pad
 * is pseudorandom under computational Diffie-Hellman in G1 in the random-oracle model and is used
 * once (a fresh {@code r} per share), so this is IND-CPA (ECIES/DHIES with a hash as KDF and a
 * one-time pad as cipher). There is no MAC because integrity comes from elsewhere: the dealer
 * signs the whole dealing, and the receiver checks the decrypted share against the dealer's
 * Feldman commitments, which catches any change to the ciphertext.
 */
final class ShareEncryption {
  static final int PROOF_BYTES = 2 * Group.SCALAR_BYTES;
  private static final byte[] KDF_DOMAIN = Hashing.domainSeparator("canopy-dkg-share-key");
  private static final byte[] DLEQ_DOMAIN = Hashing.domainSeparator("canopy-dkg-complaint-dleq");
  private static final byte[] NONCE_DOMAIN = Hashing.domainSeparator("canopy-dkg-complaint-nonce");

  private ShareEncryption() {}

  /** Encrypts {@code share} (in [0, r)) for receiver {@code receiverIndex}. */
  static DkgDealing.EncryptedShare encrypt(
      byte[] instanceId,
      int dealerIndex,
      int receiverIndex,
      DkgEncryptionPublicKey receiver,
      BigInteger share,
      RandomGenerator random) {
    BigInteger r = Group.randomNonZeroScalar(random);
    byte[] ephemeral = Group.g1Times(r).compress();
    byte[] shared = Group.times(receiver.point(), r).compress();
    byte[] pad = pad(instanceId, dealerIndex, receiverIndex, receiver.raw(), ephemeral, shared);
    return new DkgDealing.EncryptedShare(ephemeral, xor(Group.scalarBytes(share), pad));
  }

  /** {@code R^d}: the Diffie-Hellman point the receiver shares with the dealer for this share. */
  static P1_Affine sharedPoint(DkgDecryptionKey key, P1_Affine ephemeral) {
    return Group.times(ephemeral, key.scalar()).to_affine();
  }

  /** The plaintext under {@code shared}: 32 bytes, a share when the dealer was honest. */
  static BigInteger open(
      byte[] instanceId,
      int dealerIndex,
      int receiverIndex,
      DkgEncryptionPublicKey receiver,
      DkgDealing.EncryptedShare ciphertext,
      byte[] shared) {
    byte[] pad =
        pad(instanceId, dealerIndex, receiverIndex, receiver.raw(), ciphertext.rawEphemeralKey(), shared);
    return new BigInteger(1, xor(ciphertext.rawCiphertext(), pad));
  }

  private static byte[] pad(
      byte[] instanceId, int dealer, int receiver, byte[] receiverKey, byte[] ephemeral, byte[] shared) {
    MessageDigest sha256 = Hashing.sha256Digest();
    sha256.update(KDF_DOMAIN);
    sha256.update(context(instanceId, dealer, receiver));
    sha256.update(receiverKey);
    sha256.update(ephemeral);
    sha256.update(shared);
    return sha256.digest();
  }

  /**
   * A non-interactive Chaum-Pedersen proof that {@code log_g1(D) = log_R(K)}, i.e. that {@code K}
   * is the true shared point, bound to {@code statement} (instance, indices, dealing hash).
   * Returns {@code c ‖ z}, 64 bytes.
   *
   * <p>Note: the nonce is hashed from the secret, the statement and fresh bytes of {@code random},
   * so a caller that replays its random stream still never reuses a nonce across two statements
   * (which would reveal {@code d}).
   */
  static byte[] proveSharedPoint(
      byte[] statement, DkgDecryptionKey key, P1_Affine ephemeral, P1_Affine shared, RandomGenerator random) {
    byte[] entropy = new byte[32];
    random.nextBytes(entropy);
    BigInteger w =
        hashToScalar(NONCE_DOMAIN, Group.scalarBytes(key.scalar()), statement, shared.compress(), entropy);
    if (w.signum() == 0) {
      w = BigInteger.ONE; // probability 2^-255; keeps the proof well-defined
    }
    P1 a1 = Group.g1Times(w);
    P1 a2 = Group.times(ephemeral, w);
    BigInteger c = challenge(statement, key.publicKey().raw(), ephemeral, shared, a1, a2);
    BigInteger z = w.add(c.multiply(key.scalar())).mod(Group.R);
    ByteArrayOutputStream out = new ByteArrayOutputStream(PROOF_BYTES);
    out.writeBytes(Group.scalarBytes(c));
    out.writeBytes(Group.scalarBytes(z));
    return out.toByteArray();
  }

  /** Whether {@code proof} shows {@code shared = ephemeral^d} for the {@code d} behind {@code receiver}. */
  static boolean verifySharedPoint(
      byte[] statement,
      DkgEncryptionPublicKey receiver,
      P1_Affine ephemeral,
      P1_Affine shared,
      byte[] proof) {
    if (proof.length != PROOF_BYTES) {
      return false;
    }
    BigInteger c = new BigInteger(1, java.util.Arrays.copyOfRange(proof, 0, Group.SCALAR_BYTES));
    BigInteger z = new BigInteger(1, java.util.Arrays.copyOfRange(proof, Group.SCALAR_BYTES, PROOF_BYTES));
    if (c.compareTo(Group.R) >= 0 || z.compareTo(Group.R) >= 0) {
      return false;
    }
    BigInteger minusC = Group.R.subtract(c).mod(Group.R);
    P1 a1 = Group.g1Times(z).add(Group.times(receiver.point(), minusC));
    P1 a2 = Group.times(ephemeral, z).add(Group.times(shared, minusC));
    return c.equals(challenge(statement, receiver.raw(), ephemeral, shared, a1, a2));
  }

  private static BigInteger challenge(
      byte[] statement, byte[] receiverKey, P1_Affine ephemeral, P1_Affine shared, P1 a1, P1 a2) {
    return hashToScalar(
        DLEQ_DOMAIN,
        statement,
        receiverKey,
        ephemeral.compress(),
        shared.compress(),
        a1.compress(),
        a2.compress());
  }

  /** SHA-512 of the length-prefixed parts, reduced mod r (512 bits, so the bias is below 2^-256). */
  private static BigInteger hashToScalar(byte[]... parts) {
    MessageDigest sha512;
    try {
      sha512 = MessageDigest.getInstance("SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-512", e);
    }
    for (byte[] part : parts) {
      sha512.update(ByteBuffer.allocate(4).putInt(part.length).array());
      sha512.update(part);
    }
    return new BigInteger(1, sha512.digest()).mod(Group.R);
  }

  /** {@code len(instance) ‖ instance ‖ dealer (4 bytes) ‖ receiver (4 bytes)}. */
  static byte[] context(byte[] instanceId, int dealer, int receiver) {
    return ByteBuffer.allocate(1 + instanceId.length + 8)
        .put((byte) instanceId.length)
        .put(instanceId)
        .putInt(dealer)
        .putInt(receiver)
        .array();
  }

  private static byte[] xor(byte[] a, byte[] b) {
    byte[] out = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (byte) (a[i] ^ b[i]);
    }
    return out;
  }
}
