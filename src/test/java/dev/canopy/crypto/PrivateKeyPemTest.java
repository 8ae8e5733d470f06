package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.Hex;
import java.util.Base64;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class PrivateKeyPemTest {
  // RFC 8410 §10.3: the same Ed25519 key as version 0, and as version 1 with attributes and the
  // public key ([1] IMPLICIT); its public key is the one of §10.1.
  static final String RFC8410_V0 =
      "-----BEGIN PRIVATE KEY-----\n"
          + "MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
          + "-----END PRIVATE KEY-----\n";
  static final String RFC8410_V1 =
      "-----BEGIN PRIVATE KEY-----\n"
          + "MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
          + "oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB\n"
          + "Z9w7lshQhqowtrbLDFw4rXAxZuE=\n"
          + "-----END PRIVATE KEY-----\n";
  static final String RFC8410_PUBLIC_DER_BASE64 = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=";

  @Test
  void readsTheRfc8410Examples() {
    byte[] expectedDer = Base64.getDecoder().decode(RFC8410_PUBLIC_DER_BASE64);
    assertThat(SigningKey.fromPem(RFC8410_V0).publicKey().toDer()).isEqualTo(expectedDer);
    assertThat(SigningKey.fromPem(RFC8410_V1).publicKey().toDer()).isEqualTo(expectedDer);
  }

  @Test
  void writesEd25519AsDfxDoes() {
    Ed25519SigningKey key = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(1));
    String pem = key.toPem();
    // dfx's Ed25519 identity.pem: PKCS#8 version 1 with the public key in [1] (53 + 32 bytes).
    assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\nMFMCAQEwBQYDK2VwBCIEI");
    assertThat(pem).endsWith("-----END PRIVATE KEY-----\n");
    assertThat(SigningKey.fromPem(pem)).isEqualTo(key);
  }

  @Test
  void writesEcdsaAsSec1WithCurveAndPublicKey() {
    EcdsaSigningKey k1 = EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(2));
    String pem = k1.toPem();
    // dfx's secp256k1 identity.pem: SEQUENCE { 1, key, [0] secp256k1, [1] public key }.
    assertThat(pem).startsWith("-----BEGIN EC PRIVATE KEY-----\nMHQCAQEEI");
    assertThat(pem.replace("\n", "")).contains("oAcGBSuBBAAKoUQDQgAE");
    assertThat(SigningKey.fromPem(pem)).isEqualTo(k1);
    EcdsaSigningKey p256 = EcdsaSigningKey.generate(EcdsaCurve.P256, DeterministicRandom.fromSeed(3));
    assertThat(SigningKey.fromPem(p256.toPem())).isEqualTo(p256);
  }

  @Test
  void readsOpensslStyleFilesWithAnEcParametersBlock() {
    EcdsaSigningKey key = EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(4));
    String withParameters = "-----BEGIN EC PARAMETERS-----\nBgUrgQQACg==\n-----END EC PARAMETERS-----\n" + key.toPem();
    assertThat(SigningKey.fromPem(withParameters)).isEqualTo(key);
  }

  @Test
  void readsEcKeysInPkcs8() {
    EcdsaSigningKey key = EcdsaSigningKey.generate(EcdsaCurve.P256, DeterministicRandom.fromSeed(5));
    byte[] sec1 =
        Der.sequence(Der.smallInteger(1), Der.octetString(key.privateScalar()));
    byte[] pkcs8 =
        Der.sequence(
            Der.smallInteger(0),
            Der.sequence(Der.oid("1.2.840.10045.2.1"), Der.oid(EcdsaCurve.P256.oid())),
            Der.octetString(sec1));
    String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pkcs8) + "\n-----END PRIVATE KEY-----\n";
    assertThat(SigningKey.fromPem(pem)).isEqualTo(key);
  }

  @Test
  void refusesMismatchedPublicKeysWithoutRevealingTheKey() {
    Ed25519SigningKey key = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(6));
    Ed25519SigningKey other = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(7));
    byte[] der =
        Der.sequence(
            Der.smallInteger(1),
            Der.sequence(Der.oid("1.3.101.112")),
            Der.octetString(Der.octetString(key.seed())),
            Der.explicit(1, Der.bitString(other.publicKey().rawBytes())));
    String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END PRIVATE KEY-----\n";
    assertThatThrownBy(() -> SigningKey.fromPem(pem))
        .isInstanceOf(InvalidPrivateKeyException.class)
        .hasMessageContaining("does not belong")
        .message()
        .doesNotContain(Hex.encode(key.seed()))
        .doesNotContain(Base64.getEncoder().encodeToString(key.seed()).substring(0, 20));
  }

  @Test
  void explainsWhatIsWrongWithAFile() {
    assertThatThrownBy(() -> SigningKey.fromPem("hello")).hasMessageContaining("no PEM private key");
    assertThatThrownBy(() -> SigningKey.fromPem("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----"))
        .isInstanceOf(InvalidPrivateKeyException.class)
        .hasMessageContaining("encrypted");
    assertThatThrownBy(() -> SigningKey.fromPem("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"))
        .isInstanceOf(InvalidPrivateKeyException.class)
        .hasMessageContaining("RSA PRIVATE KEY");
    assertThatThrownBy(() -> SigningKey.fromPem("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----"))
        .isInstanceOf(InvalidPrivateKeyException.class)
        .hasMessageContaining("base64");
    assertThatThrownBy(() -> SigningKey.fromPem("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2Vw\n-----END PRIVATE KEY-----"))
        .isInstanceOf(InvalidPrivateKeyException.class)
        .hasMessageContaining("not valid DER");
    String two = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(1)).toPem() + Ed25519SigningKey.generate(DeterministicRandom.fromSeed(2)).toPem();
    assertThatThrownBy(() -> SigningKey.fromPem(two)).hasMessageContaining("2 key blocks");
  }

  private static final byte[][] VALID_DER = {
    Base64.getMimeDecoder().decode(RFC8410_V1.replaceAll("-----[A-Z ]+-----", "")),
    Base64.getMimeDecoder().decode(
        EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, DeterministicRandom.fromSeed(8)).toPem().replaceAll("-----[A-Z ]+-----", ""))
  };

  @Property(tries = 400, seed = "8410")
  void corruptedKeysNeverEscapeAsUncheckedErrors(@ForAll int position, @ForAll byte value, @ForAll boolean sec1) {
    byte[] der = VALID_DER[sec1 ? 1 : 0].clone();
    der[Math.floorMod(position, der.length)] = value;
    String label = sec1 ? "EC PRIVATE KEY" : "PRIVATE KEY";
    String pem = "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + label + "-----\n";
    try {
      SigningKey.fromPem(pem);
    } catch (InvalidPrivateKeyException expected) {
      // the only acceptable failure
    }
  }
}
