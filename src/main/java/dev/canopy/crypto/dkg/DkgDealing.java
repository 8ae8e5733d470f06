package dev.canopy.crypto.dkg;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.dkg.DkgException.Reason;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import supranational.blst.P1_Affine;
import supranational.blst.P2_Affine;

/**
 * One dealer's contribution to a DKG: Feldman commitments {@code C_k = g2^(a_k)} to its polynomial
 * {@code f} of degree {@code t-1}, the share {@code f(j)} encrypted to each receiver {@code j}, and
 * the dealer's Ed25519 signature over the rest.
 *
 * <p>Wire form: the canonical CBOR map {@code {"instance": bytes, "dealer": uint, "commitments":
 * [bytes(96)…], "shares": [[bytes(48) ephemeral key, bytes(32) ciphertext]…], "signature":
 * bytes(64)}}. The signature covers {@code "\x12canopy-dkg-dealing" ‖ CBOR(the map without
 * "signature")}. {@link #decode} accepts only that canonical form, so a dealing has exactly one
 * encoding and {@link #hash()} identifies it. Every group element is checked on decoding (on the
 * curve, in the prime-order subgroup, not the identity): a {@code DkgDealing} is always
 * well-formed, though only {@link Dkg#verifyDealing} says whether it fits a configuration.
 */
public final class DkgDealing {
  public static final int SIGNATURE_BYTES = 64;
  public static final int CIPHERTEXT_BYTES = Group.SCALAR_BYTES;
  /** Room for 1024 commitments and 1024 shares with their CBOR heads. */
  public static final int MAX_ENCODED_BYTES = 192 * 1024;
  static final byte[] SIGNATURE_DOMAIN = Hashing.domainSeparator("canopy-dkg-dealing");
  private static final CborDecoder DECODER =
      CborDecoder.builder().limits(new CborLimits(MAX_ENCODED_BYTES, 4, 8192)).build();
  private static final int MAX_ENTRIES = DkgConfig.MAX_PARTICIPANTS;

  /** Share {@code f(j)} encrypted to receiver {@code j}: ephemeral key {@code g1^r} and ciphertext. */
  public static final class EncryptedShare {
    private final byte[] ephemeralKey;
    private final byte[] ciphertext;
    private final P1_Affine ephemeralPoint;

    EncryptedShare(byte[] ephemeralKey, byte[] ciphertext) {
      if (ciphertext.length != CIPHERTEXT_BYTES) {
        throw new DkgException(
            Reason.MALFORMED, "a share ciphertext has " + CIPHERTEXT_BYTES + " bytes, got " + ciphertext.length);
      }
      this.ephemeralKey = ephemeralKey.clone();
      this.ciphertext = ciphertext.clone();
      this.ephemeralPoint = Group.decodeG1(this.ephemeralKey, "a share's ephemeral key");
    }

    public byte[] ephemeralKey() {
      return ephemeralKey.clone();
    }

    public byte[] ciphertext() {
      return ciphertext.clone();
    }

    byte[] rawEphemeralKey() {
      return ephemeralKey;
    }

    byte[] rawCiphertext() {
      return ciphertext;
    }

    P1_Affine ephemeralPoint() {
      return ephemeralPoint;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof EncryptedShare s
          && Arrays.equals(ephemeralKey, s.ephemeralKey)
          && Arrays.equals(ciphertext, s.ciphertext);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(ephemeralKey) + Arrays.hashCode(ciphertext);
    }
  }

  private final byte[] instanceId;
  private final int dealerIndex;
  private final List<byte[]> commitmentBytes;
  private final List<P2_Affine> commitments;
  private final List<EncryptedShare> shares;
  private final byte[] signature;
  private final byte[] encoded;

  private DkgDealing(
      byte[] instanceId,
      int dealerIndex,
      List<byte[]> commitmentBytes,
      List<P2_Affine> commitments,
      List<EncryptedShare> shares,
      byte[] signature) {
    this.instanceId = instanceId;
    this.dealerIndex = dealerIndex;
    this.commitmentBytes = List.copyOf(commitmentBytes);
    this.commitments = List.copyOf(commitments);
    this.shares = List.copyOf(shares);
    this.signature = signature;
    this.encoded = CborEncoder.encode(toCbor(true));
  }

  /** Signs and assembles a dealing; the dealer's side of {@link Dkg#deal}. */
  static DkgDealing sign(
      byte[] instanceId,
      int dealerIndex,
      List<P2_Affine> commitments,
      List<EncryptedShare> shares,
      Ed25519SigningKey dealerKey) {
    List<byte[]> bytes = new ArrayList<>(commitments.size());
    for (P2_Affine c : commitments) {
      bytes.add(c.compress());
    }
    DkgDealing unsigned =
        new DkgDealing(instanceId.clone(), dealerIndex, bytes, commitments, shares, new byte[SIGNATURE_BYTES]);
    byte[] signature = dealerKey.sign(unsigned.signedBytes());
    return new DkgDealing(instanceId.clone(), dealerIndex, bytes, commitments, shares, signature);
  }

