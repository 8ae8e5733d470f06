package dev.canopy.crypto.dkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.PublicKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.ThresholdBls.SignatureShare;
import dev.canopy.crypto.dkg.DkgException.Reason;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import supranational.blst.P1;
import supranational.blst.P1_Affine;

class DkgTest {
  static final byte[] MESSAGE = "\ric-state-root and a root hash".getBytes(StandardCharsets.UTF_8);

  @ParameterizedTest(name = "n = {0}, t = {1}")
  @CsvSource({"4, 3", "7, 5", "1, 1"})
  void theReplicasCreateAThresholdKeyThatSignsWithTSharesAndNotWithFewer(int n, int t) {
    Committee committee = new Committee(n, 1000 + n);
    DkgConfig config = committee.freshConfig("subnet-key-0", t);
    List<DkgDealing> dealings = committee.dealAll(config);
    for (DkgDealing d : dealings) {
      Dkg.verifyDealing(config, d);
    }
    assertThat(committee.checkAll(config, dealings)).isEmpty();

    // Each replica builds the transcript on its own from the agreed list; all agree.
    DkgTranscript transcript = Dkg.transcript(config, dealings, List.of());
    assertThat(transcript.dealings()).extracting(DkgDealing::dealerIndex)
        .containsExactlyElementsOf(range(1, t));
    assertThat(Dkg.transcript(config, List.copyOf(dealings), List.of()).publicKeys())
        .isEqualTo(transcript.publicKeys());

    List<ThresholdKeyMaterial> materials = new ArrayList<>();
    for (int j = 1; j <= n; j++) {
      materials.add(committee.material(transcript, j));
    }
    ThresholdPublicKeys keys = transcript.publicKeys();
    assertThat(PublicKey.fromDer(keys.groupPublicKeyDer())).isEqualTo(keys.groupPublicKey());
    assertThat(keys.groupPublicKeyDer()).hasSize(133);

    // The t highest indices sign; the combined signature verifies under the DKG's group key.
    List<SignatureShare> shares = new ArrayList<>();
    for (int j = n - t + 1; j <= n; j++) {
      SignatureShare share = materials.get(j - 1).signShare(MESSAGE);
      assertThat(keys.verifyShare(MESSAGE, share)).isTrue();
      shares.add(share);
    }
    byte[] signature = ThresholdBls.combineSignatures(keys.parameters(), shares);
    assertThat(BlsSignatureScheme.verify(keys.groupPublicKey(), MESSAGE, signature)).isTrue();

    // Test-only: the secret that t key shares interpolate to is the group key's discrete log.
    BigInteger secret = interpolateScalars(materials.subList(0, t));
    assertThat(dev.canopy.crypto.BlsSecretKey.fromScalar(secret).publicKey()).isEqualTo(keys.groupPublicKey());

    if (t > 1) {
      ThresholdBls.Parameters parameters = keys.parameters();
      List<SignatureShare> fewer = shares.subList(1, t);
      assertThat(catchThrowableOfType(
              dev.canopy.crypto.InvalidThresholdInputException.class,
              () -> ThresholdBls.combineSignatures(parameters, fewer)).reason())
          .isEqualTo(dev.canopy.crypto.InvalidThresholdInputException.Reason.TOO_FEW_SHARES);
      byte[] forged = interpolateSignatures(fewer);
      assertThat(BlsSignatureScheme.verify(keys.groupPublicKey(), MESSAGE, forged)).isFalse();
    }
  }

  @Test
  void aDealerWhoSendsOneReceiverABadShareIsConvictedByItsComplaintAndExcluded() {
    Committee committee = new Committee(4, 77);
    DkgConfig config = committee.freshConfig("subnet-key-1", 3);
    List<DkgDealing> dealings = committee.dealAll(config);
    DkgDealing bad = Forgery.withWrongShareFor(config, dealings.get(1), 3, committee.nodeKeys.get(1));
    Dkg.verifyDealing(config, bad); // the fault is invisible without receiver 3's key
    dealings.set(1, bad);

    List<DkgComplaint> complaints = committee.checkAll(config, dealings);
    assertThat(complaints).hasSize(1);
    DkgComplaint complaint = complaints.get(0);
    assertThat(complaint.dealerIndex()).isEqualTo(2);
    assertThat(complaint.receiverIndex()).isEqualTo(3);
    assertThat(complaint.dealingHash()).isEqualTo(bad.hash());
    Dkg.verifyComplaint(config, bad, complaint); // anyone can check it
    assertThat(DkgComplaint.decode(complaint.encode())).isEqualTo(complaint);

    DkgTranscript transcript = Dkg.transcript(config, dealings, complaints);
    assertThat(transcript.dealings()).extracting(DkgDealing::dealerIndex).containsExactly(1, 3, 4);
    assertThat(transcript.excludedDealers()).containsEntry(2, Reason.BAD_SHARE).hasSize(1);
    List<SignatureShare> shares = new ArrayList<>();
    for (int j : new int[] {1, 3, 4}) {
      shares.add(committee.material(transcript, j).signShare(MESSAGE));
    }
    byte[] signature = ThresholdBls.combineSignatures(config.parameters(), shares);
    assertThat(BlsSignatureScheme.verify(transcript.groupPublicKey(), MESSAGE, signature)).isTrue();
  }

