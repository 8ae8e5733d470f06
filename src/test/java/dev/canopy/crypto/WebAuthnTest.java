package dev.canopy.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.InvalidAuthenticationException.Reason;
import dev.canopy.crypto.WebAuthnTestAuthenticator.Kind;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** WebAuthn keys and signatures (spec "Web Authentication"). */
class WebAuthnTest {
  static final long NOW_NS = DelegationChainTest.NOW_NS;
  static final UserSignatureVerifier VERIFIER = UserSignatureVerifier.WITHOUT_ROOT_KEY;
  private final byte[] requestId = Hashing.sha256("a request".getBytes(StandardCharsets.UTF_8));

  // Vectors from dfinity/ic, rs/validator/src/webauthn.rs (Apache-2.0): keys and assertions made
  // with a YubiKey (ECDSA P-256) and Windows Hello (RSA 2048) through navigator.credentials.
  static final String IC_P256_KEY =
      "305e300c060a2b0601040183b8430101034e00a5010203262001215820b487d183dc4806058eb31a29bedefd7bcca987b77a381a3684871d8449c183942258202a122cc711a80453678c3032de4b6fff2c86342e82d1e7adb617c4165c43ce5e";
  /** The YubiKey's signature of the bytes "hello" (challenge "aGVsbG8"). */
  static final String IC_P256_SIG_HELLO =
      "d9d9f7a37261757468656e74696361746f725f646174615825bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b5010000000170636c69656e745f646174615f6a736f6e58517b2274797065223a2022776562617574686e2e676574222c20226368616c6c656e6765223a202261475673624738222c20226f726967696e223a202268747470733a2f2f6578616d706c652e6f7267227d697369676e617475726558463044022063627c69661048fb111b13dec2f3675010493c1c276c6a144f44e1fabab01d300220517d3cbd70658933dab63fd23cf05f7274aea6afad206be04d4ec5e268b471d2";
  /** The YubiKey's signature of the delegation {pubkey: 010203, expiration: 0}. */
  static final String IC_P256_SIG_DELEGATION =
      "d9d9f7a37261757468656e74696361746f725f646174615825bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b5010000000170636c69656e745f646174615f6a736f6e58997b2274797065223a2022776562617574686e2e676574222c20226368616c6c656e6765223a2022476d6c6a4c584a6c6358566c63335174595856306143316b5a57786c5a32463061573975624d7952313366786f7246576730775069346566504e774b562d7a76486467504868716649536d77677141222c20226f726967696e223a202268747470733a2f2f6578616d706c652e6f7267227d697369676e617475726558483046022100d4b7541f3b1b61dd9c6f818f20f54f8b938fe222d88cca6700fabd82a522f13b022100c636b52dfd679b1f86eeb5fcaff360e70b57caa9fe186e1e77c42228eca49037";
  /** The YubiKey's signature of the request id 0d00…00 under "\x0Aic-request". */
  static final String IC_P256_SIG_REQUEST_13 =
      "d9d9f7a37261757468656e74696361746f725f646174615825bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b5010000000170636c69656e745f646174615f6a736f6e58847b2274797065223a2022776562617574686e2e676574222c20226368616c6c656e6765223a2022436d6c6a4c584a6c6358566c6333514e414141414141414141414141414141414141414141414141414141414141414141414141414141414141222c20226f726967696e223a202268747470733a2f2f6578616d706c652e6f7267227d697369676e617475726558473045022100e4029fcf1cec44e0e2a33b2b2b981411376d89f90bec9ee7d4e20ca33ce8f088022070e95aa9dd3f0cf0d6f97f306d52211288482d565012202b349b2a2d80852635";
  static final String IC_RSA_KEY =
      "30820123300c060a2b0601040183b84301010382011100a401030339010020590100c6b690341eef02719f6d1dfce2db1f77ac9bd632ba70efcee92bae2073c09927ee3670a6696eec0cee96189ddb448d04ec4e4674e940af9f905e893b4ce25821ada8b45c6cd11f2ee0cda668c7c2a2a8a56d5e1f23f5ca0bb6e193c1d34ead16d84cc4b72e26763711fcf49fac3b508715dc9f494ec1379ed5a95c53b9b1edcc027d7013248bbe6d1e1445912a5a21b27168db7f60aa73253e981c33f54f61c67dbce3d9c10d5f0e6af1c112a65c8ce64a1d01ae1e31a53e3d4525addcece402f1e62208d42ebde528830f93bebc898901947ec0fb218a96a53968d07e09b8a067e5a4c825632e24e450c4c9ef8138dcc91f9f9168a603c13bd4f2f8a0d3ee6b2143010001";
  /** Windows Hello's signature of the bytes "hello"; client_data_json is a text string here. */
  static final String IC_RSA_SIG_HELLO =
      "d9d9f7a3697369676e617475726559010001dac0ad9ee89c9b9d3f772bb8dd79bc16839a026bf4378629789bede8e5e284bce9c59e2c5b2fd5d8daff964d4eec1a43eb6f083595f1ce42c9f78445dba95146e3338680ca72f7720371d88d56ab6578a67f9791954787d54e4c5687bb0d3379a268dbaa9dc8dd550187953c349e10e454c0950cfeaf37c5f01ff09a5b581fb81de8bfe9be21a8baa5f96653fce6eaf485d8726e1f620454c145fa542756e7b606f1ab9439a081bb01fec8be7679c72e2ce110655a36a01bde34be7be9e6270334d9b3f242ff12852992eeb515b13989245d049500629a5ac38c40f09dd218e8e1a790d3034418b7c3b59a6ac73e91b5bf4cf7c62d8e6de2dbaf00117045c070636c69656e745f646174615f6a736f6e786a7b2274797065223a22776562617574686e2e676574222c226368616c6c656e6765223a2261475673624738222c226f726967696e223a2268747470733a2f2f6333656634366165616437622e6e67726f6b2e696f222c2263726f73734f726967696e223a66616c73657d7261757468656e74696361746f725f6461746158252f8ceaf48dec5b53d9ddacaaf8b66392ded1691211f24e687badad8049b59ef60500000001";