  /**
   * Decodes a dealing from its canonical CBOR; anything else (malformed or non-canonical CBOR,
   * missing or extra fields, wrong sizes, invalid points) is a {@link DkgException}.
   */
  public static DkgDealing decode(byte[] bytes) {
    DkgDealing dealing;
    try {
      CborMap map = DECODER.decodeMap(bytes, "dealing");
      if (map.size() != 5) {
        throw malformed("a dealing has exactly the fields instance, dealer, commitments, shares, signature");
      }
      byte[] instanceId = map.getBytes("instance");
      if (instanceId.length < 1 || instanceId.length > DkgConfig.MAX_INSTANCE_ID_BYTES) {
        throw malformed("the instance id has " + instanceId.length + " bytes, not 1.."
            + DkgConfig.MAX_INSTANCE_ID_BYTES);
      }
      long dealer = map.getLong("dealer");
      if (dealer < 1 || dealer > MAX_ENTRIES) {
        throw new DkgException(
            Reason.INDEX_OUT_OF_RANGE, "dealer index " + dealer + " is outside 1.." + MAX_ENTRIES);
      }
      CborArray commitmentArray = map.getArray("commitments");
      checkCount(commitmentArray, "commitments");
      List<byte[]> commitmentBytes = new ArrayList<>(commitmentArray.size());
      List<P2_Affine> commitments = new ArrayList<>(commitmentArray.size());
      for (int k = 0; k < commitmentArray.size(); k++) {
        byte[] c = commitmentArray.get(k).asBytes("commitments[" + k + "]");
        commitments.add(Group.decodeG2(c, "commitment " + k));
        commitmentBytes.add(c);
      }
      CborArray shareArray = map.getArray("shares");
      checkCount(shareArray, "shares");
      List<EncryptedShare> shares = new ArrayList<>(shareArray.size());
      for (int j = 0; j < shareArray.size(); j++) {
        String field = "shares[" + j + "]";
        CborArray pair = shareArray.get(j).asArray(field);
        if (pair.size() != 2) {
          throw malformed(field + " must be [ephemeral key, ciphertext]");
        }
        shares.add(new EncryptedShare(pair.get(0).asBytes(field + "[0]"), pair.get(1).asBytes(field + "[1]")));
      }
      byte[] signature = map.getBytes("signature");
      if (signature.length != SIGNATURE_BYTES) {
        throw malformed("the signature has " + signature.length + " bytes, not " + SIGNATURE_BYTES);
      }
      dealing = new DkgDealing(instanceId, (int) dealer, commitmentBytes, commitments, shares, signature);
    } catch (DkgException e) {
      throw e;
    } catch (InvalidInputException e) { // CborDecodeException, CborFieldException
      throw new DkgException(Reason.MALFORMED, "not a dealing: " + e.getMessage(), e);
    }
    if (!Arrays.equals(dealing.encoded, bytes)) {
      throw malformed("the dealing is not in canonical CBOR");
    }
    return dealing;
  }

  private static void checkCount(CborArray array, String field) {
    if (array.size() < 1 || array.size() > MAX_ENTRIES) {
      throw malformed("'" + field + "' has " + array.size() + " entries, not 1.." + MAX_ENTRIES);
    }
  }

  private static DkgException malformed(String message) {
    return new DkgException(Reason.MALFORMED, message);
  }

  private CborMap toCbor(boolean withSignature) {
    List<CborValue> commitmentValues = new ArrayList<>(commitmentBytes.size());
    for (byte[] c : commitmentBytes) {
      commitmentValues.add(new CborValue.ByteString(c));
    }
    List<CborValue> shareValues = new ArrayList<>(shares.size());
    for (EncryptedShare s : shares) {
      shareValues.add(CborArray.of(new CborValue.ByteString(s.ephemeralKey), new CborValue.ByteString(s.ciphertext)));
    }
    CborMap.Builder b =
        CborMap.builder()
            .put("instance", instanceId)
            .put("dealer", CborValue.UnsignedInt.of(dealerIndex))
            .put("commitments", new CborArray(commitmentValues))
            .put("shares", new CborArray(shareValues));
    if (withSignature) {
      b.put("signature", signature);
    }
    return b.build();
  }

  /** What the dealer signs: the domain separator and the CBOR of everything but the signature. */
  byte[] signedBytes() {
    byte[] content = CborEncoder.encode(toCbor(false));
    byte[] out = Arrays.copyOf(SIGNATURE_DOMAIN, SIGNATURE_DOMAIN.length + content.length);
    System.arraycopy(content, 0, out, SIGNATURE_DOMAIN.length, content.length);
    return out;
  }

  /** The canonical CBOR encoding (a copy). */
  public byte[] encode() {
    return encoded.clone();
  }

  /** SHA-256 of {@link #encode()}: the dealing's identity in pools, blocks and complaints. */
  public byte[] hash() {
    return Hashing.sha256(encoded);
  }

  public byte[] instanceId() {
    return instanceId.clone();
  }

  byte[] rawInstanceId() {
    return instanceId;
  }

  public int dealerIndex() {
    return dealerIndex;
  }

  /** The polynomial's degree plus one: the threshold this dealing shares for. */
  public int commitmentCount() {
    return commitments.size();
  }

  /** {@code C_0 = g2^f(0)}: the dealer's contribution to the group key. */
  public BlsPublicKey constantCommitment() {
    return BlsPublicKey.fromCompressed(commitmentBytes.get(0));
  }

  /** {@code C_k}, compressed (96 bytes). */
  public byte[] commitment(int k) {
    return commitmentBytes.get(k).clone();
  }

  List<P2_Affine> commitmentPoints() {
    return commitments;
  }

  public List<EncryptedShare> shares() {
    return shares;
  }

  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DkgDealing d && Arrays.equals(encoded, d.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "DkgDealing[dealer " + dealerIndex + ", instance " + Hex.encode(instanceId) + ", "
        + commitments.size() + " commitments, " + shares.size() + " shares]";
  }
}
