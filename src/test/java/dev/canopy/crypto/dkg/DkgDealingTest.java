package dev.canopy.crypto.dkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.dkg.DkgException.Reason;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DkgDealingTest {
  private final Committee committee = new Committee(4, 31);
  private final DkgConfig config = committee.freshConfig("dealing-test", 3);
  private final DkgDealing dealing = Dkg.deal(config, 2, committee.nodeKeys.get(1), committee.dealerRandom(2));

  private static Reason reasonOf(Runnable r) {
    DkgException e = catchThrowableOfType(DkgException.class, r::run);
    assertThat(e).as("a DkgException").isNotNull();
    return e.reason();
  }

  /** The dealing's CBOR with one field replaced, canonically re-encoded. */
  private byte[] withField(String field, CborValue value) {
    CborMap map = CborDecoder.DEFAULT.decodeMap(dealing.encode(), "dealing");
    CborMap.Builder b = CborMap.builder();
    for (Map.Entry<CborValue, CborValue> e : map.entries().entrySet()) {
      String key = ((CborValue.TextString) e.getKey()).value();
      b.put(key, key.equals(field) ? value : e.getValue());
    }
    return CborEncoder.encode(b.build());
  }

  @Test
  void aDealingRoundTripsThroughItsCanonicalEncodingAndVerifies() {
    DkgDealing decoded = DkgDealing.decode(dealing.encode());
    assertThat(decoded).isEqualTo(dealing);
    assertThat(decoded.hash()).isEqualTo(dealing.hash());
    assertThat(decoded.dealerIndex()).isEqualTo(2);
    assertThat(decoded.commitmentCount()).isEqualTo(3);
    assertThat(decoded.shares()).hasSize(4);
    Dkg.verifyDealing(config, decoded);
  }

  @Test
  void aReplacedCommitmentBreaksTheSignature() {
    CborArray commitments = CborDecoder.DEFAULT.decodeMap(dealing.encode(), "d").getArray("commitments");
    List<CborValue> items = new ArrayList<>(commitments.items());
    items.set(1, new CborValue.ByteString(Group.g2Times(BigInteger.valueOf(5)).compress()));
    DkgDealing tampered = DkgDealing.decode(withField("commitments", new CborArray(items)));
    assertThat(reasonOf(() -> Dkg.verifyDealing(config, tampered))).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void aReplacedCiphertextBreaksTheSignature() {
    CborArray shares = CborDecoder.DEFAULT.decodeMap(dealing.encode(), "d").getArray("shares");
    List<CborValue> items = new ArrayList<>(shares.items());
    CborArray first = (CborArray) items.get(0);
    byte[] ciphertext = first.get(1).asBytes("c");
    ciphertext[0] ^= 1;
    items.set(0, CborArray.of(first.get(0), new CborValue.ByteString(ciphertext)));
    DkgDealing tampered = DkgDealing.decode(withField("shares", new CborArray(items)));
    assertThat(reasonOf(() -> Dkg.verifyDealing(config, tampered))).isEqualTo(Reason.BAD_SIGNATURE);
  }

  @Test
  void aDealingSignedByAnotherNodeOrClaimingAnotherSlotIsRejected() {
    DkgDealing signedByOther = DkgDealing.sign(
        config.rawInstanceId(), 2, dealing.commitmentPoints(), dealing.shares(), committee.nodeKeys.get(0));
    assertThat(reasonOf(() -> Dkg.verifyDealing(config, signedByOther))).isEqualTo(Reason.BAD_SIGNATURE);
    DkgDealing outOfRange = DkgDealing.sign(
        config.rawInstanceId(), 5, dealing.commitmentPoints(), dealing.shares(), committee.nodeKeys.get(0));
    assertThat(reasonOf(() -> Dkg.verifyDealing(config, outOfRange))).isEqualTo(Reason.INDEX_OUT_OF_RANGE);
    assertThat(reasonOf(() -> Dkg.deal(config, 1, committee.nodeKeys.get(1), Committee.random(1))))
        .isEqualTo(Reason.WRONG_KEY);
  }

  @Test
  void aDealingOfAnotherInstanceOrShapeIsRejected() {
    DkgConfig otherInstance = committee.freshConfig("another-run", 3);
    assertThat(reasonOf(() -> Dkg.verifyDealing(otherInstance, dealing))).isEqualTo(Reason.WRONG_INSTANCE);
    DkgConfig otherThreshold = committee.freshConfig("dealing-test", 2);
    assertThat(reasonOf(() -> Dkg.verifyDealing(otherThreshold, dealing))).isEqualTo(Reason.WRONG_SHAPE);
    Committee five = new Committee(5, 31);
    DkgConfig moreReceivers = DkgConfig.fresh(
        Committee.instance("dealing-test"), 3, committee.nodePublicKeys(), five.encryptionKeys());
    assertThat(reasonOf(() -> Dkg.verifyDealing(moreReceivers, dealing))).isEqualTo(Reason.WRONG_SHAPE);
  }

  @Test
  void invalidPointsAndNonCanonicalFormsAreTypedErrors() {
    byte[] notAPoint = new byte[96];
    notAPoint[0] = (byte) 0x80; // compressed flag, x = 0: not on the curve
    CborArray commitments = CborDecoder.DEFAULT.decodeMap(dealing.encode(), "d").getArray("commitments");
    List<CborValue> items = new ArrayList<>(commitments.items());
    items.set(0, new CborValue.ByteString(notAPoint));
    assertThat(reasonOf(() -> DkgDealing.decode(withField("commitments", new CborArray(items)))))
        .isEqualTo(Reason.INVALID_POINT);
    byte[] identity = new byte[96];
    identity[0] = (byte) 0xc0;
    items.set(0, new CborValue.ByteString(identity));
    assertThat(reasonOf(() -> DkgDealing.decode(withField("commitments", new CborArray(items)))))
        .isEqualTo(Reason.INVALID_POINT);

    byte[] encoded = dealing.encode();
    byte[] tagged = new byte[encoded.length + 3];
    tagged[0] = (byte) 0xd9;
    tagged[1] = (byte) 0xd9;
    tagged[2] = (byte) 0xf7;
    System.arraycopy(encoded, 0, tagged, 3, encoded.length);
    assertThat(reasonOf(() -> DkgDealing.decode(tagged))).isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(() -> DkgDealing.decode(withField("dealer", new CborValue.TextString("2")))))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(() -> DkgDealing.decode(withField("signature", new CborValue.ByteString(new byte[63])))))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(() -> DkgDealing.decode(Arrays.copyOf(encoded, encoded.length - 1))))
        .isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(() -> DkgDealing.decode(new byte[0]))).isEqualTo(Reason.MALFORMED);
    assertThat(reasonOf(() -> DkgDealing.decode(new byte[DkgDealing.MAX_ENCODED_BYTES + 1])))
        .isEqualTo(Reason.MALFORMED);
  }
}
