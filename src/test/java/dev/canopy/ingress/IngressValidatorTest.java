package dev.canopy.ingress;

import static dev.canopy.ingress.TestRequests.CANISTER;
import static dev.canopy.ingress.TestRequests.FOREIGN_CANISTER;
import static dev.canopy.ingress.TestRequests.NOW_NS;
import static dev.canopy.ingress.TestRequests.ONE_MINUTE_NS;
import static dev.canopy.ingress.TestRequests.OTHER_CANISTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.crypto.Delegation;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.EcdsaCurve;
import dev.canopy.crypto.EcdsaSigningKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.SignedDelegation;
import dev.canopy.crypto.SigningKey;
import dev.canopy.ingress.IngressRejection.Reason;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

class IngressValidatorTest {
  /** A subnet admin (any principal will do; this one is a user's self-authenticating id). */
  private static final Principal ADMIN =
      TestRequests.principalOf(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(99)));

  private final DeterministicRandom random = DeterministicRandom.fromSeed(2026);
  private final SigningKey key = Ed25519SigningKey.generate(random);
  private final Principal user = TestRequests.principalOf(key);
  private final EnvelopeDecoder decoder = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
  private static final SubnetId SUBNET =
      new SubnetId(Principal.fromText("tdb26-jop6k-aogll-7ltgs-eruif-6kk7m-qpktf-gdiqx-mxtrf-vb5e6-eqe"));
  private static final SubnetId OTHER_SUBNET = new SubnetId(CanisterId.fromIndex(3).principal());
  private final IngressValidatorConfig config =
      IngressValidatorConfig.builder()
          .subnetId(SUBNET)
          .canisterRange(CanisterId.fromIndex(0).principal(), CanisterId.fromIndex(0xFFFFF).principal())
          .subnetAdmin(ADMIN)
          .build();
  private final IngressValidator validator = new IngressValidator(config);

  private IngressVerdict<CallContent> call(byte[] body, Principal ecid) {
    return validator.validateCall(decoder.decodeCall(body), ecid, NOW_NS);
  }

  private IngressVerdict<QueryContent> query(byte[] body, Principal ecid) {
    return validator.validateQuery(decoder.decodeQuery(body), ecid, NOW_NS);
  }

  private static IngressRejection refusal(ThrowingCallable action) {
    IngressRejection e = catchThrowableOfType(IngressRejection.class, action);
    assertThat(e).as("expected an IngressRejection").isNotNull();
    return e;
  }

  private static <C extends RequestContent> ValidatedRequest<C> accepted(IngressVerdict<C> verdict) {
    assertThat(verdict).isInstanceOf(IngressVerdict.Accepted.class);
    return ((IngressVerdict.Accepted<C>) verdict).request();
  }

  private static NonReplicatedRejection rejected(IngressVerdict<?> verdict) {
    assertThat(verdict).isInstanceOf(IngressVerdict.Rejected.class);
    return ((IngressVerdict.Rejected<?>) verdict).rejection();
  }

  private static byte[] canisterIdArg(String field, Principal p) {
    return CandidArgs.builder()
        .add(
            CandidType.record(
                CandidType.field(field, CandidType.Prim.PRINCIPAL),
                CandidType.field("arg", CandidType.blob())),
            CandidValue.record(
                CandidValue.field(field, CandidValue.principal(p)),
                CandidValue.field("arg", CandidValue.blob(new byte[] {1}))))
        .build()
        .encode();
  }

  // ---- authentication --------------------------------------------------------------------

  @Test
  void signedCallsAreAcceptedForEd25519AndBothEcdsaCurves() {
    for (SigningKey k :
        List.of(key, EcdsaSigningKey.generate(EcdsaCurve.P256, random), EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, random))) {
      byte[] body = TestRequests.signed(TestRequests.call(TestRequests.principalOf(k), CANISTER, "inc", new byte[0]), k);
      ValidatedRequest<CallContent> ok = accepted(call(body, CANISTER));
      assertThat(ok.queriesOnly()).isFalse();
      assertThat(ok.targets().permits(OTHER_CANISTER)).isTrue();
      assertThat(ok.managementTarget()).isEmpty();
    }
  }

  @Test
  void aSignatureOverOtherContentIsA403() {
    TestRequests.Content content = TestRequests.call(user, CANISTER, "inc", new byte[0]);
    byte[] signature = TestRequests.sign(key, content.copy().set("method_name", "dec").requestId());
    byte[] body =
        TestRequests.encode(
            CborMap.builder()
                .put("content", content.toMap())
                .put("sender_pubkey", key.publicKey().toDer())
                .put("sender_sig", signature)
                .build());
    IngressRejection e = refusal(() -> call(body, CANISTER));
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e.reason()).isEqualTo(Reason.AUTHENTICATION);
    assertThat(e).hasMessageStartingWith("Invalid signature: ");
  }

  @Test
  void aSenderThatIsNotTheKeysPrincipalIsA403() {
    SigningKey other = Ed25519SigningKey.generate(random);
    byte[] body = TestRequests.signed(TestRequests.call(TestRequests.principalOf(other), CANISTER, "inc", new byte[0]), key);
    IngressRejection e = refusal(() -> call(body, CANISTER));
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e).hasMessageContaining("does not match the public key");
  }

  @Test
  void anonymousRequestsMustNotBeSignedAndOthersMustBe() {
    byte[] signedAnonymous = TestRequests.signed(TestRequests.call(Principal.ANONYMOUS, CANISTER, "inc", new byte[0]), key);
    assertThat(refusal(() -> call(signedAnonymous, CANISTER))).hasMessageStartingWith("Signature is not allowed for the anonymous user");
    byte[] unsigned = TestRequests.anonymous(TestRequests.call(user, CANISTER, "inc", new byte[0]));
    IngressRejection e = refusal(() -> call(unsigned, CANISTER));
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e).hasMessageStartingWith("Missing signature from user: " + user);
  }

  @Test
  void anExpiredDelegationIsA403() {
    SigningKey session = Ed25519SigningKey.generate(random);
    SignedDelegation expired = SignedDelegation.sign(Delegation.of(session.publicKey().toDer(), NOW_NS - 1), key);
    byte[] body = TestRequests.signedBy(TestRequests.call(user, CANISTER, "inc", new byte[0]), key, session, List.of(expired));
    IngressRejection e = refusal(() -> call(body, CANISTER));
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e).hasMessageStartingWith("Invalid delegation expiry: ");
    // The same chain, unexpired, is fine.
    SignedDelegation fresh = SignedDelegation.sign(Delegation.of(session.publicKey().toDer(), NOW_NS), key);
    accepted(call(TestRequests.signedBy(TestRequests.call(user, CANISTER, "inc", new byte[0]), key, session, List.of(fresh)), CANISTER));
  }

  @Test
  void delegationTargetsMustIncludeTheCanisterCalled() {
    SigningKey session = Ed25519SigningKey.generate(random);
    SignedDelegation onlyOther =
        SignedDelegation.sign(
            new Delegation(session.publicKey().toDer(), NOW_NS + ONE_MINUTE_NS, Optional.of(List.of(OTHER_CANISTER)), Optional.empty()),
            key);
    byte[] toCanister = TestRequests.signedBy(TestRequests.call(user, CANISTER, "inc", new byte[0]), key, session, List.of(onlyOther));
    IngressRejection e = refusal(() -> call(toCanister, CANISTER));
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e.reason()).isEqualTo(Reason.DELEGATION_TARGETS);
    assertThat(e).hasMessage("Canister '" + CANISTER + "' is not one of the delegation targets.");
    byte[] toOther = TestRequests.signedBy(TestRequests.call(user, OTHER_CANISTER, "inc", new byte[0]), key, session, List.of(onlyOther));
    ValidatedRequest<CallContent> ok = accepted(call(toOther, OTHER_CANISTER));
    assertThat(ok.targets().permits(CANISTER)).isFalse();
    // Queries are held to the same targets.
    byte[] queryToCanister = TestRequests.signedBy(TestRequests.query(user, CANISTER, "get", new byte[0]), key, session, List.of(onlyOther));
    assertThat(refusal(() -> query(queryToCanister, CANISTER)).reason()).isEqualTo(Reason.DELEGATION_TARGETS);
  }

  @Test
  void aQueriesOnlyDelegationMayQueryButNotCall() {
    SigningKey session = Ed25519SigningKey.generate(random);
    SignedDelegation queriesOnly =
        SignedDelegation.sign(
            new Delegation(session.publicKey().toDer(), NOW_NS + ONE_MINUTE_NS, Optional.empty(), Optional.of("queries")), key);
    byte[] callBody = TestRequests.signedBy(TestRequests.call(user, CANISTER, "inc", new byte[0]), key, session, List.of(queriesOnly));
    IngressRejection e = refusal(() -> call(callBody, CANISTER));
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e.reason()).isEqualTo(Reason.QUERIES_ONLY);
    byte[] queryBody = TestRequests.signedBy(TestRequests.query(user, CANISTER, "get", new byte[0]), key, session, List.of(queriesOnly));
    assertThat(accepted(query(queryBody, CANISTER)).queriesOnly()).isTrue();
  }

  @Test
  void senderInfoIsRefusedUntilCanistersCanReadIt() {
    CborMap info = CborMap.builder().put("info", new byte[] {1}).put("signer", CANISTER.toBytes()).put("sig", new byte[] {2}).build();
    byte[] body = TestRequests.signed(TestRequests.call(user, CANISTER, "inc", new byte[0]).set("sender_info", info), key);
    Envelope<CallContent> envelope = decoder.decodeCall(body);
    assertThat(envelope.content().senderInfo()).isPresent();
    IngressRejection e = refusal(() -> validator.validateCall(envelope, CANISTER, NOW_NS));
    assertThat(e.httpStatus()).isEqualTo(403);
    assertThat(e).hasMessageContaining("sender_info");
  }

  // ---- expiry ----------------------------------------------------------------------------

  @Test
  void anExpiryOutsideTheWindowGetsTheReferenceReplicasExactText() {
    long now = nanos("2025-05-01T23:55:18.005285297Z");
    long provided = nanos("2025-05-01T12:38:00Z");
    byte[] body =
        TestRequests.signed(TestRequests.call(user, CANISTER, "inc", new byte[0]).set("ingress_expiry", CborValue.unsigned(provided)), key);
    IngressRejection e = refusal(() -> validator.validateCall(decoder.decodeCall(body), CANISTER, now));
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.reason()).isEqualTo(Reason.INVALID_EXPIRY);
    assertThat(e)
        .hasMessage(
            "Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry:"
                + " 2025-05-01 23:55:18.005285297 UTC, Maximum allowed expiry: 2025-05-02 00:00:48.005285297 UTC,"
                + " Provided expiry:        2025-05-01 12:38:00 UTC");
  }

  @Test
  void theWindowIsNowToNowPlusFiveMinutesThirtySecondsInclusive() {
    long max = NOW_NS + 5 * ONE_MINUTE_NS + 30_000_000_000L;
    for (long expiry : new long[] {NOW_NS, max}) {
      byte[] body = TestRequests.signed(TestRequests.call(user, CANISTER, "inc", new byte[0]).set("ingress_expiry", CborValue.unsigned(expiry)), key);
      accepted(call(body, CANISTER));
    }
    for (long expiry : new long[] {NOW_NS - 1, max + 1, 0}) {
      byte[] body = TestRequests.signed(TestRequests.call(user, CANISTER, "inc", new byte[0]).set("ingress_expiry", CborValue.unsigned(expiry)), key);
      assertThat(refusal(() -> call(body, CANISTER))).hasMessageStartingWith(IngressExpiry.MESSAGE_PREFIX);
    }
    byte[] farFuture =
        TestRequests.signed(TestRequests.call(user, CANISTER, "inc", new byte[0]).set("ingress_expiry", CborValue.UnsignedInt.ofUnsignedBits(-1L)), key);
    assertThat(refusal(() -> call(farFuture, CANISTER))).hasMessageEndingWith("Provided expiry:        18446744073709551615ns");
  }

  @Test
  void timesPrintAsChronoPrintsThem() {
    assertThat(IngressExpiry.formatTime(0)).isEqualTo("1970-01-01 00:00:00 UTC");
    assertThat(IngressExpiry.formatTime(1_500_000_000L)).isEqualTo("1970-01-01 00:00:01.500 UTC");
    assertThat(IngressExpiry.formatTime(1_000_250_000L)).isEqualTo("1970-01-01 00:00:01.000250 UTC");
    assertThat(IngressExpiry.formatTime(1_000_000_007L)).isEqualTo("1970-01-01 00:00:01.000000007 UTC");
    assertThat(IngressExpiry.formatTime(Long.MAX_VALUE)).isEqualTo("2262-04-11 23:47:16.854775807 UTC");
  }

  @Test
  void anonymousQueriesAndReadStateMayCarryAnyExpiryButSignedOnesMayNot() {
    long old = NOW_NS - 60 * ONE_MINUTE_NS;
    byte[] anonymousQuery =
        TestRequests.anonymous(TestRequests.query(Principal.ANONYMOUS, CANISTER, "get", new byte[0]).set("ingress_expiry", CborValue.unsigned(old)));
    accepted(query(anonymousQuery, CANISTER));
    byte[] anonymousReadState =
        TestRequests.anonymous(TestRequests.readState(Principal.ANONYMOUS, List.of(List.of("time".getBytes()))).set("ingress_expiry", CborValue.unsigned(old)));
    assertThat(validator.validateCanisterReadState(decoder.decodeReadState(anonymousReadState), CANISTER, NOW_NS).content().paths()).hasSize(1);

    byte[] signedQuery =
        TestRequests.signed(TestRequests.query(user, CANISTER, "get", new byte[0]).set("ingress_expiry", CborValue.unsigned(old)), key);
    assertThat(refusal(() -> query(signedQuery, CANISTER))).hasMessageStartingWith(IngressExpiry.MESSAGE_PREFIX);
    byte[] signedReadState =
        TestRequests.signed(TestRequests.readState(user, List.of(List.of("time".getBytes()))).set("ingress_expiry", CborValue.unsigned(old)), key);
    assertThat(refusal(() -> validator.validateReadState(decoder.decodeReadState(signedReadState), NOW_NS)).reason())
        .isEqualTo(Reason.INVALID_EXPIRY);
    byte[] anonymousCall =
        TestRequests.anonymous(TestRequests.call(Principal.ANONYMOUS, CANISTER, "inc", new byte[0]).set("ingress_expiry", CborValue.unsigned(old)));
    assertThat(refusal(() -> call(anonymousCall, CANISTER)).reason()).isEqualTo(Reason.INVALID_EXPIRY);
  }

  @Test
  void readStateReturnsTheDelegationTargetsForThePathRules() {
    SigningKey session = Ed25519SigningKey.generate(random);
    SignedDelegation onlyOther =
        SignedDelegation.sign(
            new Delegation(session.publicKey().toDer(), NOW_NS + ONE_MINUTE_NS, Optional.of(List.of(OTHER_CANISTER)), Optional.empty()), key);
    byte[] body = TestRequests.signedBy(TestRequests.readState(user, List.of(List.of("time".getBytes()))), key, session, List.of(onlyOther));
    ValidatedRequest<ReadStateContent> ok = validator.validateReadState(decoder.decodeReadState(body), NOW_NS);
    assertThat(ok.targets().permits(OTHER_CANISTER)).isTrue();
    assertThat(ok.targets().permits(CANISTER)).isFalse();
  }

  // ---- effective canister id -------------------------------------------------------------

  @Test
  void aRegularCanistersEffectiveIdMustBeItsCanisterId() {
    byte[] callBody = TestRequests.signed(TestRequests.call(user, CANISTER, "inc", new byte[0]), key);
    IngressRejection e = refusal(() -> call(callBody, OTHER_CANISTER));
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.reason()).isEqualTo(Reason.EFFECTIVE_CANISTER_ID_MISMATCH);
    assertThat(e).hasMessage("Specified CanisterId " + CANISTER + " does not match effective canister id in URL " + OTHER_CANISTER);
    byte[] queryBody = TestRequests.anonymous(TestRequests.query(Principal.ANONYMOUS, CANISTER, "get", new byte[0]));
    assertThat(refusal(() -> query(queryBody, OTHER_CANISTER)).reason()).isEqualTo(Reason.EFFECTIVE_CANISTER_ID_MISMATCH);
  }

  @Test
  void anEffectiveIdOutsideTheSubnetsRangesIsA400() {
    byte[] body = TestRequests.signed(TestRequests.call(user, FOREIGN_CANISTER, "inc", new byte[0]), key);
    IngressRejection e = refusal(() -> call(body, FOREIGN_CANISTER));
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.reason()).isEqualTo(Reason.EFFECTIVE_CANISTER_ID_NOT_HOSTED);
    assertThat(refusal(() -> validator.validateCanisterReadState(
            decoder.decodeReadState(TestRequests.anonymous(TestRequests.readState(Principal.ANONYMOUS, List.of()))), FOREIGN_CANISTER, NOW_NS))
        .reason()).isEqualTo(Reason.EFFECTIVE_CANISTER_ID_NOT_HOSTED);
  }

  @Test
  void managementCallsTakeTheirEffectiveIdFromTheCandidCanisterId() {
    byte[] body = TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "install_code", canisterIdArg("canister_id", CANISTER)), key);
    ValidatedRequest<CallContent> ok = accepted(call(body, CANISTER));
    assertThat(ok.managementTarget()).hasValue(CANISTER);
    IngressRejection e = refusal(() -> call(body, OTHER_CANISTER));
    assertThat(e.httpStatus()).isEqualTo(400);
    assertThat(e.reason()).isEqualTo(Reason.EFFECTIVE_CANISTER_ID_MISMATCH);
    assertThat(e).hasMessageContaining("targets canister " + CANISTER);
  }

  @Test
  void installChunkedCodeTakesItsEffectiveIdFromTargetCanister() {
    byte[] arg =
        CandidArgs.builder()
            .add(
                CandidType.record(
                    CandidType.field("target_canister", CandidType.Prim.PRINCIPAL),
                    CandidType.field("store_canister", CandidType.opt(CandidType.Prim.PRINCIPAL)),
                    CandidType.field("wasm_module_hash", CandidType.blob())),
                CandidValue.record(
                    CandidValue.field("target_canister", CandidValue.principal(CANISTER)),
                    CandidValue.field("store_canister", new CandidValue.Opt(CandidValue.principal(OTHER_CANISTER))),
                    CandidValue.field("wasm_module_hash", CandidValue.blob(new byte[32]))))
            .build()
            .encode();
    byte[] body = TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "install_chunked_code", arg), key);
    assertThat(accepted(call(body, CANISTER)).managementTarget()).hasValue(CANISTER);
    assertThat(refusal(() -> call(body, OTHER_CANISTER)).reason()).isEqualTo(Reason.EFFECTIVE_CANISTER_ID_MISMATCH);
    // target_canister counts only for install_chunked_code: another method with the same argument has no canister_id.
    byte[] other = TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "install_code", arg), key);
    assertThat(rejected(call(other, CANISTER)).errorCode()).isEqualTo(NonReplicatedRejection.INVALID_MANAGEMENT_PAYLOAD);
  }

  @Test
  void aManagementArgumentWithoutACanisterIdIsRejectedWhateverTheEffectiveId() {
    for (byte[] arg : new byte[][] {canisterIdArg("other_field", CANISTER), {1, 2, 3}, CandidArgs.EMPTY.encode()}) {
      byte[] body = TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "update_settings", arg), key);
      NonReplicatedRejection r = rejected(call(body, CANISTER));
      assertThat(r.rejectCode()).isEqualTo(4);
      assertThat(r.errorCode()).isEqualTo("IC0408");
      assertThat(r.message()).startsWith("Failed to decode payload for ic00 method: update_settings");
    }
  }

  @Test
  void methodsUsersMayNeverCallAreRejectedWithRejectSemantics() {
    for (String method :
        List.of("raw_rand", "deposit_cycles", "http_request", "ecdsa_public_key", "sign_with_ecdsa", "schnorr_public_key",
            "sign_with_schnorr", "vetkd_public_key", "vetkd_derive_key", "canister_info", "canister_metadata", "bitcoin_get_balance")) {
      byte[] body = TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, method, canisterIdArg("canister_id", CANISTER)), key);
      NonReplicatedRejection r = rejected(call(body, CANISTER));
      assertThat(r.rejectCode()).as(method).isEqualTo(NonReplicatedRejection.CANISTER_REJECT);
      assertThat(r.errorCode()).isEqualTo(NonReplicatedRejection.CANISTER_REJECTED_MESSAGE);
      assertThat(r.message()).isEqualTo("Only canisters can call ic00 method " + method);
    }
  }

  @Test
  void createCanisterIsForSubnetAdminsAndTheProvisionalApiAcceptsAnyHostedEffectiveId() {
    byte[] byUser = TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "create_canister", CandidArgs.EMPTY.encode()), key);
    NonReplicatedRejection r = rejected(call(byUser, CANISTER));
    assertThat(r.errorCode()).isEqualTo("IC0406");
    assertThat(r.message()).contains("create_canister");

    byte[] byAdmin = TestRequests.anonymous(TestRequests.call(ADMIN, Principal.MANAGEMENT_CANISTER, "create_canister", CandidArgs.EMPTY.encode()));
    // An admin must still authenticate; the anonymous-shaped envelope lacks a signature.
    assertThat(refusal(() -> call(byAdmin, CANISTER)).httpStatus()).isEqualTo(403);
    IngressValidator anonymousAdmin =
        new IngressValidator(IngressValidatorConfig.builder().canisterRanges(config.canisterRanges()).subnetAdmin(Principal.ANONYMOUS).build());
    byte[] anonymousCreate = TestRequests.anonymous(TestRequests.call(Principal.ANONYMOUS, Principal.MANAGEMENT_CANISTER, "create_canister", CandidArgs.EMPTY.encode()));
    assertThat(accepted(anonymousAdmin.validateCall(decoder.decodeCall(anonymousCreate), OTHER_CANISTER, NOW_NS)).managementTarget()).isEmpty();

    byte[] provisional =
        TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "provisional_create_canister_with_cycles", CandidArgs.EMPTY.encode()), key);
    accepted(call(provisional, CanisterId.fromIndex(12345).principal()));
    assertThat(refusal(() -> call(provisional, FOREIGN_CANISTER)).reason()).isEqualTo(Reason.EFFECTIVE_CANISTER_ID_NOT_HOSTED);
    IngressValidator mainnetLike =
        new IngressValidator(IngressValidatorConfig.builder().canisterRanges(config.canisterRanges()).provisionalApiEnabled(false).build());
    NonReplicatedRejection closed = rejected(mainnetLike.validateCall(decoder.decodeCall(provisional), CANISTER, NOW_NS));
    assertThat(closed.message()).contains("is not allowed to call ic00 method provisional_create_canister_with_cycles");
  }

  @Test
  void managementQueriesUseCanisterIdExceptListCanisters() {
    byte[] status = TestRequests.anonymous(TestRequests.query(Principal.ANONYMOUS, Principal.MANAGEMENT_CANISTER, "canister_status", canisterIdArg("canister_id", CANISTER)));
    assertThat(accepted(query(status, CANISTER)).managementTarget()).hasValue(CANISTER);
    assertThat(refusal(() -> query(status, OTHER_CANISTER)).reason()).isEqualTo(Reason.EFFECTIVE_CANISTER_ID_MISMATCH);
    byte[] list = TestRequests.anonymous(TestRequests.query(Principal.ANONYMOUS, Principal.MANAGEMENT_CANISTER, "list_canisters", CandidArgs.EMPTY.encode()));
    accepted(query(list, OTHER_CANISTER));
    byte[] noTarget = TestRequests.anonymous(TestRequests.query(Principal.ANONYMOUS, Principal.MANAGEMENT_CANISTER, "fetch_canister_logs", CandidArgs.EMPTY.encode()));
    assertThat(rejected(query(noTarget, CANISTER)).errorCode()).isEqualTo("IC0408");
  }

  private static long nanos(String instant) {
    Instant i = Instant.parse(instant);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  // ---- subnet endpoints ------------------------------------------------------------------

  @Test
  void theSubnetCallEndpointServesOnlyCanisterCreationOnThisSubnet() {
    byte[] provisional =
        TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "provisional_create_canister_with_cycles", CandidArgs.EMPTY.encode()), key);
    accepted(validator.validateSubnetCall(decoder.decodeCall(provisional), SUBNET, NOW_NS));
    IngressRejection wrongSubnet = refusal(() -> validator.validateSubnetCall(decoder.decodeCall(provisional), OTHER_SUBNET, NOW_NS));
    assertThat(wrongSubnet.httpStatus()).isEqualTo(400);
    assertThat(wrongSubnet.reason()).isEqualTo(Reason.EFFECTIVE_SUBNET_ID);
    byte[] byUser = TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "create_canister", CandidArgs.EMPTY.encode()), key);
    assertThat(rejected(validator.validateSubnetCall(decoder.decodeCall(byUser), SUBNET, NOW_NS)).errorCode()).isEqualTo("IC0406");
    byte[] install = TestRequests.signed(TestRequests.call(user, Principal.MANAGEMENT_CANISTER, "install_code", canisterIdArg("canister_id", CANISTER)), key);
    assertThat(refusal(() -> validator.validateSubnetCall(decoder.decodeCall(install), SUBNET, NOW_NS))).hasMessageContaining("only accepts create_canister");
    byte[] regular = TestRequests.signed(TestRequests.call(user, CANISTER, "create_canister", new byte[0]), key);
    assertThat(refusal(() -> validator.validateSubnetCall(decoder.decodeCall(regular), SUBNET, NOW_NS)).reason()).isEqualTo(Reason.EFFECTIVE_SUBNET_ID);
  }

  @Test
  void theSubnetQueryEndpointServesOnlyListCanistersAndSubnetReadStateChecksTheSubnet() {
    byte[] list = TestRequests.anonymous(TestRequests.query(Principal.ANONYMOUS, Principal.MANAGEMENT_CANISTER, "list_canisters", CandidArgs.EMPTY.encode()));
    accepted(validator.validateSubnetQuery(decoder.decodeQuery(list), SUBNET, NOW_NS));
    assertThat(refusal(() -> validator.validateSubnetQuery(decoder.decodeQuery(list), OTHER_SUBNET, NOW_NS)).reason()).isEqualTo(Reason.EFFECTIVE_SUBNET_ID);
    byte[] status = TestRequests.anonymous(TestRequests.query(Principal.ANONYMOUS, Principal.MANAGEMENT_CANISTER, "canister_status", canisterIdArg("canister_id", CANISTER)));
    assertThat(refusal(() -> validator.validateSubnetQuery(decoder.decodeQuery(status), SUBNET, NOW_NS))).hasMessageContaining("only accepts list_canisters");
    byte[] readState = TestRequests.anonymous(TestRequests.readState(Principal.ANONYMOUS, List.of(List.of("subnet".getBytes()))));
    assertThat(validator.validateSubnetReadState(decoder.decodeReadState(readState), SUBNET, NOW_NS).content().paths()).hasSize(1);
    assertThat(refusal(() -> validator.validateSubnetReadState(decoder.decodeReadState(readState), OTHER_SUBNET, NOW_NS)).httpStatus()).isEqualTo(400);
    IngressValidator noSubnet = new IngressValidator(IngressValidatorConfig.builder().canisterRanges(config.canisterRanges()).build());
    assertThat(refusal(() -> noSubnet.validateSubnetQuery(decoder.decodeQuery(list), SUBNET, NOW_NS)).reason()).isEqualTo(Reason.EFFECTIVE_SUBNET_ID);
  }
}
