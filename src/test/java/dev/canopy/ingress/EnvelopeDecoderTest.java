package dev.canopy.ingress;

import static dev.canopy.ingress.TestRequests.CANISTER;
import static dev.canopy.ingress.TestRequests.NOW_NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.crypto.Delegation;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.SignedDelegation;
import dev.canopy.crypto.SigningKey;
import dev.canopy.ingress.IngressRejection.Reason;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Label;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnvelopeDecoderTest {
  private final EnvelopeDecoder decoder = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
  private final SigningKey key = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(11));

  private IngressRejection rejection(RequestType type, byte[] body) {
    return catchThrowableOfType(IngressRejection.class, () -> decoder.decode(type, body));
  }

  private static TestRequests.Content anonymousCall() {
    return TestRequests.call(Principal.ANONYMOUS, CANISTER, "greet", new byte[] {1, 2});
  }

  @Test
  void aSignedCallDecodesToItsTypedFieldsAndKeepsTheBody() {
    TestRequests.Content content = TestRequests.call(TestRequests.principalOf(key), CANISTER, "greet", new byte[] {9});
    byte[] body = TestRequests.signed(content, key);
    Envelope<CallContent> envelope = decoder.decodeCall(body);
    CallContent call = envelope.content();
    assertThat(call.requestId()).isEqualTo(content.requestId());
    assertThat(call.sender()).isEqualTo(TestRequests.principalOf(key));
    assertThat(call.canisterId()).isEqualTo(CANISTER);
    assertThat(call.methodName()).isEqualTo("greet");
    assertThat(call.arg()).containsExactly(9);
    assertThat(call.ingressExpiryNs()).isEqualTo(NOW_NS + 4 * TestRequests.ONE_MINUTE_NS);
    assertThat(call.nonce()).hasValueSatisfying(n -> assertThat(n).hasSize(8));
    assertThat(envelope.senderPubkey()).hasValueSatisfying(k -> assertThat(k).isEqualTo(key.publicKey().toDer()));
    assertThat(envelope.senderSig()).isPresent();
    assertThat(envelope.senderDelegation()).isEmpty();
    assertThat(envelope.encoded()).isEqualTo(body);
  }

  @Test
  void delegationsAreReadWithTargetsAndPermissions() {
    SigningKey session = Ed25519SigningKey.generate(DeterministicRandom.fromSeed(12));
    Delegation d =
        new Delegation(session.publicKey().toDer(), NOW_NS + 1, Optional.of(List.of(CANISTER)), Optional.of("queries"));
    SignedDelegation sd = SignedDelegation.sign(d, key);
    byte[] body = TestRequests.signedBy(anonymousCall(), key, session, List.of(sd));
    assertThat(decoder.decodeCall(body).senderDelegation()).hasValue(List.of(sd));
  }

  @Test
  void aReadStateRequestDecodesItsPaths() {
    byte[] body =
        TestRequests.anonymous(
            TestRequests.readState(Principal.ANONYMOUS, List.of(List.of("time".getBytes()), List.of())));
    ReadStateContent rs = decoder.decodeReadState(body).content();
    assertThat(rs.paths()).containsExactly(List.of(Label.of("time")), List.of());
  }

  @Test
  void malformedCborIsA400NamingTheProblem() {
    IngressRejection e = rejection(RequestType.CALL, Hex.decode("d9d9f7a1"));
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
    assertThat(e).hasMessageStartingWith("Could not parse body as call request: ");
    assertThat(rejection(RequestType.CALL, new byte[0]).httpStatus()).isEqualTo(400);
    // A float where a nat belongs.
    assertThat(rejection(RequestType.QUERY, Hex.decode("fb3ff0000000000000"))).hasMessageContaining("floating-point");
    // Well-formed CBOR that is not a map.
    assertThat(rejection(RequestType.CALL, CborEncoder.encode(CborValue.text("hi")))).hasMessageContaining("must be a map");
  }

  @Test
  void missingOrMistypedFieldsAreA400NamingTheField() {
    assertThat(rejection(RequestType.CALL, TestRequests.anonymous(anonymousCall().remove("method_name"))))
        .hasMessageContaining("'method_name' is missing");
    assertThat(rejection(RequestType.CALL, TestRequests.anonymous(anonymousCall().set("arg", "text"))))
        .hasMessageContaining("field 'arg' must be a byte string");
    assertThat(rejection(RequestType.CALL, TestRequests.anonymous(anonymousCall().set("nonce", CborValue.Null.INSTANCE))).httpStatus())
        .isEqualTo(400);
    assertThat(rejection(RequestType.CALL, TestRequests.encode(CborMap.builder().put("nope", "x").build())))
        .hasMessageContaining("'content' is missing");
  }

  @Test
  void principalsLongerThan29BytesAndExpiriesBeyond64BitsAreRefused() {
    assertThat(rejection(RequestType.CALL, TestRequests.anonymous(anonymousCall().set("canister_id", new byte[30]))))
        .hasMessageContaining("canister_id")
        .hasMessageContaining("at most 29");
    IngressRejection e =
        rejection(
            RequestType.CALL,
            TestRequests.anonymous(anonymousCall().set("ingress_expiry", CborValue.unsigned(BigInteger.ONE.shiftLeft(64)))));
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
    assertThat(e).hasMessageContaining("ingress_expiry");
  }

  @Test
  void aBodyOverTheLimitIsA413BeforeAnyDecoding() {
    EnvelopeDecoder small = new EnvelopeDecoder(EnvelopeLimits.DEFAULT.withMaxBodySizeBytes(100));
    byte[] body = TestRequests.anonymous(anonymousCall().set("arg", new byte[200]));
    IngressRejection e = catchThrowableOfType(IngressRejection.class, () -> small.decodeCall(body));
    assertThat(e.httpStatus()).isEqualTo(413);
    assertThat(e).hasMessageContaining(body.length + " bytes").hasMessageContaining("maximum of 100 bytes");
    byte[] justUnder = new byte[EnvelopeLimits.INGRESS_MAX_BODY_SIZE_BYTES - 200];
    assertThat(decoder.decodeCall(TestRequests.anonymous(anonymousCall().set("arg", justUnder))).content().argSizeBytes())
        .isEqualTo(justUnder.length);
    assertThat(rejection(RequestType.CALL, new byte[EnvelopeLimits.INGRESS_MAX_BODY_SIZE_BYTES + 1]).httpStatus())
        .isEqualTo(413);
  }

  @Test
  void theRequestTypeMustMatchTheEndpoint() {
    byte[] callBody = TestRequests.anonymous(anonymousCall());
    IngressRejection e = rejection(RequestType.QUERY, callBody);
    assertThat(e.reason()).isEqualTo(Reason.WRONG_REQUEST_TYPE);
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e).hasMessageContaining("request_type \"query\"").hasMessageContaining("\"call\"").hasMessageContaining("/call endpoint");
    assertThat(rejection(RequestType.READ_STATE, callBody).reason()).isEqualTo(Reason.WRONG_REQUEST_TYPE);
    assertThat(rejection(RequestType.CALL, TestRequests.anonymous(anonymousCall().set("request_type", "update"))).reason())
        .isEqualTo(Reason.WRONG_REQUEST_TYPE);
  }

  @Test
  void aNonceOfUpTo32BytesIsAcceptedAndLongerIsRefused() {
    assertThat(decoder.decodeCall(TestRequests.anonymous(anonymousCall().set("nonce", new byte[32]))).content().nonce())
        .isPresent();
    IngressRejection e = rejection(RequestType.CALL, TestRequests.anonymous(anonymousCall().set("nonce", new byte[33])));
    assertThat(e.reason()).isEqualTo(Reason.NONCE_TOO_LONG);
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e).hasMessage("Nonce in request is too big: got 33 bytes, but at most 32 are allowed.");
  }

  @Test
  void readStateAllowsAtMost1000PathsOf127Labels() {
    List<List<byte[]>> paths = new ArrayList<>(Collections.nCopies(1000, List.of("time".getBytes())));
    assertThat(decoder.decodeReadState(TestRequests.anonymous(TestRequests.readState(Principal.ANONYMOUS, paths))).content().paths())
        .hasSize(1000);
    paths.add(List.of("time".getBytes()));
    IngressRejection tooMany = rejection(RequestType.READ_STATE, TestRequests.anonymous(TestRequests.readState(Principal.ANONYMOUS, paths)));
    assertThat(tooMany.reason()).isEqualTo(Reason.TOO_MANY_PATHS);
    assertThat(tooMany).hasMessage("Too many paths in read state request: got 1001 paths, but at most 1000 are allowed.");

    List<byte[]> deep = new ArrayList<>(Collections.nCopies(127, new byte[] {1}));
    assertThat(decoder.decodeReadState(TestRequests.anonymous(TestRequests.readState(Principal.ANONYMOUS, List.of(deep))))).isNotNull();
    deep.add(new byte[] {1});
    IngressRejection tooDeep = rejection(RequestType.READ_STATE, TestRequests.anonymous(TestRequests.readState(Principal.ANONYMOUS, List.of(deep))));
    assertThat(tooDeep.reason()).isEqualTo(Reason.PATH_TOO_LONG);
    assertThat(tooDeep.httpStatus()).isEqualTo(400);
    assertThat(tooDeep).hasMessageContaining("got 128 labels, but at most 127");
  }

  @Test
  void unknownContentFieldsAreKeptAndCountInTheRequestId() {
    TestRequests.Content content = anonymousCall().set("future_field", CborArray.of(CborValue.unsigned(1)));
    CallContent call = decoder.decodeCall(TestRequests.anonymous(content)).content();
    assertThat(call.fields().has("future_field")).isTrue();
    assertThat(call.requestId()).isEqualTo(content.requestId()).isNotEqualTo(anonymousCall().requestId());
  }

  @Test
  void theSelfDescribeTagIsOptionalUnlessRequired() {
    byte[] untagged = CborEncoder.encode(CborMap.builder().put("content", anonymousCall().toMap()).build());
    assertThat(decoder.decodeCall(untagged).content().methodName()).isEqualTo("greet");
    EnvelopeDecoder strict = new EnvelopeDecoder(EnvelopeLimits.DEFAULT.withRequireSelfDescribeTag(true));
    IngressRejection e = catchThrowableOfType(IngressRejection.class, () -> strict.decodeCall(untagged));
    assertThat(e).hasMessageContaining("55799");
    assertThat(strict.decodeCall(TestRequests.anonymous(anonymousCall())).content().methodName()).isEqualTo("greet");
  }

  @Test
  void malformedDelegationsAreA400() {
    CborMap envelope =
        CborMap.builder()
            .put("content", anonymousCall().toMap())
            .put("sender_delegation", CborArray.of(CborMap.builder().put("signature", new byte[1]).build()))
            .build();
    IngressRejection e = rejection(RequestType.CALL, TestRequests.encode(envelope));
    assertThat(e.reason()).isEqualTo(Reason.MALFORMED);
    assertThat(e).hasMessageContaining("'delegation' is missing");
  }
}