  @Test
  void withoutTheComplaintTheWrongedReceiverGetsNoShareButTheOthersStillSign() {
    Committee committee = new Committee(4, 78);
    DkgConfig config = committee.freshConfig("subnet-key-2", 3);
    List<DkgDealing> dealings = committee.dealAll(config);
    dealings.set(0, Forgery.withWrongShareFor(config, dealings.get(0), 3, committee.nodeKeys.get(0)));

    DkgTranscript transcript = Dkg.transcript(config, dealings, List.of());
    assertThat(transcript.dealings()).extracting(DkgDealing::dealerIndex).containsExactly(1, 2, 3);
    DkgException e = catchThrowableOfType(DkgException.class, () -> committee.material(transcript, 3));
    assertThat(e.reason()).isEqualTo(Reason.BAD_SHARE);
    List<SignatureShare> shares = new ArrayList<>();
    for (int j : new int[] {1, 2, 4}) {
      shares.add(committee.material(transcript, j).signShare(MESSAGE));
    }
    byte[] signature = ThresholdBls.combineSignatures(config.parameters(), shares);
    assertThat(BlsSignatureScheme.verify(transcript.groupPublicKey(), MESSAGE, signature)).isTrue();
  }

  @Test
  void twoConvictedDealersOfFourLeaveTooFewDealingsForThresholdThree() {
    Committee committee = new Committee(4, 79);
    DkgConfig config = committee.freshConfig("subnet-key-3", 3);
    List<DkgDealing> dealings = committee.dealAll(config);
    dealings.set(0, Forgery.withWrongShareFor(config, dealings.get(0), 2, committee.nodeKeys.get(0)));
    dealings.set(3, Forgery.withWrongShareFor(config, dealings.get(3), 1, committee.nodeKeys.get(3)));
    List<DkgComplaint> complaints = committee.checkAll(config, dealings);
    assertThat(complaints).extracting(DkgComplaint::dealerIndex).containsExactly(1, 4);
    DkgException e =
        catchThrowableOfType(DkgException.class, () -> Dkg.transcript(config, dealings, complaints));
    assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_DEALINGS);
  }

  @Test
  void aComplaintAgainstAGoodShareOrWithAFalseSharedPointProvesNothing() {
    Committee committee = new Committee(4, 80);
    DkgConfig config = committee.freshConfig("subnet-key-4", 3);
    List<DkgDealing> dealings = committee.dealAll(config);
    DkgDealing honest = dealings.get(0);
    DkgDecryptionKey receiverKey = committee.decryptionKeys.get(1);
    DkgDealing.EncryptedShare ciphertext = honest.shares().get(1);
    P1_Affine shared = ShareEncryption.sharedPoint(receiverKey, ciphertext.ephemeralPoint());
    byte[] statement = DkgComplaint.statement(config.rawInstanceId(), 1, 2, honest.hash());

    // A true shared point with a valid proof: the share it reveals is correct, so no conviction.
    byte[] proof = ShareEncryption.proveSharedPoint(
        statement, receiverKey, ciphertext.ephemeralPoint(), shared, Committee.random(1));
    DkgComplaint slander =
        new DkgComplaint(config.rawInstanceId(), honest.hash(), 1, 2, shared.compress(), proof);
    assertThat(catchThrowableOfType(DkgException.class, () -> Dkg.verifyComplaint(config, honest, slander))
            .reason())
        .isEqualTo(Reason.INVALID_COMPLAINT);

    // A false shared point (which would decrypt to garbage) cannot carry a valid proof.
    P1_Affine wrongPoint = new P1(shared).dbl().to_affine();
    byte[] wrongProof = ShareEncryption.proveSharedPoint(
        statement, receiverKey, ciphertext.ephemeralPoint(), wrongPoint, Committee.random(2));
    DkgComplaint lie =
        new DkgComplaint(config.rawInstanceId(), honest.hash(), 1, 2, wrongPoint.compress(), wrongProof);
    assertThat(catchThrowableOfType(DkgException.class, () -> Dkg.verifyComplaint(config, honest, lie)).reason())
        .isEqualTo(Reason.INVALID_COMPLAINT);

    // Another receiver's key cannot prove receiver 2's shared point.
    DkgDecryptionKey otherKey = committee.decryptionKeys.get(2);
    P1_Affine otherPoint = ShareEncryption.sharedPoint(otherKey, ciphertext.ephemeralPoint());
    byte[] otherProof = ShareEncryption.proveSharedPoint(
        statement, otherKey, ciphertext.ephemeralPoint(), otherPoint, Committee.random(3));
    DkgComplaint impostor =
        new DkgComplaint(config.rawInstanceId(), honest.hash(), 1, 2, otherPoint.compress(), otherProof);
    assertThat(catchThrowableOfType(DkgException.class, () -> Dkg.verifyComplaint(config, honest, impostor))
            .reason())
        .isEqualTo(Reason.INVALID_COMPLAINT);

    // Slander is ignored by the transcript: dealer 1 stays in.
    DkgTranscript transcript = Dkg.transcript(config, dealings, List.of(slander, lie, impostor));
    assertThat(transcript.dealings()).extracting(DkgDealing::dealerIndex).containsExactly(1, 2, 3);
    assertThat(transcript.excludedDealers()).isEmpty();
  }

  @Test
  void aDealerThatSignsTwoDifferentDealingsIsExcluded() {
    Committee committee = new Committee(4, 81);
    DkgConfig config = committee.freshConfig("subnet-key-5", 3);
    List<DkgDealing> dealings = committee.dealAll(config);
    DkgDealing second = Dkg.deal(config, 1, committee.nodeKeys.get(0), Committee.random(99));
    List<DkgDealing> agreed = new ArrayList<>(dealings);
    agreed.add(second);
    agreed.add(dealings.get(1)); // an exact duplicate is harmless
    DkgTranscript transcript = Dkg.transcript(config, agreed, List.of());
    assertThat(transcript.dealings()).extracting(DkgDealing::dealerIndex).containsExactly(2, 3, 4);
    assertThat(transcript.excludedDealers()).containsEntry(1, Reason.EQUIVOCATION);
  }

  @Test
  void sameSeedsGiveTheSameDealingsAndKeysAndOtherSeedsDoNot() {
    Committee a = new Committee(4, 5);
    Committee b = new Committee(4, 5);
    DkgConfig configA = a.freshConfig("subnet-key-6", 3);
    DkgConfig configB = b.freshConfig("subnet-key-6", 3);
    assertThat(configA).isEqualTo(configB);
    List<DkgDealing> dealingsA = a.dealAll(configA);
    List<DkgDealing> dealingsB = b.dealAll(configB);
    for (int i = 0; i < 4; i++) {
      assertThat(dealingsA.get(i).encode()).isEqualTo(dealingsB.get(i).encode());
    }
    DkgTranscript ta = Dkg.transcript(configA, dealingsA, List.of());
    DkgTranscript tb = Dkg.transcript(configB, dealingsB, List.of());
    assertThat(ta.publicKeys()).isEqualTo(tb.publicKeys());
    assertThat(a.material(ta, 2).ownShare()).isEqualTo(b.material(tb, 2).ownShare());

    DkgDealing other = Dkg.deal(configA, 1, a.nodeKeys.get(0), Committee.random(12345));
    assertThat(other.encode()).isNotEqualTo(dealingsA.get(0).encode());
    List<DkgDealing> changed = new ArrayList<>(dealingsA);
    changed.set(0, other);
    assertThat(Dkg.transcript(configA, changed, List.of()).groupPublicKey()).isNotEqualTo(ta.groupPublicKey());
  }

  static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(i);
    }
    return out;
  }

  /** Test-only reconstruction of the group secret from t key shares (production code never does this). */
  static BigInteger interpolateScalars(List<ThresholdKeyMaterial> materials) {
    int[] indices = materials.stream().mapToInt(ThresholdKeyMaterial::index).toArray();
    List<BigInteger> lambdas = Group.lagrangeAtZero(indices);
    BigInteger secret = BigInteger.ZERO;
    for (int i = 0; i < indices.length; i++) {
      secret = secret.add(lambdas.get(i).multiply(materials.get(i).ownShare().key().scalar()));
    }
    return secret.mod(Group.R);
  }

  /** Lagrange interpolation at 0 of however many signature shares: what a forger with t-1 could do. */
  static byte[] interpolateSignatures(List<SignatureShare> shares) {
    int[] indices = shares.stream().mapToInt(SignatureShare::index).toArray();
    List<BigInteger> lambdas = Group.lagrangeAtZero(indices);
    P1 sum = null;
    for (int i = 0; i < indices.length; i++) {
      P1 term = new P1(new P1_Affine(shares.get(i).signature())).mult(lambdas.get(i));
      sum = sum == null ? term : sum.add(term);
    }
    return sum.compress();
  }
}
