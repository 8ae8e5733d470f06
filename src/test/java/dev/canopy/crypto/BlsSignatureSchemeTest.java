package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Hex;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BlsSignatureSchemeTest {
  // agent-js packages/agent/src/utils/bls.test.ts: a min-sig signature of "hello".
  static final byte[] AGENT_JS_PUBLIC_KEY =
      Hex.decode("a7623a93cdb56c4d23d99c14216afaab3dfd6d4f9eb3db23d038280b6d5cb2caaee2a19dd92c9df7001d"
          + "ede23bf036bc0f33982dfb41e8fa9b8e96b5dc3e83d55ca4dd146c7eb2e8b6859cb5a5db815db86810b8"
          + "d12cee1588b5dbf34a4dc9a5");
  static final byte[] AGENT_JS_SIGNATURE =
      Hex.decode("b89e13a212c830586eaa9ad53946cd968718ebecc27eda849d9232673dcd4f440e8b5df39bf14a88048c15e16cbcaabe");

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void verifiesTheAgentJsVector() {
    BlsPublicKey key = BlsPublicKey.fromCompressed(AGENT_JS_PUBLIC_KEY);
    assertThat(BlsSignatureScheme.verify(key, utf8("hello"), AGENT_JS_SIGNATURE)).isTrue();
    assertThat(BlsSignatureScheme.verify(key, utf8("hallo"), AGENT_JS_SIGNATURE)).isFalse();
    // The same through the DER form the IC publishes keys in.
    PublicKey viaDer = PublicKey.fromDer(key.toDer());
    assertThat(viaDer.isValidSignature(utf8("hello"), AGENT_JS_SIGNATURE)).isTrue();
  }

  @Test
  void signsAndVerifiesWithKeysFromASeed() {
    BlsSecretKey key = BlsSecretKey.fromSeed(utf8("a seed of at least thirty-two bytes!"));
    assertThat(BlsSecretKey.fromSeed(utf8("a seed of at least thirty-two bytes!"))).isEqualTo(key);
    byte[] message = BlsSignatureScheme.stateRootMessage(new byte[32]);
    assertThat(Hex.encode(message)).startsWith("0d69632d73746174652d726f6f74");
    byte[] signature = key.sign(message);
    assertThat(signature).hasSize(48);
    assertThat(BlsSignatureScheme.verify(key.publicKey(), message, signature)).isTrue();
    // BLS signatures are unique: signing twice gives the same bytes.
    assertThat(key.sign(message)).isEqualTo(signature);
    message[20] ^= 1;
    assertThat(BlsSignatureScheme.verify(key.publicKey(), message, signature)).isFalse();
    BlsSecretKey other = BlsSecretKey.fromSeed(new byte[32]);
    assertThat(BlsSignatureScheme.verify(other.publicKey(), BlsSignatureScheme.stateRootMessage(new byte[32]), signature)).isFalse();
    assertThatThrownBy(() -> BlsSecretKey.fromSeed(new byte[31])).isInstanceOf(InvalidPrivateKeyException.class);
  }

  @Test
  void rejectsMalformedInfiniteAndNonSubgroupSignatures() {
    BlsPublicKey key = BlsPublicKey.fromCompressed(AGENT_JS_PUBLIC_KEY);
    byte[] infinity = new byte[48];
    infinity[0] = (byte) 0xc0;
    byte[] outside = BlsTestPoints.g1PointOutsideSubgroup();
    byte[] tampered = AGENT_JS_SIGNATURE.clone();
    tampered[47] ^= 1;
    for (byte[] bad : new byte[][] {new byte[0], new byte[47], new byte[48], infinity, outside, tampered}) {
      assertThat(BlsSignatureScheme.verify(key, utf8("hello"), bad)).isFalse();
    }
    assertThatThrownBy(() -> key.verify(utf8("hello"), new byte[47]))
        .isInstanceOf(InvalidSignatureException.class)
        .hasMessageContaining("48 bytes");
    assertThatThrownBy(() -> BlsSignatureScheme.decodeSignature(infinity)).hasMessageContaining("infinity");
    assertThatThrownBy(() -> BlsSignatureScheme.decodeSignature(outside)).hasMessageContaining("subgroup");
  }

  @Test
  void theNativeLibraryLoadsOnThisPlatform() {
    // Would throw CryptoUnavailableException naming os.name/os.arch if blst could not load.
    BlsNative.ensureLoaded();
  }
}
