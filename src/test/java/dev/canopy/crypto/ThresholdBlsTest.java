package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.ThresholdBls.Dealing;
import dev.canopy.crypto.ThresholdBls.Parameters;
import dev.canopy.crypto.ThresholdBls.SignatureShare;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import supranational.blst.P1;

class ThresholdBlsTest {
  private static final byte[] MESSAGE = "\ric-state-root and a root hash".getBytes(StandardCharsets.UTF_8);

  private static List<SignatureShare> sign(Dealing dealing, int... indices) {
    List<SignatureShare> shares = new ArrayList<>();
    for (int i : indices) {
      shares.add(ThresholdBls.signShare(dealing.secretKeyShares().get(i - 1), MESSAGE));
    }
    return shares;
  }

  @Test
  void anyThreeOfFourSharesGiveTheGroupSignature() {
    BlsSecretKey secret = BlsSecretKey.fromSeed(new byte[32]);
    Dealing dealing = ThresholdBls.deal(secret, new Parameters(3, 4), DeterministicRandom.fromSeed(42));
    byte[] direct = secret.sign(MESSAGE);
    int[][] subsets = {{1, 2, 3}, {1, 2, 4}, {1, 3, 4}, {2, 3, 4}, {4, 1, 3}};
    for (int[] subset : subsets) {
      byte[] combined = ThresholdBls.combineSignatures(dealing.parameters(), sign(dealing, subset));
      // BLS signatures are unique, so interpolation must land on exactly the direct signature.
      assertThat(combined).isEqualTo(direct);
      assertThat(BlsSignatureScheme.verify(dealing.groupPublicKey(), MESSAGE, combined)).isTrue();
    }
    assertThat(ThresholdBls.combineSignatures(dealing.parameters(), sign(dealing, 1, 2, 3, 4))).isEqualTo(direct);
  }

  @Test
  void fewerThanThresholdSharesDoNotYieldTheSignature() {
    Dealing dealing = ThresholdBls.deal(new Parameters(3, 4), DeterministicRandom.fromSeed(1));
    List<SignatureShare> two = sign(dealing, 1, 4);
    InvalidThresholdInputException e =
        catchThrowableOfType(
            InvalidThresholdInputException.class, () -> ThresholdBls.combineSignatures(dealing.parameters(), two));
    assertThat(e.reason()).isEqualTo(InvalidThresholdInputException.Reason.TOO_FEW_SHARES);
    // Interpolating the t-1 points anyway gives a point, but not a signature under the group key.
    List<P1> points = new ArrayList<>();
    for (SignatureShare s : two) {
      points.add(BlsSignatureScheme.decodeSignature(s.signature()).to_jacobian());
    }
    byte[] forged = ThresholdBls.interpolateG1(new int[] {1, 4}, points).compress();
    assertThat(BlsSignatureScheme.verify(dealing.groupPublicKey(), MESSAGE, forged)).isFalse();
  }

  @Test
  void duplicateAndOutOfRangeIndicesAreTypedErrors() {
    Dealing dealing = ThresholdBls.deal(new Parameters(2, 3), DeterministicRandom.fromSeed(2));
    List<SignatureShare> duplicate = sign(dealing, 1, 1);
    assertThat(catchThrowableOfType(InvalidThresholdInputException.class,
            () -> ThresholdBls.combineSignatures(dealing.parameters(), duplicate)).reason())
        .isEqualTo(InvalidThresholdInputException.Reason.DUPLICATE_INDEX);
    List<SignatureShare> outOfRange = new ArrayList<>(sign(dealing, 1));
    outOfRange.add(new SignatureShare(4, outOfRange.get(0).signature()));
    assertThat(catchThrowableOfType(InvalidThresholdInputException.class,
            () -> ThresholdBls.combineSignatures(dealing.parameters(), outOfRange)).reason())
        .isEqualTo(InvalidThresholdInputException.Reason.INDEX_OUT_OF_RANGE);
    List<SignatureShare> zero = new ArrayList<>(sign(dealing, 1));
    zero.add(new SignatureShare(0, zero.get(0).signature()));
    assertThat(catchThrowableOfType(InvalidThresholdInputException.class,
            () -> ThresholdBls.combineSignatures(dealing.parameters(), zero)).reason())
        .isEqualTo(InvalidThresholdInputException.Reason.INDEX_OUT_OF_RANGE);
    assertThat(catchThrowableOfType(InvalidThresholdInputException.class, () -> new Parameters(4, 3)).reason())
        .isEqualTo(InvalidThresholdInputException.Reason.BAD_PARAMETERS);
  }