  private static final byte[] HELLO = "hello".getBytes(StandardCharsets.UTF_8);

  private static InvalidSignatureException refusal(UserPublicKey key, byte[] payload, byte[] signature) {
    return catchThrowableOfType(InvalidSignatureException.class, () -> VERIFIER.verify(key, payload, signature));
  }

  // ---- published vectors

  @Test
  void theYubiKeyAndWindowsHelloAssertionsOfTheIcVerify() {
    UserPublicKey p256 = UserPublicKey.fromDer(Hex.decode(IC_P256_KEY));
    assertThat(p256).isInstanceOf(WebAuthnPublicKey.class);
    assertThat(p256.schemeName()).isEqualTo("WebAuthn (ECDSA P-256)");
    VERIFIER.verify(p256, HELLO, Hex.decode(IC_P256_SIG_HELLO));

    UserPublicKey rsa = UserPublicKey.fromDer(Hex.decode(IC_RSA_KEY));
    assertThat(rsa.schemeName()).isEqualTo("WebAuthn (RSA PKCS#1 v1.5 SHA-256, 2048 bits)");
    VERIFIER.verify(rsa, HELLO, Hex.decode(IC_RSA_SIG_HELLO));
  }

  @Test
  void theIcVectorsSignADelegationAndARequestIdWithTheirDomainSeparators() {
    UserPublicKey p256 = UserPublicKey.fromDer(Hex.decode(IC_P256_KEY));
    VERIFIER.verify(p256, Delegation.of(new byte[] {1, 2, 3}, 0).signedBytes(), Hex.decode(IC_P256_SIG_DELEGATION));
    byte[] requestId13 = new byte[32];
    requestId13[0] = 13;
    byte[] der = Hex.decode(IC_P256_KEY);
    RequestAuthentication.authenticate(Principal.selfAuthenticating(der), der, Hex.decode(IC_P256_SIG_REQUEST_13),
        null, requestId13, NOW_NS, DelegationLimits.SPEC, VERIFIER);
  }

