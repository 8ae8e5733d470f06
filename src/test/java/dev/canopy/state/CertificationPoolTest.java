package dev.canopy.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.ThresholdBls;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Certification of a subnet of four replicas (t = 3) from one replica's point of view: shares for
 * its own root combine into the subnet's signature; shares for another root never do; a replica
 * outvoted by t shares on another root learns that its state diverged.
 */
class CertificationPoolTest {
  static final ThresholdBls.Parameters PARAMETERS = new ThresholdBls.Parameters(3, 4);
  static final byte[] ROOT = filled(1);
  static final byte[] OTHER_ROOT = filled(2);

  ThresholdBls.Dealing dealing;
  Certifier certifier;
  CertificationPool pool;

  static byte[] filled(int b) {
    byte[] bytes = new byte[32];
    Arrays.fill(bytes, (byte) b);
    return bytes;
  }

  @BeforeEach
  void setUp() {
    dealing = ThresholdBls.deal(PARAMETERS, new SplittableRandom(42));
    certifier = new Certifier(PARAMETERS, dealing.groupPublicKey());
    pool = new CertificationPool(certifier, PARAMETERS, dealing.publicKeyShares(), 16);
  }

  ThresholdBls.SignatureShare share(int replica, byte[] root) {
    return certifier.signShare(dealing.secretKeyShares().get(replica), root);
  }

  @Test
  void ownShareAndTwoMatchingPeerSharesCertifyTheHeight() {
    pool.addOwn(5, ROOT, share(0, ROOT));
    assertThat(pool.addPeerShare(5, ROOT, share(2, ROOT)))
        .isEqualTo(CertificationPool.Admission.ADDED);
    assertThat(pool.certification(5)).isEmpty();

    pool.addPeerShare(5, ROOT, share(3, ROOT));

    StateCertification c = pool.certification(5).orElseThrow();
    assertThat(c.height()).isEqualTo(5);
    assertThat(c.rootHash()).isEqualTo(ROOT);
    assertThat(BlsSignatureScheme.verify(dealing.groupPublicKey(),
        BlsSignatureScheme.stateRootMessage(ROOT), c.signature())).isTrue();
  }

  @Test
  void sharesThatArriveBeforeTheHeightIsExecutedCountOnceItIs() {
    pool.addOwn(1, ROOT, share(0, ROOT));
    pool.addPeerShare(2, ROOT, share(1, ROOT));
    pool.addPeerShare(2, ROOT, share(2, ROOT));
    pool.addOwn(2, ROOT, share(0, ROOT));
    assertThat(pool.certification(2)).isPresent();
  }

  @Test
  void aShareForAnotherRootDoesNotCombineAndItsSignerIsADissenter() {
    pool.addOwn(5, ROOT, share(0, ROOT));
    pool.addPeerShare(5, ROOT, share(1, ROOT));
    pool.addPeerShare(5, OTHER_ROOT, share(2, OTHER_ROOT));

    assertThat(pool.certification(5)).isEmpty();
    assertThat(pool.dissenters(5)).containsExactly(3);
    assertThat(pool.divergence(5)).isEmpty();
  }

  @Test
  void aReplicaOutvotedOnItsRootLearnsThatItsStateDiverged() {
    pool.addOwn(7, OTHER_ROOT, share(3, OTHER_ROOT));
    for (int i = 0; i < 3; i++) {
      pool.addPeerShare(7, ROOT, share(i, ROOT));
    }
    assertThat(pool.certification(7)).isEmpty();
    assertThat(pool.divergence(7)).hasValueSatisfying(r -> assertThat(r).isEqualTo(ROOT));
  }

  @Test
  void anInvalidShareIsDroppedAndTheSignersRealShareStillCounts() {
    pool.addOwn(5, ROOT, share(0, ROOT));
    pool.addPeerShare(5, ROOT, share(1, ROOT));
    // Replica 3's index, but signed over another root: combines into a wrong signature.
    ThresholdBls.SignatureShare forged = new ThresholdBls.SignatureShare(3, share(2, OTHER_ROOT).signature());
    pool.addPeerShare(5, ROOT, forged);
    assertThat(pool.certification(5)).isEmpty();

    assertThat(pool.addPeerShare(5, ROOT, share(2, ROOT)))
        .isEqualTo(CertificationPool.Admission.ADDED);
    assertThat(pool.certification(5)).isPresent();
  }

