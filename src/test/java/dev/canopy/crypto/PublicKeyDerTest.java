package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.InvalidPublicKeyException.Reason;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class PublicKeyDerTest {
  /** The IC mainnet root key as agent-js embeds it. */
  static final String MAINNET_ROOT_KEY_DER =
      "308182301d060d2b0601040182dc7c0503010201060c2b0601040182dc7c05030201036100"
          + "814c0e6ec71fab583b08bd81373c255c3c371b2e84863c98a4f1e08b74235d14fb5d9c0cd546d9685f"
          + "913a0c0b2cc5341583bf4b4392e467db96d65b9bb4cb717112f8472e0d5a4d14505ffd7484b012910"
          + "91c5f87b98883463f98091a0baaae";

  /** The DER-wrapped COSE (WebAuthn) key of the spec's "Web Authentication" section. */
  static final String SPEC_WEBAUTHN_KEY_DER =
      "305e300c060a2b0601040183b8430101034e00a50102032620012158207ffd83632072fd1bfeaf3fbaa431"
          + "46e0ef95c3f55e3994a41bbf2b5174d771da22582032497eed0a7f6f000928765b8318162cfd80a94e52"
          + "5a6a368c2363063d04e6ed";

  private static InvalidPublicKeyException rejection(String hex) {
    return catchThrowableOfType(InvalidPublicKeyException.class, () -> PublicKey.fromDer(Hex.decode(hex)));
  }

  @Test
  void ed25519DerIsThe12BytePrefixAndTheKey() {
    String der = "302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    PublicKey key = PublicKey.fromDer(Hex.decode(der));
    assertThat(key).isInstanceOf(Ed25519PublicKey.class);
    assertThat(key.algorithm()).isEqualTo(SignatureAlgorithm.ED25519);
    assertThat(Hex.encode(key.toDer())).isEqualTo(der);
    assertThat(Principal.selfAuthenticating(key.toDer()).kind()).isEqualTo(Principal.Kind.SELF_AUTHENTICATING);
  }

  @Test
  void ecdsaKeysRoundTripOnBothCurves() {
    for (EcdsaCurve curve : EcdsaCurve.values()) {
      EcdsaPublicKey key = EcdsaSigningKey.generate(curve, DeterministicRandom.fromSeed(1)).publicKey();
      byte[] der = key.toDer();
      assertThat(der).hasSize(curve == EcdsaCurve.P256 ? 91 : 88);
      assertThat(PublicKey.fromDer(der)).isEqualTo(key);
      assertThat(((EcdsaPublicKey) PublicKey.fromDer(der)).curve()).isEqualTo(curve);
    }
    // RFC 5480 prefixes: id-ecPublicKey with the named curve, uncompressed point.
    assertThat(Hex.encode(EcdsaSigningKey.generate(EcdsaCurve.P256, DeterministicRandom.fromSeed(1)).publicKey().toDer()))
        .startsWith("3059301306072a8648ce3d020106082a8648ce3d03010703420004");
    assertThat(Hex.encode(EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(1)).publicKey().toDer()))
        .startsWith("3056301006072a8648ce3d020106052b8104000a03420004");
  }

  @Test
  void blsRootKeyParsesAndKeepsItsExactEncoding() {
    PublicKey key = PublicKey.fromDer(Hex.decode(MAINNET_ROOT_KEY_DER));
    assertThat(key).isInstanceOf(BlsPublicKey.class);
    assertThat(key.toDer()).hasSize(133);
    assertThat(Hex.encode(key.toDer())).isEqualTo(MAINNET_ROOT_KEY_DER);
  }

  @Test
  void compressedEcdsaPointsAreRefusedAsTheSpecRequiresUncompressed() {
    EcdsaPublicKey key = EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(2)).publicKey();
    byte[] compressed = key.point().getEncoded(true);
    byte[] der =
        Der.sequence(
            Der.sequence(Der.oid("1.2.840.10045.2.1"), Der.oid("1.3.132.0.10")), Der.bitString(compressed));
    InvalidPublicKeyException e = catchThrowableOfType(InvalidPublicKeyException.class, () -> PublicKey.fromDer(der));
    assertThat(e.reason()).isEqualTo(Reason.NOT_CANONICAL);
    assertThat(e.getMessage()).contains("compressed").contains("uncompressed");
  }

  @Test
  void unsupportedSchemesAreNamedWithTheirOid() {
    InvalidPublicKeyException webauthn = rejection(SPEC_WEBAUTHN_KEY_DER);
    assertThat(webauthn.reason()).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    assertThat(webauthn.algorithmOid()).contains("1.3.6.1.4.1.56387.1.1");
    assertThat(webauthn.getMessage()).contains("WebAuthn").contains("1.3.6.1.4.1.56387.1.1");

    byte[] canisterId = Hex.decode("00000000000000070101");
    byte[] keyBytes = new byte[1 + canisterId.length + 5];
    keyBytes[0] = (byte) canisterId.length;
    System.arraycopy(canisterId, 0, keyBytes, 1, canisterId.length);
    byte[] canisterSigDer = Der.sequence(Der.sequence(Der.oid("1.3.6.1.4.1.56387.1.2")), Der.bitString(keyBytes));
    InvalidPublicKeyException canisterSig = rejection(Hex.encode(canisterSigDer));
    assertThat(canisterSig.reason()).isEqualTo(Reason.UNSUPPORTED_ALGORITHM);
    assertThat(canisterSig.getMessage()).contains("canister-signature").contains("1.3.6.1.4.1.56387.1.2");

    byte[] p384 = Der.sequence(Der.sequence(Der.oid("1.2.840.10045.2.1"), Der.oid("1.3.132.0.34")), Der.bitString(new byte[97]));
    assertThat(rejection(Hex.encode(p384)).getMessage()).contains("P-384").contains("1.3.132.0.34");

    byte[] rsa = Der.sequence(Der.sequence(Der.oid("1.2.840.113549.1.1.1"), new byte[] {5, 0}), Der.bitString(new byte[10]));
    assertThat(rejection(Hex.encode(rsa)).getMessage()).contains("RSA");
  }

  @Test
  void pointsOffTheCurveAreRefused() {
    EcdsaPublicKey key = EcdsaSigningKey.generate(EcdsaCurve.P256, DeterministicRandom.fromSeed(3)).publicKey();
    byte[] der = key.toDer();
    der[der.length - 1] ^= 1; // y changes, x stays: no longer on the curve
    assertThat(rejection(Hex.encode(der)).reason()).isEqualTo(Reason.INVALID_POINT);

    // y^2 = x^3 + 7 has no solution for many y at x = 0; (0, 1) is not on secp256k1.
    byte[] notOnK1 = new byte[65];
    notOnK1[0] = 4;
    notOnK1[64] = 1;
    assertThatThrownBy(() -> EcdsaPublicKey.fromUncompressedPoint(EcdsaCurve.SECP256K1, notOnK1))
        .isInstanceOf(InvalidPublicKeyException.class)
        .extracting(e -> ((InvalidPublicKeyException) e).reason())
        .isEqualTo(Reason.INVALID_POINT);
  }

  @Test
  void ed25519SmallOrderKeysAreRefused() {
    // The identity point (0, 1) encodes as 01 00…00: order 1.
    byte[] identity = new byte[32];
    identity[0] = 1;
    assertThatThrownBy(() -> Ed25519PublicKey.fromRaw(identity))
        .isInstanceOf(InvalidPublicKeyException.class)
        .extracting(e -> ((InvalidPublicKeyException) e).reason())
        .isEqualTo(Reason.INVALID_POINT);
  }

  @Test
  void blsKeysWithAnotherHeaderOrAnInvalidPointAreRefused() {
    byte[] der = Hex.decode(MAINNET_ROOT_KEY_DER);
    byte[] longer = Arrays.copyOf(der, der.length + 1);
    assertThat(rejection(Hex.encode(longer)).reason()).isIn(Reason.NOT_CANONICAL, Reason.MALFORMED);
    byte[] infinity = Arrays.copyOf(der, der.length);
    Arrays.fill(infinity, 37, 133, (byte) 0);
    infinity[37] = (byte) 0xc0;
    assertThat(rejection(Hex.encode(infinity)).reason()).isEqualTo(Reason.INVALID_POINT);
    byte[] uncompressedFlag = Arrays.copyOf(der, der.length);
    uncompressedFlag[37] &= 0x7f;
    assertThat(rejection(Hex.encode(uncompressedFlag)).reason()).isEqualTo(Reason.NOT_CANONICAL);
  }

  @Test
  void blsPointsOnTheCurveButOutsideTheSubgroupAreRefused() {
    byte[] candidate = BlsTestPoints.g2PointOutsideSubgroup();
    InvalidPublicKeyException e =
        catchThrowableOfType(InvalidPublicKeyException.class, () -> BlsPublicKey.fromCompressed(candidate));
    assertThat(e.reason()).isEqualTo(Reason.INVALID_POINT);
    assertThat(e.getMessage()).contains("subgroup");
  }

  @Test
  void malformedDerIsATypedError() {
    assertThat(rejection("").reason()).isEqualTo(Reason.MALFORMED);
    assertThat(rejection("3080").reason()).isEqualTo(Reason.MALFORMED); // indefinite length
    assertThat(rejection("302a300506032b6570032100d75a98").reason()).isEqualTo(Reason.MALFORMED); // truncated
    assertThat(rejection("302b300506032b6570032200" + "00".repeat(33)).reason()).isEqualTo(Reason.MALFORMED);
    // Ed25519 with (forbidden) NULL parameters
    assertThat(rejection("302c300706032b65700500032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a").reason())
        .isEqualTo(Reason.NOT_CANONICAL);
  }

  @Property(tries = 300, seed = "20261121")
  void arbitraryBytesNeverEscapeAsUncheckedErrors(@ForAll @Size(max = 200) byte[] bytes) {
    try {
      PublicKey.fromDer(bytes);
    } catch (InvalidPublicKeyException expected) {
      // the only acceptable failure
    }
  }

  private static final byte[][] VALID_KEYS = {
    Hex.decode(MAINNET_ROOT_KEY_DER),
    Ed25519SigningKey.fromSeed(new byte[32]).publicKey().toDer(),
    EcdsaSigningKey.generate(EcdsaCurve.P256, DeterministicRandom.fromSeed(4)).publicKey().toDer(),
    EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(4)).publicKey().toDer()
  };

  @Property(tries = 300, seed = "20261122")
  void mutatedValidKeysNeverEscapeAsUncheckedErrors(@ForAll int position, @ForAll byte value) {
    byte[] der = VALID_KEYS[Math.floorMod(position, VALID_KEYS.length)].clone();
    der[Math.floorMod(position, der.length)] = value;
    try {
      PublicKey.fromDer(der);
    } catch (InvalidPublicKeyException expected) {
      // the only acceptable failure
    }
  }
}
