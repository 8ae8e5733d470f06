package dev.canopy.state;

import static dev.canopy.state.CertifiedStateTreeTest.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.CertificateVerifier;
import dev.canopy.crypto.CertificateVerifier.Scope;
import dev.canopy.crypto.CertificateVerifier.InvalidCertificateException;
import dev.canopy.crypto.InvalidSignatureException;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.state.ReadStateAccess.ApiVersion;
import dev.canopy.types.CanisterId;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.LeafPath;
import dev.canopy.types.hashtree.LookupResult;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CertifierTest {
  static final CanisterId A = CanisterId.fromIndex(1);
  static final long MINUTE_NANOS = 60_000_000_000L;

  TestState state;
  CertifiedStateTree tree;
  ThresholdBls.Dealing single;
  Certifier certifier;
  CertificateVerifier verifier;

  @BeforeEach
  void setUp() {
    state = new TestState();
    state.canisters.put(
        A,
        new CanisterCertifiedState(
            new byte[] {1, 2, 3}, Optional.empty(), List.of(TestState.user(1)),
            new java.util.TreeMap<>(), java.util.OptionalLong.empty(), java.util.OptionalLong.empty()));
    state.history.receive(TestState.rid(1), TestState.user(1), EffectiveId.canister(A), state.timeNanos + MINUTE_NANOS, state.timeNanos);
    state.history.setStatus(TestState.rid(1), new RequestStatus.Replied(new byte[] {9}), state.timeNanos);
    tree = new CertifiedStateTreeBuilder().build(state);
    single = ThresholdBls.deal(new ThresholdBls.Parameters(1, 1), new SplittableRandom(11));
    certifier = new Certifier(single.parameters(), single.groupPublicKey());
    verifier = CertificateVerifier.forRootKey(single.groupPublicKey().toDer());
  }

  CertifiedState certifiedAlone() {
    StateCertification c = certifier.certifyAlone(7, tree.rootHash(), single.secretKeyShares().get(0));
    return new CertifiedState(tree, c);
  }

  @Test
  void aReadStateCertificateVerifiesUnderTheRootKeyAndRevealsWhatWasAsked() {
    CertifiedState certified = certifiedAlone();
    ReadStatePlan plan =
        new ReadStateAccess(TestState.SUBNET)
            .check(
                tree,
                new ReadStateAccess.Request(
                    ApiVersion.V3, EffectiveId.canister(A), TestState.user(1),
                    List.of(path("request_status", TestState.rid(1)))));
    Certificate cert = certified.certificate(plan);
    assertThat(cert.delegation()).isEmpty();
    CertificateVerifier.VerifiedCertificate v =
        verifier.verify(cert.encode(), Scope.canister(A.principal()), state.timeNanos + MINUTE_NANOS);
    assertThat(v.timeNanos()).isEqualTo(state.timeNanos);
    assertThat(v.delegatedSubnet()).isEmpty();
    assertThat(cert.lookup(path("request_status", TestState.rid(1), "reply")))
        .isEqualTo(new LookupResult.Found(new byte[] {9}));
  }

  @Test
  void aCertificateFailsUnderAnotherKey() {
    Certificate cert = certifiedAlone().requestStatusCertificate(TestState.rid(1));
    CertificateVerifier other =
        CertificateVerifier.forRootKey(BlsSecretKey.fromSeed(TestState.seed(3)).publicKey().toDer());
    assertThatThrownBy(() -> other.verify(cert, Scope.unscoped(), state.timeNanos))
        .isInstanceOfSatisfying(
            InvalidCertificateException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidCertificateException.Reason.BAD_SIGNATURE));
  }

  @Test
  void aTamperedTreeFails() {
    Certificate genuine = certifiedAlone().requestStatusCertificate(TestState.rid(1));
    state.history.setStatus(TestState.rid(1), RequestStatus.DONE, state.timeNanos);
    CertifiedStateTree otherTree = new CertifiedStateTreeBuilder().build(state);
    Certificate tampered =
        new Certificate(
            otherTree.witness(List.of(path("request_status", TestState.rid(1)), path("time"))),
            genuine.signature(),
            Optional.empty());
    verifier.verify(genuine, Scope.unscoped(), state.timeNanos);
    assertThatThrownBy(() -> verifier.verify(tampered, Scope.unscoped(), state.timeNanos))
        .isInstanceOfSatisfying(
            InvalidCertificateException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidCertificateException.Reason.BAD_SIGNATURE));
  }

  @Test
  void aCertificateTooFarFromTheClockFails() {
    Certificate cert = certifiedAlone().requestStatusCertificate(TestState.rid(1));
    verifier.verify(cert, Scope.unscoped(), state.timeNanos + 5 * MINUTE_NANOS);
    for (long now : new long[] {state.timeNanos + 5 * MINUTE_NANOS + 1, state.timeNanos - 5 * MINUTE_NANOS - 1}) {
      assertThatThrownBy(() -> verifier.verify(cert, Scope.unscoped(), now))
          .isInstanceOfSatisfying(
              InvalidCertificateException.class,
              e -> assertThat(e.reason()).isEqualTo(InvalidCertificateException.Reason.STALE_OR_FUTURE_TIME));
    }
  }

  @Test
  void theDataCertificateRevealsCertifiedDataAndTimeOnly() {
    Certificate cert = certifiedAlone().dataCertificate(A);
    verifier.verify(cert, Scope.canister(A.principal()), state.timeNanos);
    assertThat(cert.tree().listPaths())
        .extracting(LeafPath::path)
        .containsExactly(path("canister", A, "certified_data"), path("time"));
    assertThat(cert.lookup(path("canister", A, "certified_data")))
        .isEqualTo(new LookupResult.Found(new byte[] {1, 2, 3}));
  }

  @Test
  void twoOfThreeSharesCombineIntoTheSubnetSignatureAndABadShareIsCaught() {
    ThresholdBls.Dealing dealing = ThresholdBls.deal(new ThresholdBls.Parameters(2, 3), new SplittableRandom(5));
    Certifier c = new Certifier(dealing.parameters(), dealing.groupPublicKey());
    byte[] root = tree.rootHash();
    ThresholdBls.SignatureShare s1 = c.signShare(dealing.secretKeyShares().get(0), root);
    ThresholdBls.SignatureShare s3 = c.signShare(dealing.secretKeyShares().get(2), root);
    assertThat(c.verifyShare(dealing.publicKeyShares().get(0), root, s1)).isTrue();
    assertThat(c.verifyShare(dealing.publicKeyShares().get(1), root, s1)).isFalse();
    StateCertification certification = c.combine(3, root, List.of(s3, s1));
    Certificate cert = new CertifiedState(tree, certification).dataCertificate(A);
    CertificateVerifier.forRootKey(dealing.groupPublicKey().toDer())
        .verify(cert, Scope.unscoped(), state.timeNanos);

    ThresholdBls.SignatureShare forged =
        new ThresholdBls.SignatureShare(
            2, BlsSecretKey.fromSeed(TestState.seed(4)).sign(dev.canopy.crypto.BlsSignatureScheme.stateRootMessage(root)));
    assertThatThrownBy(() -> c.combine(3, root, List.of(s1, forged)))
        .isInstanceOf(InvalidSignatureException.class);
  }

  @Test
  void aCertificationMustSignTheTreesRoot() {
    StateCertification wrong = certifier.certifyAlone(1, new byte[32], single.secretKeyShares().get(0));
    assertThatThrownBy(() -> new CertifiedState(tree, wrong)).isInstanceOf(IllegalArgumentException.class);
  }
}
