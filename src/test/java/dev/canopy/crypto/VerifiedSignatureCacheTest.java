package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VerifiedSignatureCacheTest {
  private final Ed25519SigningKey key = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(7));
  private final Ed25519SigningKey other = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(8));

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aTripleThatVerifiedIsNotVerifiedAgainAndAnInvalidOneIsRefusedEveryTime() {
    VerifiedSignatureCache cache = new VerifiedSignatureCache(16);
    byte[] message = bytes("call");
    byte[] signature = key.sign(message);
    cache.verify(key.publicKey(), message, signature);
    cache.verify(key.publicKey(), message, signature);
    assertThat(cache.stats()).isEqualTo(new VerifiedSignatureCache.Stats(1, 1));
    // The same signature under another key, or of another message, is not the cached triple.
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> cache.verify(other.publicKey(), message, signature))
          .isInstanceOf(InvalidSignatureException.class);
      assertThatThrownBy(() -> cache.verify(key.publicKey(), bytes("other call"), signature))
          .isInstanceOf(InvalidSignatureException.class);
    }
    byte[] flipped = signature.clone();
    flipped[3] ^= 1;
    assertThatThrownBy(() -> cache.verify(key.publicKey(), message, flipped))
        .isInstanceOf(InvalidSignatureException.class);
    assertThat(cache.size()).isEqualTo(1);
  }

  @Test
  void itHoldsAtMostItsBoundAndForgetsTheLeastRecentlyUsed() {
    VerifiedSignatureCache cache = new VerifiedSignatureCache(3);
    byte[][] messages = new byte[5][];
    for (int i = 0; i < messages.length; i++) {
      messages[i] = bytes("m" + i);
      cache.verify(key.publicKey(), messages[i], key.sign(messages[i]));
    }
    assertThat(cache.size()).isEqualTo(3);
    cache.verify(key.publicKey(), messages[0], key.sign(messages[0])); // forgotten: verified again
    cache.verify(key.publicKey(), messages[4], key.sign(messages[4])); // kept
    assertThat(cache.stats()).isEqualTo(new VerifiedSignatureCache.Stats(1, 6));
    VerifiedSignatureCache none = VerifiedSignatureCache.none();
    none.verify(key.publicKey(), messages[1], key.sign(messages[1]));
    assertThat(none.size()).isZero();
  }

  @Test
  void aVerifierWithTheCacheGivesTheSameVerdicts() {
    VerifiedSignatureCache cache = new VerifiedSignatureCache(16);
    UserSignatureVerifier verifier = UserSignatureVerifier.WITHOUT_ROOT_KEY.withVerifiedCache(cache);
    byte[] message = bytes("request");
    verifier.verify(key.publicKey(), message, key.sign(message));
    verifier.verify(key.publicKey(), message, key.sign(message));
    assertThat(cache.stats().hits()).isEqualTo(1);
    assertThatThrownBy(() -> verifier.verify(other.publicKey(), message, key.sign(message)))
        .isInstanceOf(InvalidSignatureException.class);
  }

  @Test
  void thresholdSharesAreKeptWithTheirIndexAndOnlyWhenTheyVerify() {
    ThresholdBls.Dealing dealing = ThresholdBls.deal(new ThresholdBls.Parameters(2, 3), DeterministicRandom.fromSeed(9));
    ThresholdBls.PublicKeyShare first = dealing.publicKeyShares().get(0);
    ThresholdBls.PublicKeyShare second = dealing.publicKeyShares().get(1);
    byte[] message = bytes("beacon");
    ThresholdBls.SignatureShare share = ThresholdBls.signShare(dealing.secretKeyShares().get(0), message);
    VerifiedSignatureCache cache = new VerifiedSignatureCache(16);
    assertThat(cache.isValidShare(first, message, share)).isTrue();
    assertThat(cache.isValidShare(first, message, share)).isTrue();
    assertThat(cache.stats().hits()).isEqualTo(1);
    // The same bytes claimed under another index, or checked against another share's key: refused.
    assertThat(cache.isValidShare(first, message, new ThresholdBls.SignatureShare(2, share.signature()))).isFalse();
    assertThat(cache.isValidShare(second, message, share)).isFalse();
    assertThat(cache.isValidShare(second, message, share)).isFalse();
    assertThat(cache.size()).isEqualTo(1);
  }
}