  @Test
  void theIcVectorsFailForAnotherPayloadAnotherKeyOrABrokenSignature() {
    UserPublicKey p256 = UserPublicKey.fromDer(Hex.decode(IC_P256_KEY));
    InvalidSignatureException other = refusal(p256, "hellO".getBytes(StandardCharsets.UTF_8), Hex.decode(IC_P256_SIG_HELLO));
    assertThat(other.reason()).isEqualTo(InvalidSignatureException.Reason.DOES_NOT_VERIFY);
    assertThat(other.getMessage()).contains("challenge").contains("\"aGVsbG8\"");

    // The spec's example key ("Web Authentication") is a valid P-256 key, but not the YubiKey's.
    UserPublicKey spec = UserPublicKey.fromDer(Hex.decode(PublicKeyDerTest.SPEC_WEBAUTHN_KEY_DER));
    assertThat(refusal(spec, HELLO, Hex.decode(IC_P256_SIG_HELLO)).getMessage())
        .contains("does not verify over authenticator_data · SHA-256(client_data_json)");

    WebAuthnSignature good = WebAuthnSignature.decode(Hex.decode(IC_RSA_SIG_HELLO));
    UserPublicKey rsa = UserPublicKey.fromDer(Hex.decode(IC_RSA_KEY));
    byte[] sig = good.signature();
    sig[100] ^= 1;
    assertThat(refusal(rsa, HELLO, new WebAuthnSignature(good.authenticatorData(), good.clientDataJson(), sig).encode()).reason())
        .isEqualTo(InvalidSignatureException.Reason.DOES_NOT_VERIFY);
    assertThat(refusal(rsa, HELLO, new WebAuthnSignature(good.authenticatorData(), good.clientDataJson(), new byte[] {0, 1, 2}).encode()).reason())
        .isEqualTo(InvalidSignatureException.Reason.MALFORMED);
  }

  // ---- keys and assertions of our own making