  @Test
  void duplicatesUnknownSignersAndFarHeightsAreRefused() {
    pool.addOwn(5, ROOT, share(0, ROOT));
    assertThat(pool.addPeerShare(5, ROOT, share(1, ROOT))).isEqualTo(CertificationPool.Admission.ADDED);
    assertThat(pool.addPeerShare(5, OTHER_ROOT, share(1, OTHER_ROOT)))
        .isEqualTo(CertificationPool.Admission.DUPLICATE);
    assertThat(pool.addPeerShare(5 + 17, ROOT, share(1, ROOT)))
        .isEqualTo(CertificationPool.Admission.OUT_OF_RANGE);
    assertThat(pool.addPeerShare(5, ROOT, new ThresholdBls.SignatureShare(9, share(1, ROOT).signature())))
        .isEqualTo(CertificationPool.Admission.UNKNOWN_SIGNER);
    pool.purgeBelow(5);
    assertThat(pool.addPeerShare(4, ROOT, share(1, ROOT))).isEqualTo(CertificationPool.Admission.OUT_OF_RANGE);
    assertThat(pool.size()).isEqualTo(1);
  }

  /** The subnet's certification of {@code root} at {@code height}, as a peer combines it. */
  StateCertification combined(long height, byte[] root) {
    return certifier.combine(height, root, List.of(share(1, root), share(2, root), share(3, root)));
  }

  @Test
  void aPeersCertificationOfTheOwnRootCertifiesTheHeightWithoutTheShares() {
    pool.addOwn(5, ROOT, share(0, ROOT));
    pool.addPeerShare(5, ROOT, share(1, ROOT)); // one share short of t: the others never came
    assertThat(pool.certification(5)).isEmpty();

    StateCertification peers = combined(5, ROOT);
    assertThat(pool.adoptCertification(peers)).isEqualTo(CertificationPool.Adoption.ADOPTED);

    assertThat(pool.certification(5)).contains(peers);
    assertThat(pool.adoptCertification(peers)).isEqualTo(CertificationPool.Adoption.KNOWN);
  }

  @Test
  void aCertificationThatDoesNotVerifyIsRefusedAndAValidOneStillCounts() {
    pool.addOwn(5, ROOT, share(0, ROOT));
    byte[] otherRootsSignature = combined(5, OTHER_ROOT).signature();
    byte[] garbage = new byte[BlsSignatureScheme.SIGNATURE_BYTES];
    garbage[0] = (byte) 0x80;
    assertThat(pool.adoptCertification(new StateCertification(5, ROOT, otherRootsSignature)))
        .isEqualTo(CertificationPool.Adoption.INVALID);
    assertThat(pool.adoptCertification(new StateCertification(5, ROOT, garbage)))
        .isEqualTo(CertificationPool.Adoption.INVALID);
    // Signed by a key of another subnet, over the right root.
    ThresholdBls.Dealing other = ThresholdBls.deal(PARAMETERS, new SplittableRandom(7));
    Certifier otherCertifier = new Certifier(PARAMETERS, other.groupPublicKey());
    StateCertification foreign = otherCertifier.combine(5, ROOT, List.of(
        otherCertifier.signShare(other.secretKeyShares().get(0), ROOT),
        otherCertifier.signShare(other.secretKeyShares().get(1), ROOT),
        otherCertifier.signShare(other.secretKeyShares().get(2), ROOT)));
    assertThat(pool.adoptCertification(foreign)).isEqualTo(CertificationPool.Adoption.INVALID);
    assertThat(pool.certification(5)).isEmpty();

    assertThat(pool.adoptCertification(combined(5, ROOT)))
        .isEqualTo(CertificationPool.Adoption.ADOPTED);
    assertThat(pool.certification(5)).isPresent();
  }

  @Test
  void aCertificationThatArrivesBeforeTheHeightIsExecutedCountsOnceItIs() {
    pool.addOwn(1, ROOT, share(0, ROOT));
    assertThat(pool.adoptCertification(combined(2, ROOT)))
        .isEqualTo(CertificationPool.Adoption.ADOPTED);
    assertThat(pool.certification(2)).isEmpty();
    pool.addOwn(2, ROOT, share(0, ROOT));
    assertThat(pool.certification(2)).isPresent();
    assertThat(pool.adoptCertification(combined(2 + 17, ROOT))) // past the window of 16
        .isEqualTo(CertificationPool.Adoption.OUT_OF_RANGE);
    pool.purgeBelow(2);
    assertThat(pool.adoptCertification(combined(1, ROOT)))
        .isEqualTo(CertificationPool.Adoption.OUT_OF_RANGE);
  }

  @Test
  void aPeersCertificationOfAnotherRootSaysTheStateDiverged() {
    pool.addOwn(7, OTHER_ROOT, share(0, OTHER_ROOT));
    assertThat(pool.adoptCertification(combined(7, ROOT)))
        .isEqualTo(CertificationPool.Adoption.ADOPTED);
    assertThat(pool.certification(7)).isEmpty();
    assertThat(pool.divergence(7)).hasValueSatisfying(r -> assertThat(r).isEqualTo(ROOT));
  }

  @Test
  void publicSharesMustCoverEveryReplica() {
    List<ThresholdBls.PublicKeyShare> three = dealing.publicKeyShares().subList(0, 3);
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> new CertificationPool(certifier, PARAMETERS, three, 16))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
