package dev.canopy.crypto.dkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.ThresholdBls.SignatureShare;
import dev.canopy.crypto.dkg.DkgException.Reason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResharingTest {
  /** A fresh 3-of-4 key among {@code committee}, and every member's material. */
  private static List<ThresholdKeyMaterial> freshKey(Committee committee) {
    DkgConfig config = committee.freshConfig("genesis", 3);
    DkgTranscript transcript = Dkg.transcript(config, committee.dealAll(config), List.of());
    List<ThresholdKeyMaterial> materials = new ArrayList<>();
    for (int j = 1; j <= committee.size(); j++) {
      materials.add(committee.material(transcript, j));
    }
    return materials;
  }

  /** Old holders {@code dealerIndices} re-deal their shares to {@code to}. */
  private static DkgTranscript reshare(
      Committee from, List<ThresholdKeyMaterial> old, Committee to, int threshold, String instance, int... dealerIndices) {
    DkgConfig config = DkgConfig.resharing(
        Committee.instance(instance), threshold, from.nodePublicKeys(), to.encryptionKeys(), old.get(0).publicKeys());
    List<DkgDealing> dealings = new ArrayList<>();
    for (int i : dealerIndices) {
      dealings.add(Dkg.reshare(config, i, from.nodeKeys.get(i - 1), old.get(i - 1), from.dealerRandom(i + 50)));
    }
    assertThat(to.checkAll(config, dealings)).isEmpty();
    return Dkg.transcript(config, dealings, List.of());
  }

  private static void assertSigns(List<ThresholdKeyMaterial> materials, int... indices) {
    ThresholdPublicKeys keys = materials.get(0).publicKeys();
    List<SignatureShare> shares = new ArrayList<>();
    for (int j : indices) {
      shares.add(materials.get(j - 1).signShare(DkgTest.MESSAGE));
    }
    byte[] signature = ThresholdBls.combineSignatures(keys.parameters(), shares);
    assertThat(BlsSignatureScheme.verify(keys.groupPublicKey(), DkgTest.MESSAGE, signature)).isTrue();
  }

  @Test
  void addingThreeMembersKeepsTheSubnetKeyAndTheNewSharesSignUnderIt() {
    Committee four = new Committee(4, 400);
    List<ThresholdKeyMaterial> old = freshKey(four);
    Committee seven = new Committee(7, 700); // new keys for everyone: encryption keys rotate too
    // Old holder 2 is down: holders 1, 3 and 4 are enough for the old threshold of 3.
    DkgTranscript transcript = reshare(four, old, seven, 5, "reshare-1", 1, 3, 4);
    assertThat(transcript.groupPublicKey()).isEqualTo(old.get(0).publicKeys().groupPublicKey());
    List<ThresholdKeyMaterial> fresh = new ArrayList<>();
    for (int j = 1; j <= 7; j++) {
      fresh.add(seven.material(transcript, j));
    }
    assertThat(fresh.get(0).publicKeys().parameters()).isEqualTo(new ThresholdBls.Parameters(5, 7));
    assertSigns(fresh, 3, 4, 5, 6, 7);
    assertThat(DkgTest.interpolateScalars(fresh.subList(2, 7))).isEqualTo(DkgTest.interpolateScalars(old.subList(0, 3)));

    // And back down to four members: still the same key.
    Committee back = new Committee(4, 401);
    DkgTranscript again = reshare(seven, fresh, back, 3, "reshare-2", 1, 2, 3, 4, 5, 6, 7);
    assertThat(again.dealings()).hasSize(5);
    assertThat(again.groupPublicKey()).isEqualTo(old.get(0).publicKeys().groupPublicKey());
    List<ThresholdKeyMaterial> last = new ArrayList<>();
    for (int j = 1; j <= 4; j++) {
      last.add(back.material(again, j));
    }
    assertSigns(last, 1, 2, 4);
  }

  @Test
  void aResharingDealerMustDealItsOwnPreviousShare() {
    Committee four = new Committee(4, 402);
    List<ThresholdKeyMaterial> old = freshKey(four);
    DkgConfig config = DkgConfig.resharing(
        Committee.instance("reshare-3"), 3, four.nodePublicKeys(), four.encryptionKeys(), old.get(0).publicKeys());

    // Dealing a fresh secret instead: right shape, right signature, wrong constant term.
    DkgConfig freshTwin = DkgConfig.fresh(
        Committee.instance("reshare-3"), 3, four.nodePublicKeys(), four.encryptionKeys());
    DkgDealing impostor = Dkg.deal(freshTwin, 2, four.nodeKeys.get(1), Committee.random(5));
    DkgException e = catchThrowableOfType(DkgException.class, () -> Dkg.verifyDealing(config, impostor));
    assertThat(e.reason()).isEqualTo(Reason.RESHARING_MISMATCH);

    assertThat(catchThrowableOfType(DkgException.class,
            () -> Dkg.reshare(config, 2, four.nodeKeys.get(1), old.get(0), Committee.random(6))).reason())
        .isEqualTo(Reason.WRONG_KEY);
    assertThat(catchThrowableOfType(DkgException.class,
            () -> Dkg.deal(config, 2, four.nodeKeys.get(1), Committee.random(6))).reason())
        .isEqualTo(Reason.BAD_CONFIG);

    // The impostor's dealing is ignored; the three honest ones carry the key over.
    List<DkgDealing> dealings = new ArrayList<>();
    dealings.add(impostor);
    for (int i : new int[] {1, 3, 4}) {
      dealings.add(Dkg.reshare(config, i, four.nodeKeys.get(i - 1), old.get(i - 1), Committee.random(i)));
    }
    DkgTranscript transcript = Dkg.transcript(config, dealings, List.of());
    assertThat(transcript.dealings()).extracting(DkgDealing::dealerIndex).containsExactly(1, 3, 4);
    assertThat(transcript.groupPublicKey()).isEqualTo(old.get(0).publicKeys().groupPublicKey());
  }

  @Test
  void aResharingNeedsTheOldThresholdOfDealings() {
    Committee four = new Committee(4, 403);
    List<ThresholdKeyMaterial> old = freshKey(four);
    Committee seven = new Committee(7, 703);
    DkgException e = catchThrowableOfType(DkgException.class, () -> reshare(four, old, seven, 5, "reshare-4", 1, 4));
    assertThat(e.reason()).isEqualTo(Reason.TOO_FEW_DEALINGS);
    DkgException config = catchThrowableOfType(DkgException.class, () -> DkgConfig.resharing(
        Committee.instance("reshare-5"), 3, seven.nodePublicKeys(), four.encryptionKeys(), old.get(0).publicKeys()));
    assertThat(config.reason()).isEqualTo(Reason.BAD_CONFIG);
  }
}
