package dev.canopy.ingress;

import static dev.canopy.ingress.TestRequests.CANISTER;
import static dev.canopy.ingress.TestRequests.NOW_NS;
import static dev.canopy.ingress.TestRequests.ONE_MINUTE_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.CanisterSignature;
import dev.canopy.crypto.CanisterSignaturePublicKey;
import dev.canopy.crypto.Delegation;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.RequestAuthentication;
import dev.canopy.crypto.SignedDelegation;
import dev.canopy.crypto.SigningKey;
import dev.canopy.crypto.WebAuthnTestAuthenticator;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Leb128;
import dev.canopy.types.Mutation;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.LabeledTree;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Requests authenticated by a WebAuthn key, or by a delegation that a canister signed (as Internet
 * Identity signs its users' session keys), through the decoder and the validator.
 */
class SignatureSchemesIngressTest {
  static final BlsSecretKey ROOT = BlsSecretKey.fromSeed("root key of the ingress tests, 32b".getBytes(StandardCharsets.US_ASCII));
  /** The signing canister, in the subnet's range. */
  static final Principal SIGNER = CanisterId.fromIndex(9).principal();
  static final byte[] SEED = "anchor 10000 at https://app.example".getBytes(StandardCharsets.UTF_8);
  static final SigningKey SESSION = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(71));
  static final WebAuthnTestAuthenticator DEVICE = new WebAuthnTestAuthenticator(WebAuthnTestAuthenticator.Kind.P256, 72);

  static final EnvelopeDecoder DECODER = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
  static IngressValidatorConfig.Builder config() {
    return IngressValidatorConfig.builder()
        .canisterRange(CanisterId.fromIndex(0).principal(), CanisterId.fromIndex(0xFFFFF).principal());
  }

  static final IngressValidator WITH_ROOT = new IngressValidator(config().rootKeyDer(ROOT.publicKey().toDer()).build());
  static final IngressValidator WITHOUT_ROOT = new IngressValidator(config().build());

  /** A body whose sender_pubkey is {@code senderDer}, signed with {@code requestSignature}. */
  static byte[] body(TestRequests.Content content, byte[] senderDer, byte[] requestSignature, List<SignedDelegation> chain) {
    CborMap.Builder envelope = CborMap.builder().put("content", content.toMap())
        .put("sender_pubkey", senderDer).put("sender_sig", requestSignature);
    if (!chain.isEmpty()) {
      envelope.put("sender_delegation", new CborArray(chain.stream()
          .map(sd -> (dev.canopy.types.cbor.CborValue) CborMap.builder()
              .put("delegation", TestRequests.delegationMap(sd.delegation())).put("signature", sd.signature()).build())
          .toList()));
    }
    return TestRequests.encode(envelope.build());
  }

  static byte[] requestPayload(TestRequests.Content content) {
    byte[] id = content.requestId().toBytes();
    byte[] out = Arrays.copyOf(RequestAuthentication.REQUEST_DOMAIN, RequestAuthentication.REQUEST_DOMAIN.length + id.length);
    System.arraycopy(id, 0, out, RequestAuthentication.REQUEST_DOMAIN.length, id.length);
    return out;
  }

  /** What the signing canister does: certify a tree holding sig/H(seed)/H(payload), and hand out a witness. */
  static byte[] canisterSign(byte[] seed, byte[] payload) {
    HashTree tree = HashTree.fromLabeledTree(LabeledTree.node().put("sig", LabeledTree.node()
        .put(dev.canopy.types.Hashing.sha256(seed), LabeledTree.node()
            .put(dev.canopy.types.Hashing.sha256(payload), LabeledTree.leaf(new byte[0])).build()).build()).build());
    HashTree state = HashTree.fromLabeledTree(LabeledTree.node()
        .put("canister", LabeledTree.node().put(SIGNER.toBytes(), LabeledTree.node()
            .put("certified_data", LabeledTree.leaf(tree.digest())).build()).build())
        .put("time", LabeledTree.leaf(Leb128.encodeUnsigned(NOW_NS - 3_600_000_000_000L)))
        .build());
    Certificate certificate = new Certificate(state,
        ROOT.sign(BlsSignatureScheme.stateRootMessage(state.digest())), Optional.empty());
    return new CanisterSignature(certificate.encode(), tree).encode();
  }

  /** sender_pubkey: the canister's key for SEED; one delegation to SESSION, signed by the canister. */
  static byte[] canisterDelegatedCall(String method) {
    CanisterSignaturePublicKey canisterKey = CanisterSignaturePublicKey.of(SIGNER, SEED);
    Principal sender = Principal.selfAuthenticating(canisterKey.toDer());
    Delegation toSession = Delegation.of(SESSION.publicKey().toDer(), NOW_NS + 30 * ONE_MINUTE_NS);
    SignedDelegation signed = new SignedDelegation(toSession, canisterSign(SEED, toSession.signedBytes()));
    TestRequests.Content content = TestRequests.call(sender, CANISTER, method, new byte[] {1});
    return body(content, canisterKey.toDer(), SESSION.sign(requestPayload(content)), List.of(signed));
  }

  static byte[] webAuthnCall(String method) {
    byte[] der = DEVICE.publicKeyDer();
    TestRequests.Content content = TestRequests.call(Principal.selfAuthenticating(der), CANISTER, method, new byte[] {2});
    return body(content, der, DEVICE.sign(requestPayload(content)), List.of());
  }

  private static IngressRejection refusal(IngressValidator validator, byte[] body) {
    IngressRejection e = catchThrowableOfType(IngressRejection.class,
        () -> validator.validateCall(DECODER.decodeCall(body), CANISTER, NOW_NS));
    assertThat(e).as("refused").isNotNull();
    return e;
  }

  @Test
  void aCallSignedByAWebAuthnKeyIsAccepted() {
    IngressVerdict<CallContent> verdict = WITHOUT_ROOT.validateCall(DECODER.decodeCall(webAuthnCall("inc")), CANISTER, NOW_NS);
    assertThat(verdict).isInstanceOf(IngressVerdict.Accepted.class);
    assertThat(((IngressVerdict.Accepted<CallContent>) verdict).request().envelope().content().sender())
        .isEqualTo(Principal.selfAuthenticating(DEVICE.publicKeyDer()));
  }

  @Test
  void aCallUnderACanisterSignedDelegationIsAcceptedWhenTheCertificateIsTheRootKeys() {
    byte[] body = canisterDelegatedCall("inc");
    assertThat(WITH_ROOT.validateCall(DECODER.decodeCall(body), CANISTER, NOW_NS)).isInstanceOf(IngressVerdict.Accepted.class);

    IngressRejection noRoot = refusal(WITHOUT_ROOT, body);
    assertThat(noRoot.httpStatus()).isEqualTo(403);
    assertThat(noRoot.getMessage()).startsWith("Invalid delegation: ").contains("no root key");

    IngressValidator otherRoot = new IngressValidator(config()
        .rootKeyDer(BlsSecretKey.fromSeed(new byte[32]).publicKey().toDer()).build());
    IngressRejection wrongRoot = refusal(otherRoot, body);
    assertThat(wrongRoot.httpStatus()).isEqualTo(403);
    assertThat(wrongRoot.getMessage()).contains("sender_delegation[0]").contains("not valid under the root key");
  }

  @Test
  void aCanisterSignatureOverAnotherDelegationOrSeedIsRefused() {
    CanisterSignaturePublicKey canisterKey = CanisterSignaturePublicKey.of(SIGNER, SEED);
    Principal sender = Principal.selfAuthenticating(canisterKey.toDer());
    Delegation toSession = Delegation.of(SESSION.publicKey().toDer(), NOW_NS + 30 * ONE_MINUTE_NS);
    Delegation longer = Delegation.of(SESSION.publicKey().toDer(), NOW_NS + 300 * ONE_MINUTE_NS);
    TestRequests.Content content = TestRequests.call(sender, CANISTER, "inc", new byte[0]);
    byte[] requestSig = SESSION.sign(requestPayload(content));

    byte[] otherMessage = body(content, canisterKey.toDer(), requestSig,
        List.of(new SignedDelegation(longer, canisterSign(SEED, toSession.signedBytes()))));
    assertThat(refusal(WITH_ROOT, otherMessage).getMessage()).contains("did not sign this payload");
    byte[] otherSeed = body(content, canisterKey.toDer(), requestSig,
        List.of(new SignedDelegation(toSession, canisterSign("another anchor".getBytes(StandardCharsets.UTF_8), toSession.signedBytes()))));
    assertThat(refusal(WITH_ROOT, otherSeed).httpStatus()).isEqualTo(403);
    // The canister signs the request itself, without a delegation.
    byte[] direct = body(content, canisterKey.toDer(), canisterSign(SEED, requestPayload(content)), List.of());
    assertThat(WITH_ROOT.validateCall(DECODER.decodeCall(direct), CANISTER, NOW_NS)).isInstanceOf(IngressVerdict.Accepted.class);
  }

  // ---- corrupted bodies

  @Provide
  Arbitrary<byte[]> bodies() {
    return Arbitraries.of(webAuthnCall("inc"), canisterDelegatedCall("inc"));
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Mutation.some();
  }

  @Property(tries = 800, seed = "56387021")
  void aCorruptedRequestIsRefusedWithATypedErrorOrIsTheSameRequest(
      @ForAll("bodies") byte[] body, @ForAll("mutations") List<Mutation> mutations) {
    Envelope<CallContent> original = DECODER.decodeCall(body);
    try {
      IngressVerdict<CallContent> verdict =
          WITH_ROOT.validateCall(DECODER.decodeCall(Mutation.applyAll(body, mutations)), CANISTER, NOW_NS);
      if (verdict instanceof IngressVerdict.Accepted<CallContent> accepted) {
        assertThat(accepted.request().requestId()).isEqualTo(original.content().requestId());
      }
    } catch (IngressRejection expected) {
      assertThat(expected.httpStatus()).isBetween(400, 499);
      assertThat(expected.getMessage()).isNotBlank();
    }
  }
}
