package dev.canopy.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.CanisterId;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DataCertificateCacheTest {
  private final ThresholdBls.Dealing single =
      ThresholdBls.deal(new ThresholdBls.Parameters(1, 1), new SplittableRandom(11));
  private final Certifier certifier = new Certifier(single.parameters(), single.groupPublicKey());

  private static CanisterCertifiedState withData(byte data) {
    return new CanisterCertifiedState(new byte[] {data}, Optional.empty(),
        List.of(TestState.user(1)), new java.util.TreeMap<>(), java.util.OptionalLong.empty(),
        java.util.OptionalLong.empty());
  }

  private CertifiedState certify(TestState state, long height) {
    CertifiedStateTree tree = new CertifiedStateTreeBuilder().build(state);
    return new CertifiedState(tree,
        certifier.certifyAlone(height, tree.rootHash(), single.secretKeyShares().get(0)));
  }

  @Test
  void aCertificateIsTheHeightsOwnAndMadeOncePerCanisterAndHeight() {
    TestState state = new TestState();
    CanisterId a = CanisterId.fromIndex(1);
    CanisterId b = CanisterId.fromIndex(2);
    state.canisters.put(a, withData((byte) 1));
    state.canisters.put(b, withData((byte) 2));
    CertifiedState first = certify(state, 1);
    DataCertificateCache cache = new DataCertificateCache(8);

    byte[] fromCache = cache.get(first, a);
    assertThat(fromCache).isEqualTo(first.dataCertificate(a).encode());
    assertThat(cache.get(first, a)).isSameAs(fromCache);
    assertThat(cache.get(first, b)).isEqualTo(first.dataCertificate(b).encode());
    assertThat(cache.size()).isEqualTo(2);

    // The next height (new certified data) gets its own certificates; the old ones are gone.
    state.canisters.put(a, withData((byte) 3));
    state.timeNanos += 1_000_000_000L;
    CertifiedState second = certify(state, 2);
    byte[] next = cache.get(second, a);
    assertThat(next).isEqualTo(second.dataCertificate(a).encode()).isNotEqualTo(fromCache);
    assertThat(cache.size()).isEqualTo(1);
    // An older height asked for again is answered correctly too (made afresh).
    assertThat(cache.get(first, a)).isEqualTo(fromCache);
  }

  @Test
  void keepsAtMostItsBoundPerHeight() {
    TestState state = new TestState();
    for (int i = 0; i < 5; i++) {
      state.canisters.put(CanisterId.fromIndex(i), withData((byte) i));
    }
    CertifiedState certified = certify(state, 1);
    DataCertificateCache cache = new DataCertificateCache(3);
    for (int i = 0; i < 5; i++) {
      CanisterId id = CanisterId.fromIndex(i);
      assertThat(cache.get(certified, id)).isEqualTo(certified.dataCertificate(id).encode());
    }
    assertThat(cache.size()).isEqualTo(3);
    assertThat(new DataCertificateCache(0).get(certified, CanisterId.fromIndex(1)))
        .isEqualTo(certified.dataCertificate(CanisterId.fromIndex(1)).encode());
    assertThatThrownBy(() -> new DataCertificateCache(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
