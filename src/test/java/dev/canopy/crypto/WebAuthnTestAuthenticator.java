package dev.canopy.crypto;

import dev.canopy.types.Hashing;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.signers.RSADigestSigner;

/**
 * A software authenticator for tests, doing what a browser and a security key do for
 * {@code navigator.credentials.get()}: it holds a P-256, RSA or Ed25519 key, exposes it as a COSE
 * key in DER (as a client registers it), and answers a challenge with authenticator data, client
 * data JSON and a signature over {@code authenticatorData · SHA-256(clientDataJSON)}. Keys come
 * from a seed; RSA signing is BouncyCastle's, independent of the verifier under test.
 */
public final class WebAuthnTestAuthenticator {
  public enum Kind { P256, RSA2048, ED25519 }

  static final String ORIGIN = "https://identity.ic0.app";
  static final String RP_ID = "identity.ic0.app";

  private final Kind kind;
  private final EcdsaSigningKey ecdsa;
  private final Ed25519SigningKey ed25519;
  private final RSAKeyParameters rsaPrivate;
  private final byte[] cose;
  private int counter;

  public WebAuthnTestAuthenticator(Kind kind, long seed) {
    this.kind = kind;
    DeterministicRandom random = DeterministicRandom.fromSeed(seed);
    EcdsaSigningKey e = null;
    Ed25519SigningKey d = null;
    RSAKeyParameters r = null;
    CborMap.Builder key = CborMap.builder();
    switch (kind) {
      case P256 -> {
        e = EcdsaSigningKey.generate(EcdsaCurve.P256, random);
        byte[] point = e.publicKey().rawBytes();
        key.put(label(1), CborValue.unsigned(2)).put(label(3), CborValue.integer(BigInteger.valueOf(-7)))
            .put(label(-1), CborValue.unsigned(1))
            .put(label(-2), CborValue.bytes(java.util.Arrays.copyOfRange(point, 1, 33)))
            .put(label(-3), CborValue.bytes(java.util.Arrays.copyOfRange(point, 33, 65)));
      }
      case ED25519 -> {
        d = Ed25519SigningKey.generate(random);
        key.put(label(1), CborValue.unsigned(1)).put(label(3), CborValue.integer(BigInteger.valueOf(-8)))
            .put(label(-1), CborValue.unsigned(6))
            .put(label(-2), CborValue.bytes(d.publicKey().rawBytes()));
      }
      case RSA2048 -> {
        RSAKeyPairGenerator generator = new RSAKeyPairGenerator();
        generator.init(new RSAKeyGenerationParameters(BigInteger.valueOf(65537), secureRandom(random), 2048, 80));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        r = (RSAKeyParameters) pair.getPrivate();
        RSAKeyParameters pub = (RSAKeyParameters) pair.getPublic();
        key.put(label(1), CborValue.unsigned(3)).put(label(3), CborValue.integer(BigInteger.valueOf(-257)))
            .put(label(-1), CborValue.bytes(Bytes.fixedBigEndian(pub.getModulus(), 256)))
            .put(label(-2), CborValue.bytes(pub.getExponent().toByteArray()));
      }
      default -> throw new IllegalArgumentException(kind.toString());
    }
    this.ecdsa = e;
    this.ed25519 = d;
    this.rsaPrivate = r;
    this.cose = CborEncoder.encode(key.build());
  }

  private static CborValue label(long value) {
    return CborValue.integer(BigInteger.valueOf(value));
  }

  /** BouncyCastle's generators want a SecureRandom; this one replays the seeded stream. */
  private static SecureRandom secureRandom(DeterministicRandom random) {
    return new SecureRandom() {
      @Override
      public void nextBytes(byte[] bytes) {
        random.nextBytes(bytes);
      }
    };
  }

  public Kind kind() {
    return kind;
  }

  public byte[] cose() {
    return cose.clone();
  }

  /** The key as a request carries it: DER-wrapped COSE. */
  public byte[] publicKeyDer() {
    return WebAuthnPublicKey.fromCose(cose).toDer();
  }

  /** The client data JSON a browser writes for a {@code get} with this challenge. */
  public static String clientDataJson(byte[] challenge) {
    return "{\"type\":\"webauthn.get\",\"challenge\":\""
        + Base64.getUrlEncoder().withoutPadding().encodeToString(challenge)
        + "\",\"origin\":\"" + ORIGIN + "\",\"crossOrigin\":false}";
  }

  /** RP id hash, flags UP|UV, and the next signature counter. */
  public byte[] authenticatorData() {
    return ByteBuffer.allocate(37).put(Hashing.sha256(RP_ID.getBytes(StandardCharsets.UTF_8)))
        .put((byte) 0x05).putInt(++counter).array();
  }

  /** The assertion for {@code payload} (domain separator and message), as its parts. */
  public WebAuthnSignature assertion(byte[] payload) {
    byte[] json = clientDataJson(payload).getBytes(StandardCharsets.UTF_8);
    return assertion(authenticatorData(), json);
  }

  /** Signs whatever authenticator data and client data it is given, as a device would. */
  public WebAuthnSignature assertion(byte[] authenticatorData, byte[] clientDataJson) {
    return new WebAuthnSignature(authenticatorData, clientDataJson,
        rawSign(Bytes.concat(authenticatorData, Hashing.sha256(clientDataJson))));
  }

  /** The signature bytes a request carries for {@code payload}. */
  public byte[] sign(byte[] payload) {
    return assertion(payload).encode();
  }

  private byte[] rawSign(byte[] signedData) {
    return switch (kind) {
      case P256 -> {
        byte[] rs = ecdsa.sign(signedData);
        yield Der.sequence(
            Der.integer(new BigInteger(1, java.util.Arrays.copyOfRange(rs, 0, 32))),
            Der.integer(new BigInteger(1, java.util.Arrays.copyOfRange(rs, 32, 64))));
      }
      case ED25519 -> ed25519.sign(signedData);
      case RSA2048 -> {
        RSADigestSigner signer = new RSADigestSigner(new SHA256Digest());
        signer.init(true, rsaPrivate);
        signer.update(signedData, 0, signedData.length);
        try {
          yield signer.generateSignature();
        } catch (org.bouncycastle.crypto.CryptoException e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }
}
