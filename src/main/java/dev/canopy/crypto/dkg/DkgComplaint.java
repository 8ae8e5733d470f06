package dev.canopy.crypto.dkg;

import dev.canopy.crypto.dkg.DkgException.Reason;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.Arrays;
import supranational.blst.P1_Affine;

/**
 * Receiver {@code j}'s proof that dealer {@code i} sent it a bad share: the Diffie-Hellman point
 * {@code K = R^d} of that share's ciphertext and a Chaum-Pedersen proof that {@code K} is right for
 * {@code j}'s encryption key. With {@code K} anyone can decrypt the share and see that it fails
 * the dealer's commitments ({@link Dkg#verifyComplaint}); the receiver's key stays secret, and
 * only the share of an already-disqualified dealing is revealed.
 *
 * <p>Wire form: the canonical CBOR map {@code {"instance": bytes, "dealing": bytes(32) hash,
 * "dealer": uint, "receiver": uint, "shared_point": bytes(48), "proof": bytes(64)}}. The proof is
 * bound to all of these, so a complaint needs no signature of its own.
 */
public final class DkgComplaint {
  public static final int MAX_ENCODED_BYTES = 512;
  private static final CborDecoder DECODER =
      CborDecoder.builder().limits(new CborLimits(MAX_ENCODED_BYTES, 2, 16)).build();

  private final byte[] instanceId;
  private final byte[] dealingHash;
  private final int dealerIndex;
  private final int receiverIndex;
  private final byte[] sharedPoint;
  private final P1_Affine sharedPointDecoded;
  private final byte[] proof;

  DkgComplaint(
      byte[] instanceId, byte[] dealingHash, int dealerIndex, int receiverIndex, byte[] sharedPoint, byte[] proof) {
    if (instanceId.length < 1 || instanceId.length > DkgConfig.MAX_INSTANCE_ID_BYTES) {
      throw malformed("the instance id has " + instanceId.length + " bytes, not 1.."
          + DkgConfig.MAX_INSTANCE_ID_BYTES);
    }
    if (dealingHash.length != 32) {
      throw malformed("a dealing hash has 32 bytes, got " + dealingHash.length);
    }
    if (dealerIndex < 1 || dealerIndex > DkgConfig.MAX_PARTICIPANTS
        || receiverIndex < 1 || receiverIndex > DkgConfig.MAX_PARTICIPANTS) {
      throw new DkgException(Reason.INDEX_OUT_OF_RANGE,
          "dealer " + dealerIndex + " or receiver " + receiverIndex + " outside 1.." + DkgConfig.MAX_PARTICIPANTS);
    }
    if (proof.length != ShareEncryption.PROOF_BYTES) {
      throw malformed("a complaint proof has " + ShareEncryption.PROOF_BYTES + " bytes, got " + proof.length);
    }
    this.instanceId = instanceId.clone();
    this.dealingHash = dealingHash.clone();
    this.dealerIndex = dealerIndex;
    this.receiverIndex = receiverIndex;
    this.sharedPoint = sharedPoint.clone();
    this.sharedPointDecoded = Group.decodeG1(this.sharedPoint, "the complaint's shared point");
    this.proof = proof.clone();
  }

  /** Decodes a complaint from its canonical CBOR; anything else is a {@link DkgException}. */
  public static DkgComplaint decode(byte[] bytes) {
    DkgComplaint complaint;
    try {
      CborMap map = DECODER.decodeMap(bytes, "complaint");
      if (map.size() != 6) {
        throw malformed(
            "a complaint has exactly the fields instance, dealing, dealer, receiver, shared_point, proof");
      }
      long dealer = map.getLong("dealer");
      long receiver = map.getLong("receiver");
      complaint =
          new DkgComplaint(
              map.getBytes("instance"),
              map.getBytes("dealing"),
              (int) Math.min(dealer, Integer.MAX_VALUE),
              (int) Math.min(receiver, Integer.MAX_VALUE),
              map.getBytes("shared_point"),
              map.getBytes("proof"));
    } catch (DkgException e) {
      throw e;
    } catch (InvalidInputException e) { // CborDecodeException, CborFieldException
      throw new DkgException(Reason.MALFORMED, "not a complaint: " + e.getMessage(), e);
    }
    if (!Arrays.equals(complaint.encode(), bytes)) {
      throw malformed("the complaint is not in canonical CBOR");
    }
    return complaint;
  }

  private static DkgException malformed(String message) {
    return new DkgException(Reason.MALFORMED, message);
  }

  public byte[] encode() {
    return CborEncoder.encode(
        CborMap.builder()
            .put("instance", instanceId)
            .put("dealing", dealingHash)
            .put("dealer", CborValue.UnsignedInt.of(dealerIndex))
            .put("receiver", CborValue.UnsignedInt.of(receiverIndex))
            .put("shared_point", sharedPoint)
            .put("proof", proof)
            .build());
  }

  /** What the proof is bound to: instance, both indices and the dealing's hash. */
  static byte[] statement(byte[] instanceId, int dealerIndex, int receiverIndex, byte[] dealingHash) {
    byte[] context = ShareEncryption.context(instanceId, dealerIndex, receiverIndex);
    byte[] out = Arrays.copyOf(context, context.length + dealingHash.length);
    System.arraycopy(dealingHash, 0, out, context.length, dealingHash.length);
    return out;
  }

  byte[] statement() {
    return statement(instanceId, dealerIndex, receiverIndex, dealingHash);
  }

  public byte[] instanceId() {
    return instanceId.clone();
  }

  byte[] rawInstanceId() {
    return instanceId;
  }

  /** The hash of the dealing complained about ({@link DkgDealing#hash()}). */
  public byte[] dealingHash() {
    return dealingHash.clone();
  }

  public int dealerIndex() {
    return dealerIndex;
  }

  public int receiverIndex() {
    return receiverIndex;
  }

  byte[] rawSharedPoint() {
    return sharedPoint;
  }

  P1_Affine sharedPointDecoded() {
    return sharedPointDecoded;
  }

  byte[] proof() {
    return proof;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DkgComplaint c && Arrays.equals(encode(), c.encode());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dealingHash) * 31 + receiverIndex;
  }

  @Override
  public String toString() {
    return "DkgComplaint[receiver " + receiverIndex + " against dealer " + dealerIndex + ", dealing "
        + Hex.encode(dealingHash) + "]";
  }
}