  @Test
  void signatureSharesVerifyOnlyUnderTheirOwnPublicKeyShare() {
    Dealing dealing = ThresholdBls.deal(new Parameters(2, 3), DeterministicRandom.fromSeed(3));
    SignatureShare share2 = sign(dealing, 2).get(0);
    assertThat(ThresholdBls.verifyShare(dealing.publicKeyShares().get(1), MESSAGE, share2)).isTrue();
    assertThat(ThresholdBls.verifyShare(dealing.publicKeyShares().get(0), MESSAGE, share2)).isFalse();
    assertThat(ThresholdBls.verifyShare(dealing.publicKeyShares().get(1), "other".getBytes(StandardCharsets.UTF_8), share2)).isFalse();
    // A share claiming another index does not verify even with the right bytes.
    SignatureShare relabelled = new SignatureShare(3, share2.signature());
    assertThat(ThresholdBls.verifyShare(dealing.publicKeyShares().get(2), MESSAGE, relabelled)).isFalse();
  }

  @Test
  void publicKeySharesInterpolateToTheGroupKey() {
    Dealing dealing = ThresholdBls.deal(new Parameters(9, 13), DeterministicRandom.fromSeed(4));
    assertThat(ThresholdBls.combinePublicKeys(dealing.parameters(), dealing.publicKeyShares().subList(4, 13)))
        .isEqualTo(dealing.groupPublicKey());
    assertThat(ThresholdBls.combinePublicKeys(dealing.parameters(), dealing.publicKeyShares()))
        .isEqualTo(dealing.groupPublicKey());
    for (int i = 0; i < 13; i++) {
      assertThat(dealing.publicKeyShares().get(i).key()).isEqualTo(dealing.secretKeyShares().get(i).key().publicKey());
      assertThat(dealing.secretKeyShares().get(i).toString()).doesNotContain(dealing.secretKeyShares().get(i).key().scalar().toString());
    }
  }

  @Test
  void dealingIsDeterministicGivenTheRandomSource() {
    Dealing a = ThresholdBls.deal(new Parameters(3, 5), DeterministicRandom.fromSeed(9));
    Dealing b = ThresholdBls.deal(new Parameters(3, 5), DeterministicRandom.fromSeed(9));
    Dealing c = ThresholdBls.deal(new Parameters(3, 5), DeterministicRandom.fromSeed(10));
    assertThat(a.publicKeyShares()).isEqualTo(b.publicKeyShares());
    assertThat(a.groupPublicKey()).isEqualTo(b.groupPublicKey()).isNotEqualTo(c.groupPublicKey());
  }

  @Property(tries = 12, seed = "424242")
  void thresholdManySharesAlwaysCombine(
      @ForAll @IntRange(min = 1, max = 7) int threshold, @ForAll @IntRange(min = 0, max = 3) int extra, @ForAll long seed) {
    Parameters parameters = new Parameters(threshold, threshold + extra);
    Dealing dealing = ThresholdBls.deal(parameters, DeterministicRandom.fromSeed(seed));
    int[] last = new int[threshold];
    for (int j = 0; j < threshold; j++) {
      last[j] = parameters.shareCount() - j;
    }
    byte[] combined = ThresholdBls.combineSignatures(parameters, sign(dealing, last));
    assertThat(BlsSignatureScheme.verify(dealing.groupPublicKey(), MESSAGE, combined))
        .as("seed %d, t=%d, n=%d", seed, threshold, parameters.shareCount())
        .isTrue();
  }
}