  @Test
  void everyAlgorithmSignsRequestsAsTheSender() {
    for (Kind kind : Kind.values()) {
      WebAuthnTestAuthenticator device = new WebAuthnTestAuthenticator(kind, 11);
      byte[] der = device.publicKeyDer();
      byte[] sig = device.sign(Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, requestId));
      RequestAuthentication.Authorization auth = RequestAuthentication.authenticate(
          Principal.selfAuthenticating(der), der, sig, null, requestId, NOW_NS, DelegationLimits.SPEC, VERIFIER);
      assertThat(auth).as(kind.toString()).isEqualTo(RequestAuthentication.Authorization.UNRESTRICTED);

      // The same assertion over the bare request id (no domain separator) is refused.
      byte[] bare = device.sign(requestId);
      InvalidAuthenticationException e = catchThrowableOfType(InvalidAuthenticationException.class,
          () -> RequestAuthentication.authenticate(Principal.selfAuthenticating(der), der, bare, null,
              requestId, NOW_NS, DelegationLimits.SPEC, VERIFIER));
      assertThat(e.reason()).as(kind.toString()).isEqualTo(Reason.REQUEST_SIGNATURE_INVALID);
      assertThat(e.getMessage()).startsWith("sender_sig is not a valid WebAuthn (").contains("challenge");
    }
  }

  @Test
  void aWebAuthnKeyDelegatesToASessionKeyAndIsDelegatedTo() {
    WebAuthnTestAuthenticator device = new WebAuthnTestAuthenticator(Kind.P256, 12);
    SigningKey session = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(13));
    Delegation toSession = Delegation.of(session.publicKey().toDer(), NOW_NS + 60_000_000_000L);
    SignedDelegation signed = new SignedDelegation(toSession, device.sign(toSession.signedBytes()));
    DelegatedAuthority authority = DelegationChain.verify(device.publicKeyDer(), List.of(signed), NOW_NS, DelegationLimits.SPEC, VERIFIER);
    assertThat(authority.requestSigningKey()).isEqualTo(session.publicKey());

    // And the other way round: an Ed25519 root delegates to the device, which signs the request.
    Delegation toDevice = Delegation.of(device.publicKeyDer(), NOW_NS + 60_000_000_000L);
    SigningKey root = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(14));
    byte[] rootDer = root.publicKey().toDer();
    RequestAuthentication.authenticate(Principal.selfAuthenticating(rootDer), rootDer,
        device.sign(Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, requestId)),
        List.of(SignedDelegation.sign(toDevice, root)), requestId, NOW_NS, DelegationLimits.SPEC, VERIFIER);

    // A device signature over another delegation does not sign this one.
    SignedDelegation forged = new SignedDelegation(
        Delegation.of(session.publicKey().toDer(), NOW_NS + 120_000_000_000L), signed.signature());
    InvalidAuthenticationException e = catchThrowableOfType(InvalidAuthenticationException.class,
        () -> DelegationChain.verify(device.publicKeyDer(), List.of(forged), NOW_NS, DelegationLimits.SPEC, VERIFIER));
    assertThat(e.reason()).isEqualTo(Reason.DELEGATION_SIGNATURE_INVALID);
    assertThat(e.getMessage()).contains("WebAuthn (ECDSA P-256)").contains("challenge");
  }

  /** Each way of tampering with an assertion, and what it must be refused as. */
  @Test
  void tamperingWithAnyFieldIsRefused() {
    byte[] payload = Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, requestId);
    String challenge = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(payload);
    for (Kind kind : Kind.values()) {
      WebAuthnTestAuthenticator device = new WebAuthnTestAuthenticator(kind, 21);
      UserPublicKey key = UserPublicKey.fromDer(device.publicKeyDer());
      WebAuthnSignature good = device.assertion(payload);
      VERIFIER.verify(key, payload, good.encode());

      List<UnaryOperator<WebAuthnSignature>> signedByDevice = List.of(
          // What the device signs, re-signed: only the checks on the client data catch these.
          s -> device.assertion(s.authenticatorData(), json("webauthn.create", challenge)),
          s -> device.assertion(s.authenticatorData(), json("webauthn.get", challenge + "=")),
          s -> device.assertion(s.authenticatorData(), json("webauthn.get", challenge.substring(1))),
          s -> device.assertion(s.authenticatorData(), json("webauthn.get", java.util.Base64.getEncoder().encodeToString(payload))),
          s -> device.assertion(s.authenticatorData(), utf8("{\"type\":\"webauthn.get\",\"challenge\":\"" + challenge
              + "\",\"challenge\":\"" + challenge + "\"}")),
          s -> device.assertion(s.authenticatorData(), utf8("{\"type\":\"webauthn.get\",\"challenge\":\"" + challenge + "\"} {}")),
          s -> device.assertion(s.authenticatorData(), utf8("{\"type\":\"webauthn.get\"}")),
          s -> device.assertion(s.authenticatorData(), utf8("{\"type\":\"webauthn.get\",\"challenge\":7}")),
          s -> device.assertion(s.authenticatorData(), utf8("[\"webauthn.get\"]")),
          s -> device.assertion(Arrays.copyOf(s.authenticatorData(), 36), s.clientDataJson()));
      List<UnaryOperator<WebAuthnSignature>> alteredAfterSigning = List.of(
          s -> new WebAuthnSignature(flip(s.authenticatorData(), 33), s.clientDataJson(), s.signature()),
          s -> new WebAuthnSignature(s.authenticatorData(),
              utf8(new String(s.clientDataJson(), StandardCharsets.UTF_8).replace("identity.ic0.app", "evil.example")),
              s.signature()),
          s -> new WebAuthnSignature(s.authenticatorData(), s.clientDataJson(), flip(s.signature(), s.signature().length - 1)),
          s -> new WebAuthnSignature(s.authenticatorData(), s.clientDataJson(), Arrays.copyOf(s.signature(), s.signature().length - 1)));
      int i = 0;
      for (UnaryOperator<WebAuthnSignature> tamper : concat(signedByDevice, alteredAfterSigning)) {
        WebAuthnSignature bad = tamper.apply(good);
        InvalidSignatureException e = refusal(key, payload, bad.encode());
        assertThat(e).as("%s tampering #%d", kind, i++).isNotNull();
        assertThat(e.getMessage()).isNotBlank();
      }
      // A valid assertion for another payload, and a valid one under another key.
      assertThat(refusal(key, Bytes.concat(RequestAuthentication.REQUEST_DOMAIN, new byte[32]), good.encode())).isNotNull();
      UserPublicKey otherKey = UserPublicKey.fromDer(new WebAuthnTestAuthenticator(kind, 22).publicKeyDer());
      assertThat(refusal(otherKey, payload, good.encode()).reason()).isEqualTo(InvalidSignatureException.Reason.DOES_NOT_VERIFY);
    }
  }

  @Test
  void theSignatureEnvelopeMayCarryTheJsonAsBytesAndMayLackTheTagButMustBeAMap() {
    WebAuthnTestAuthenticator device = new WebAuthnTestAuthenticator(Kind.P256, 31);
    byte[] payload = HELLO;
    WebAuthnSignature s = device.assertion(payload);
    UserPublicKey key = UserPublicKey.fromDer(device.publicKeyDer());
    CborMap asBytes = CborMap.builder().put("authenticator_data", s.authenticatorData())
        .put("client_data_json", CborValue.bytes(s.clientDataJson())).put("signature", s.signature()).build();
    VERIFIER.verify(key, payload, CborEncoder.encode(asBytes));
    VERIFIER.verify(key, payload, CborEncoder.encodeWithSelfDescribeTag(asBytes));

    CborMap missing = CborMap.builder().put("authenticator_data", s.authenticatorData()).put("signature", s.signature()).build();
    assertThat(refusal(key, payload, CborEncoder.encode(missing)).getMessage()).contains("client_data_json");
    assertThat(refusal(key, payload, s.signature()).reason()).isEqualTo(InvalidSignatureException.Reason.MALFORMED);
    assertThat(refusal(key, payload, new byte[0]).reason()).isEqualTo(InvalidSignatureException.Reason.MALFORMED);
  }

  @Test
  void ecdsaSignaturesAreStrictDer() {
    byte[] rs = new byte[64];
    rs[31] = 5;
    rs[63] = 7;
    byte[] der = Der.sequence(Der.integer(BigInteger.valueOf(5)), Der.integer(BigInteger.valueOf(7)));
    assertThat(WebAuthnVerifier.ecdsaDerToRaw(der)).isEqualTo(rs);
    for (String bad : new String[] {
        "3005020105020107",                 // declared length one short
        "30060201050201070000",             // trailing bytes after the sequence
        "300702020005020107",               // r not minimal
        "30060201ff020107",                 // r negative
        "3006020100020107",                 // r zero
        "3026022101" + "00".repeat(32) + "020107"}) { // r of 33 bytes
      InvalidSignatureException e = catchThrowableOfType(InvalidSignatureException.class,
          () -> WebAuthnVerifier.ecdsaDerToRaw(Hex.decode(bad)));
      assertThat(e).as(bad).isNotNull();
      assertThat(e.reason()).isEqualTo(InvalidSignatureException.Reason.MALFORMED);
    }
  }

  @Test
  void coseKeysOfOtherAlgorithmsOrShapesAreRefusedByName() {
    assertThat(coseRefusal(cose(2, -35, -1, 2)).getMessage()).contains("type 2").contains("algorithm -35");
    assertThat(coseRefusal(cose(2, -7, -1, 2)).getMessage()).contains("curve 1 (P-256)");
    assertThat(coseRefusal(cose(2, -7, -1, 1, -2, new byte[32], -3, CborValue.Bool.TRUE)).reason())
        .isEqualTo(InvalidPublicKeyException.Reason.NOT_CANONICAL);
    assertThat(coseRefusal(cose(2, -7, -1, 1, -2, new byte[31], -3, new byte[32])).getMessage()).contains("31 bytes");
    assertThat(coseRefusal(cose(2, -7, -1, 1, -2, new byte[32], -3, new byte[32])).reason())
        .isEqualTo(InvalidPublicKeyException.Reason.INVALID_POINT);
    assertThat(coseRefusal(cose(3, -257, -1, new byte[128], -2, new byte[] {1, 0, 1})).getMessage()).contains("2048 to 8192 bits");
    byte[] modulus = new byte[256];
    Arrays.fill(modulus, (byte) 0xff);
    assertThat(coseRefusal(cose(3, -257, -1, modulus, -2, new byte[] {1, 0, 0})).getMessage()).contains("exponent");
    assertThat(coseRefusal(cose(3, -257, -1, modulus, -2, new byte[] {2, 0, 0, 0, 1})).getMessage()).contains("below 2^33");
    modulus[255] = (byte) 0xfe;
    assertThat(coseRefusal(cose(3, -257, -1, modulus, -2, new byte[] {1, 0, 1})).getMessage()).contains("even");
    assertThat(coseRefusal(CborEncoder.encode(CborValue.text("not a map"))).reason()).isEqualTo(InvalidPublicKeyException.Reason.MALFORMED);

    // key_ops must allow verification when present.
    WebAuthnTestAuthenticator device = new WebAuthnTestAuthenticator(Kind.ED25519, 41);
    CborMap key = CoseKey.DECODER.decode(device.cose()).asMap("key");
    CborMap.Builder withOps = CborMap.builder();
    key.entries().forEach(withOps::put);
    withOps.put(CborValue.unsigned(4), new dev.canopy.types.cbor.CborArray(List.of(CborValue.unsigned(1))));
    assertThat(coseRefusal(CborEncoder.encode(withOps.build())).getMessage()).contains("key_ops");
  }

  @Test
  void aWebAuthnKeyMustBeWrappedWithTheOidAndNoParameters() {
    byte[] cose = new WebAuthnTestAuthenticator(Kind.P256, 51).cose();
    byte[] withNull = Der.sequence(Der.sequence(Der.oid(WebAuthnPublicKey.OID), new byte[] {5, 0}), Der.bitString(cose));
    InvalidPublicKeyException e = catchThrowableOfType(InvalidPublicKeyException.class, () -> UserPublicKey.fromDer(withNull));
    assertThat(e.reason()).isEqualTo(InvalidPublicKeyException.Reason.NOT_CANONICAL);
    byte[] wrapped = Der.sequence(Der.sequence(Der.oid(WebAuthnPublicKey.OID)), Der.bitString(cose));
    byte[] trailing = Arrays.copyOf(wrapped, wrapped.length + 1);
    assertThat(catchThrowableOfType(InvalidPublicKeyException.class, () -> UserPublicKey.fromDer(trailing)).reason())
        .isEqualTo(InvalidPublicKeyException.Reason.MALFORMED);
    // The principal is the hash of the DER as sent.
    byte[] der = Der.sequence(Der.sequence(Der.oid(WebAuthnPublicKey.OID)), Der.bitString(cose));
    assertThat(UserPublicKey.fromDer(der).toDer()).isEqualTo(der);
  }

  // ---- helpers

  private static byte[] json(String type, String challenge) {
    return utf8("{\"type\":\"" + type + "\",\"challenge\":\"" + challenge + "\",\"origin\":\"https://identity.ic0.app\"}");
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] flip(byte[] b, int index) {
    byte[] out = b.clone();
    out[index] ^= 0x01;
    return out;
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new java.util.ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /** A COSE map of alternating labels and values (ints, byte arrays or CBOR values). */
  private static byte[] cose(Object... labelsAndValues) {
    CborMap.Builder b = CborMap.builder();
    b.put(CborValue.unsigned(1), value(labelsAndValues[0]));
    b.put(CborValue.unsigned(3), value(labelsAndValues[1]));
    for (int i = 2; i < labelsAndValues.length; i += 2) {
      b.put(value(labelsAndValues[i]), value(labelsAndValues[i + 1]));
    }
    return CborEncoder.encode(b.build());
  }

  private static CborValue value(Object o) {
    if (o instanceof Integer n) {
      return CborValue.integer(BigInteger.valueOf(n));
    }
    if (o instanceof byte[] bytes) {
      return CborValue.bytes(bytes);
    }
    return (CborValue) o;
  }

  private static InvalidPublicKeyException coseRefusal(byte[] cose) {
    InvalidPublicKeyException e = catchThrowableOfType(InvalidPublicKeyException.class,
        () -> UserPublicKey.fromDer(Der.sequence(Der.sequence(Der.oid(WebAuthnPublicKey.OID)), Der.bitString(cose))));
    assertThat(e).isNotNull();
    assertThat(e.algorithmOid()).contains(WebAuthnPublicKey.OID);
    return e;
  }
}
