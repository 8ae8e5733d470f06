package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Principal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PublicKeyCacheTest {
  private static byte[] keyDer(int seed) {
    return Ed25519SigningKey.generate(DeterministicRandom.fromSeed(seed)).publicKey().toDer();
  }

  @Test
  void aCachedKeyIsTheKeyParsingGivesAndIsParsedOnce() {
    PublicKeyCache cache = new PublicKeyCache(8);
    byte[] der = keyDer(1);
    UserPublicKey first = cache.fromDer(der);
    UserPublicKey second = cache.fromDer(der.clone());
    assertThat(first).isEqualTo(UserPublicKey.fromDer(der)).isSameAs(second);
    assertThat(cache.stats()).isEqualTo(new PublicKeyCache.Stats(1, 1));
    EcdsaPublicKey ecdsa =
        EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(2)).publicKey();
    assertThat(cache.fromDer(ecdsa.toDer())).isEqualTo(ecdsa);
  }

  @Test
  void theCallersArrayMayChangeAfterwardsWithoutChangingTheCache() {
    PublicKeyCache cache = new PublicKeyCache(8);
    byte[] der = keyDer(1);
    UserPublicKey key = cache.fromDer(der);
    byte[] other = keyDer(2);
    System.arraycopy(other, 0, der, 0, der.length);
    assertThat(cache.fromDer(keyDer(1))).isSameAs(key);
    assertThat(cache.fromDer(der)).isEqualTo(PublicKey.fromDer(other)).isNotEqualTo(key);
  }

  @Test
  void holdsAtMostItsBoundAndDropsTheLeastRecentlyUsed() {
    PublicKeyCache cache = new PublicKeyCache(3);
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      keys.add(keyDer(10 + i));
    }
    cache.fromDer(keys.get(0));
    cache.fromDer(keys.get(1));
    cache.fromDer(keys.get(2));
    cache.fromDer(keys.get(0)); // 0 is now more recent than 1 and 2
    cache.fromDer(keys.get(3)); // evicts 1
    assertThat(cache.size()).isEqualTo(3);
    long misses = cache.stats().misses();
    cache.fromDer(keys.get(0));
    cache.fromDer(keys.get(3));
    assertThat(cache.stats().misses()).isEqualTo(misses);
    cache.fromDer(keys.get(1));
    assertThat(cache.stats().misses()).isEqualTo(misses + 1);
    for (byte[] k : keys) {
      cache.fromDer(k);
    }
    assertThat(cache.size()).isEqualTo(3);
  }

  @Test
  void invalidKeysAreRefusedEveryTimeAndNeverKept() {
    PublicKeyCache cache = new PublicKeyCache(8);
    byte[] notAKey = {0x30, 0x03, 0x02, 0x01, 0x00};
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> cache.fromDer(notAKey)).isInstanceOf(InvalidPublicKeyException.class);
    }
    assertThat(cache.size()).isZero();
  }

  @Test
  void aCacheOfNoneKeepsNothing() {
    PublicKeyCache none = PublicKeyCache.none();
    byte[] der = keyDer(1);
    assertThat(none.fromDer(der)).isEqualTo(PublicKey.fromDer(der));
    assertThat(none.size()).isZero();
    assertThatThrownBy(() -> new PublicKeyCache(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void authenticationThroughACacheAcceptsAndRefusesAsWithout() {
    PublicKeyCache cache = new PublicKeyCache(8);
    Ed25519SigningKey key = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(5));
    byte[] der = key.publicKey().toDer();
    Principal sender = Principal.selfAuthenticating(der);
    byte[] requestId = new byte[32];
    requestId[0] = 7;
    byte[] signature = key.sign(Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, requestId));
    for (int i = 0; i < 2; i++) {
      assertThat(RequestAuthentication.authenticate(sender, der, signature, null, requestId, 0,
          DelegationLimits.SPEC, UserSignatureVerifier.WITHOUT_ROOT_KEY, cache)).isEqualTo(RequestAuthentication.Authorization.UNRESTRICTED);
      byte[] otherId = requestId.clone();
      otherId[1] = 1;
      assertThatThrownBy(() -> RequestAuthentication.authenticate(sender, der, signature, null,
          otherId, 0, DelegationLimits.SPEC, UserSignatureVerifier.WITHOUT_ROOT_KEY, cache))
          .isInstanceOf(InvalidAuthenticationException.class)
          .extracting(e -> ((InvalidAuthenticationException) e).reason())
          .isEqualTo(InvalidAuthenticationException.Reason.REQUEST_SIGNATURE_INVALID);
    }
    assertThat(cache.stats()).isEqualTo(new PublicKeyCache.Stats(3, 1));
  }
}
