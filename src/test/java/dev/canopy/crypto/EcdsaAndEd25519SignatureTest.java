package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Hex;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EcdsaAndEd25519SignatureTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // RFC 8032 §7.1, TEST 1 (empty message).
  private static final byte[] RFC8032_SECRET =
      Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  private static final String RFC8032_PUBLIC =
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  private static final String RFC8032_SIGNATURE =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

  @Test
  void ed25519Rfc8032TestVector1() {
    Ed25519SigningKey key = Ed25519SigningKey.fromSeed(RFC8032_SECRET);
    assertThat(Hex.encode(key.publicKey().rawBytes())).isEqualTo(RFC8032_PUBLIC);
    assertThat(Hex.encode(key.sign(new byte[0]))).isEqualTo(RFC8032_SIGNATURE);
    assertThat(key.publicKey().isValidSignature(new byte[0], Hex.decode(RFC8032_SIGNATURE))).isTrue();
    assertThat(Hex.encode(key.publicKey().toDer())).isEqualTo("302a300506032b6570032100" + RFC8032_PUBLIC);
  }

  @Test
  void ed25519Rfc8032TestVectors2And3() {
    // RFC 8032 §7.1, TEST 2 (one byte) and TEST 3 (two bytes).
    Ed25519SigningKey two = Ed25519SigningKey.fromSeed(
        Hex.decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
    assertThat(Hex.encode(two.sign(Hex.decode("72")))).isEqualTo(
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
            + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
    Ed25519SigningKey three = Ed25519SigningKey.fromSeed(
        Hex.decode("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"));
    assertThat(Hex.encode(three.sign(Hex.decode("af82")))).isEqualTo(
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
            + "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a");
  }

  @Test
  void ed25519SignaturesEqualThoseMadeFromTheSeedAlone() {
    DeterministicRandom random = DeterministicRandom.fromSeed(7);
    for (int i = 0; i < 20; i++) {
      byte[] seed = new byte[Ed25519SigningKey.SEED_BYTES];
      random.nextBytes(seed);
      byte[] message = new byte[i * 7];
      random.nextBytes(message);
      byte[] expected = new byte[Ed25519PublicKey.SIGNATURE_BYTES];
      org.bouncycastle.math.ec.rfc8032.Ed25519.sign(seed, 0, message, 0, message.length, expected, 0);
      assertThat(Ed25519SigningKey.fromSeed(seed).sign(message)).as("key %d", i).isEqualTo(expected);
    }
  }

  @Test
  void ed25519RejectsTamperedMessageSignatureAndKey() {
    Ed25519SigningKey key = Ed25519SigningKey.fromSeed(RFC8032_SECRET);
    byte[] message = utf8("hello");
    byte[] signature = key.sign(message);
    assertThat(key.publicKey().isValidSignature(message, signature)).isTrue();
    assertThat(key.publicKey().isValidSignature(utf8("hellp"), signature)).isFalse();
    for (int bit : new int[] {0, 100, 511}) {
      byte[] tampered = signature.clone();
      tampered[bit / 8] ^= (byte) (1 << (bit % 8));
      assertThat(key.publicKey().isValidSignature(message, tampered)).as("bit %d", bit).isFalse();
    }
    PublicKey other = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(1)).publicKey();
    assertThat(other.isValidSignature(message, signature)).isFalse();
  }

  @Test
  void ed25519RejectsNonCanonicalS() {
    Ed25519SigningKey key = Ed25519SigningKey.fromSeed(RFC8032_SECRET);
    byte[] signature = key.sign(new byte[0]);
    // S + L encodes the same scalar; RFC 8032 §5.1.7 requires S < L.
    BigInteger l = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
    byte[] sLittle = Arrays.copyOfRange(signature, 32, 64);
    BigInteger s = new BigInteger(1, reverse(sLittle)).add(l);
    byte[] sPlusL = reverse(Bytes.fixedBigEndian(s, 32));
    byte[] malleated = signature.clone();
    System.arraycopy(sPlusL, 0, malleated, 32, 32);
    assertThat(key.publicKey().isValidSignature(new byte[0], malleated)).isFalse();
  }

  // RFC 6979 §A.2.5: P-256, SHA-256, message "sample".
  @Test
  void p256Rfc6979Vector() {
    EcdsaSigningKey key =
        EcdsaSigningKey.fromPrivateScalar(
            EcdsaCurve.P256, Hex.decode("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"));
    assertThat(Hex.encode(key.publicKey().rawBytes()))
        .isEqualTo("04" + "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
            + "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
    byte[] expected =
        Hex.decode("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
            + "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
    assertThat(key.sign(utf8("sample"))).isEqualTo(expected);
    assertThat(key.publicKey().isValidSignature(utf8("sample"), expected)).isTrue();
    assertThat(key.publicKey().isValidSignature(utf8("samplf"), expected)).isFalse();
  }

  // The widely used secp256k1 RFC 6979 vector: private key 1, message "Satoshi Nakamoto", low s.
  @Test
  void secp256k1Rfc6979Vector() {
    byte[] one = new byte[32];
    one[31] = 1;
    EcdsaSigningKey key = EcdsaSigningKey.fromPrivateScalar(EcdsaCurve.SECP256K1, one);
    assertThat(Hex.encode(key.publicKey().rawBytes()))
        .startsWith("0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    byte[] expected =
        Hex.decode("934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
            + "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5");
    assertThat(key.sign(utf8("Satoshi Nakamoto"))).isEqualTo(expected);
    assertThat(key.publicKey().isValidSignature(utf8("Satoshi Nakamoto"), expected)).isTrue();
  }

  @Test
  void ecdsaAcceptsHighSAsTheIcDoes() {
    for (EcdsaCurve curve : EcdsaCurve.values()) {
      EcdsaSigningKey key = EcdsaSigningKey.generate(curve, DeterministicRandom.fromSeed(7));
      byte[] message = utf8("high s");
      byte[] signature = key.sign(message);
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
      byte[] flipped = signature.clone();
      System.arraycopy(Bytes.fixedBigEndian(curve.order().subtract(s), 32), 0, flipped, 32, 32);
      assertThat(key.publicKey().isValidSignature(message, signature)).isTrue();
      assertThat(key.publicKey().isValidSignature(message, flipped)).as(curve.name()).isTrue();
    }
  }

  @Test
  void secp256k1SignaturesAreLowS() {
    EcdsaSigningKey key = EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(3));
    for (int i = 0; i < 20; i++) {
      byte[] signature = key.sign(new byte[] {(byte) i});
      assertThat(new BigInteger(1, Arrays.copyOfRange(signature, 32, 64)))
          .isLessThanOrEqualTo(EcdsaCurve.SECP256K1.halfOrder());
    }
  }

  @Test
  void ecdsaRejectsTamperingOutOfRangeValuesAndTheOtherCurve() {
    for (EcdsaCurve curve : EcdsaCurve.values()) {
      EcdsaSigningKey key = EcdsaSigningKey.generate(curve, DeterministicRandom.fromSeed(11));
      byte[] message = utf8("message");
      byte[] signature = key.sign(message);
      assertThat(key.publicKey().isValidSignature(utf8("messagf"), signature)).isFalse();
      byte[] tampered = signature.clone();
      tampered[40] ^= 1;
      assertThat(key.publicKey().isValidSignature(message, tampered)).isFalse();
      byte[] zeroR = signature.clone();
      Arrays.fill(zeroR, 0, 32, (byte) 0);
      assertThat(key.publicKey().isValidSignature(message, zeroR)).isFalse();
      byte[] sIsN = signature.clone();
      System.arraycopy(Bytes.fixedBigEndian(curve.order(), 32), 0, sIsN, 32, 32);
      assertThat(key.publicKey().isValidSignature(message, sIsN)).isFalse();
      EcdsaCurve otherCurve = curve == EcdsaCurve.P256 ? EcdsaCurve.SECP256K1 : EcdsaCurve.P256;
      EcdsaSigningKey other = EcdsaSigningKey.fromPrivateScalar(otherCurve, key.privateScalar());
      assertThat(other.publicKey().isValidSignature(message, signature)).isFalse();
    }
  }

  @Test
  void verifyExplainsWrongLengthAndWrongSignature() {
    PublicKey key = Ed25519SigningKey.fromSeed(RFC8032_SECRET).publicKey();
    assertThatThrownBy(() -> key.verify(new byte[0], new byte[63]))
        .isInstanceOf(InvalidSignatureException.class)
        .hasMessage("Ed25519 signatures have 64 bytes, got 63")
        .extracting(e -> ((InvalidSignatureException) e).reason())
        .isEqualTo(InvalidSignatureException.Reason.MALFORMED);
    assertThatThrownBy(() -> key.verify(utf8("x"), Hex.decode(RFC8032_SIGNATURE)))
        .isInstanceOf(InvalidSignatureException.class)
        .extracting(e -> ((InvalidSignatureException) e).reason())
        .isEqualTo(InvalidSignatureException.Reason.DOES_NOT_VERIFY);
  }

  @Test
  void keyGenerationIsDeterministicGivenTheRandomSource() {
    assertThat(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(5)))
        .isEqualTo(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(5)))
        .isNotEqualTo(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(6)));
    assertThat(EcdsaSigningKey.generate(EcdsaCurve.P256, DeterministicRandom.fromSeed(5)).publicKey())
        .isEqualTo(EcdsaSigningKey.generate(EcdsaCurve.P256, DeterministicRandom.fromSeed(5)).publicKey());
  }

  @Test
  void toStringShowsNoPrivateMaterial() {
    Ed25519SigningKey ed = Ed25519SigningKey.fromSeed(RFC8032_SECRET);
    assertThat(ed.toString()).doesNotContain(Hex.encode(RFC8032_SECRET)).contains(RFC8032_PUBLIC);
    EcdsaSigningKey ec = EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(9));
    assertThat(ec.toString()).doesNotContain(Hex.encode(ec.privateScalar()));
    BlsSecretKey bls = BlsSecretKey.fromSeed(new byte[32]);
    assertThat(bls.toString()).doesNotContain(Hex.encode(bls.toBytes())).doesNotContain(bls.scalar().toString());
  }

  @Test
  void rejectsPrivateKeysOutsideTheScalarRange() {
    assertThatThrownBy(() -> EcdsaSigningKey.fromPrivateScalar(EcdsaCurve.P256, new byte[32]))
        .isInstanceOf(InvalidPrivateKeyException.class);
    assertThatThrownBy(
            () -> EcdsaSigningKey.fromPrivateScalar(
                EcdsaCurve.SECP256K1, Bytes.fixedBigEndian(EcdsaCurve.SECP256K1.order(), 32)))
        .isInstanceOf(InvalidPrivateKeyException.class)
        .message()
        .doesNotContain(EcdsaCurve.SECP256K1.order().toString(16));
    assertThatThrownBy(() -> Ed25519SigningKey.fromSeed(new byte[31])).isInstanceOf(InvalidPrivateKeyException.class);
  }

  private static byte[] reverse(byte[] b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = b[b.length - 1 - i];
    }
    return out;
  }
}
