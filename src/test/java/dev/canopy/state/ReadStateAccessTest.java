package dev.canopy.state;

import dev.canopy.crypto.TargetRestriction;
import dev.canopy.types.CanisterIdRange;
import static dev.canopy.state.CertifiedStateTreeTest.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.state.ReadStateAccess.ApiVersion;
import dev.canopy.state.ReadStateAccessException.Reason;
import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LeafPath;
import dev.canopy.types.hashtree.LookupResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReadStateAccessTest {
  static final CanisterId A = CanisterId.fromIndex(1);
  static final CanisterId B = CanisterId.fromIndex(2);
  /** A canister outside the subnet's ranges. */
  static final CanisterId FOREIGN = CanisterId.fromIndex(0x200000);
  static final Principal ALICE = TestState.user(1);
  static final Principal BOB = TestState.user(2);
  static final SubnetId OTHER_SUBNET = new SubnetId(Principal.selfAuthenticating(new byte[] {9}));
  static final RequestId ALICES_CALL = TestState.rid(1);
  static final RequestId SUBNET_CALL = TestState.rid(2);

  TestState state;
  CertifiedStateTree tree;
  final ReadStateAccess access = new ReadStateAccess(TestState.SUBNET);

  @BeforeEach
  void setUp() {
    state = new TestState();
    TreeMap<String, MetadataSection> metadata = new TreeMap<>();
    metadata.put("candid:service", MetadataSection.publicSection(new byte[] {1}));
    metadata.put("secret", MetadataSection.privateSection(new byte[] {2}));
    state.canisters.put(
        A,
        new CanisterCertifiedState(
            new byte[] {7}, Optional.of(new byte[32]), List.of(ALICE), metadata, OptionalLong.of(1), OptionalLong.of(2)));
    state.canisters.put(B, CanisterCertifiedState.empty(List.of(BOB), 1));
    state.subnets.put(
        OTHER_SUBNET,
        TestState.subnetInfo(
            List.of(new CanisterIdRange(CanisterId.fromIndex(0x200000), CanisterId.fromIndex(0x2fffff))),
            Optional.empty()));
    long t = state.timeNanos;
    state.history.receive(ALICES_CALL, ALICE, EffectiveId.canister(A), t + 1, t);
    state.history.setStatus(ALICES_CALL, new RequestStatus.Replied(new byte[] {42}), t);
    state.history.receive(SUBNET_CALL, ALICE, EffectiveId.subnet(TestState.SUBNET), t + 1, t);
    tree = new CertifiedStateTreeBuilder().build(state);
  }

  @SafeVarargs
  private ReadStatePlan check(ApiVersion v, EffectiveId endpoint, Principal sender, List<Label>... paths) {
    return access.check(tree, new ReadStateAccess.Request(v, endpoint, sender, List.of(paths)));
  }

  @SafeVarargs
  private ReadStatePlan canister(Principal sender, List<Label>... paths) {
    return check(ApiVersion.V3, EffectiveId.canister(A), sender, paths);
  }

  @SafeVarargs
  private ReadStatePlan subnet(Principal sender, List<Label>... paths) {
    return check(ApiVersion.V3, EffectiveId.subnet(TestState.SUBNET), sender, paths);
  }

  static void assertDenied(Runnable r, Reason reason, int httpStatus) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            ReadStateAccessException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(reason);
              assertThat(e.httpStatus()).isEqualTo(httpStatus);
              assertThat(e.getMessage()).isNotBlank();
            });
  }

  @Test
  void timeIsAlwaysRevealedEvenIfNotRequested() {
    ReadStatePlan plan = canister(BOB);
    assertThat(plan.paths()).containsExactly(List.of(Label.of("time")));
    HashTree w = tree.witness(plan);
    assertThat(w.listPaths()).extracting(LeafPath::path).containsExactly(path("time"));
    assertThat(w.digest()).isEqualTo(tree.rootHash());
    assertThat(subnet(BOB, path("time")).paths()).contains(path("time"));
  }

  @Test
  void aRequestStatusIsReadableOnlyByItsSenderAtItsEffectiveId() {
    ReadStatePlan plan = canister(ALICE, path("request_status", ALICES_CALL));
    HashTree w = tree.witness(plan);
    // Exactly the call's leaves and /time, nothing else, and the same root.
    assertThat(w.listPaths())
        .extracting(LeafPath::path)
        .containsExactly(
            path("request_status", ALICES_CALL, "reply"),
            path("request_status", ALICES_CALL, "status"),
            path("time"));
    assertThat(w.digest()).isEqualTo(tree.rootHash());

    assertDenied(() -> canister(BOB, path("request_status", ALICES_CALL, "status")), Reason.FORBIDDEN, 403);
    assertDenied(
        () -> check(ApiVersion.V3, EffectiveId.canister(B), ALICE, path("request_status", ALICES_CALL)),
        Reason.FORBIDDEN,
        403);
    assertDenied(() -> subnet(ALICE, path("request_status", ALICES_CALL)), Reason.FORBIDDEN, 403);
    // A call made at the subnet endpoint is read there.
    subnet(ALICE, path("request_status", SUBNET_CALL, "status"));
    assertDenied(() -> canister(ALICE, path("request_status", SUBNET_CALL)), Reason.FORBIDDEN, 403);
  }

  @Test
  void delegationTargetsBoundTheCanisterAndRequestStatusPaths() {
    TargetRestriction onlyB = TargetRestriction.ALL.intersect(List.of(B.principal()));
    TargetRestriction onlyA = TargetRestriction.ALL.intersect(List.of(A.principal()));
    EffectiveId atA = EffectiveId.canister(A);
    java.util.function.Function<TargetRestriction, java.util.function.Consumer<List<Label>>> read =
        targets -> path -> access.check(tree,
            new ReadStateAccess.Request(ApiVersion.V3, atA, ALICE, List.of(path), targets));

    read.apply(onlyA).accept(path("canister", A, "module_hash"));
    read.apply(onlyA).accept(path("request_status", ALICES_CALL, "status"));
    assertDenied(() -> read.apply(onlyB).accept(path("canister", A, "module_hash")),
        Reason.FORBIDDEN, 403);
    assertDenied(() -> read.apply(onlyB).accept(path("canister", A, "metadata", "name")),
        Reason.FORBIDDEN, 403);
    assertDenied(() -> read.apply(onlyB).accept(path("request_status", ALICES_CALL)),
        Reason.FORBIDDEN, 403);
    // Paths that name no canister stay readable, and so does an unknown request's absence.
    read.apply(onlyB).accept(path("time"));
    read.apply(onlyB).accept(path("request_status", TestState.rid(0x77)));
    read.apply(onlyB).accept(path("subnet", TestState.SUBNET, "public_key"));
  }

  @Test
  void anUnknownRequestIdMayBeAskedByAnyoneAndIsProvenAbsent() {
    RequestId unknown = TestState.rid(0x99);
    HashTree w = tree.witness(canister(BOB, path("request_status", unknown, "status")));
    assertThat(w.lookup(path("request_status", unknown, "status"))).isEqualTo(LookupResult.ABSENT);
  }

  @Test
  void allRequestStatusPathsMustNameOneRequestId() {
    canister(ALICE, path("request_status", ALICES_CALL, "status"), path("request_status", ALICES_CALL, "reply"));
    assertDenied(
        () -> canister(ALICE, path("request_status", ALICES_CALL), path("request_status", TestState.rid(9))),
        Reason.MIXED_IDS,
        400);
    assertDenied(
        () -> canister(ALICE, path("request_status", new byte[31])), Reason.MALFORMED, 400);
    assertDenied(
        () -> canister(ALICE, path("request_status", ALICES_CALL, "nope")), Reason.INVALID_PATH, 404);
  }

  @Test
  void canisterPathsOnlyForTheEffectiveCanister() {
    for (String field : List.of("module_hash", "controllers", "canister_creation_timestamp", "last_install_timestamp")) {
      HashTree w = tree.witness(canister(BOB, path("canister", A, field)));
      assertThat(w.lookup(path("canister", A, field))).isInstanceOf(LookupResult.Found.class);
      assertDenied(() -> canister(BOB, path("canister", B, field)), Reason.EFFECTIVE_ID_MISMATCH, 400);
      assertDenied(() -> subnet(BOB, path("canister", A, field)), Reason.INVALID_PATH, 404);
    }
    assertDenied(() -> canister(ALICE, path("canister", new byte[30], "module_hash")), Reason.MALFORMED, 400);
  }

  @Test
  void certifiedDataIsNotReadableByUsers() {
    assertDenied(() -> canister(ALICE, path("canister", A, "certified_data")), Reason.INVALID_PATH, 404);
    assertDenied(() -> canister(ALICE, path("canister", A)), Reason.INVALID_PATH, 404);
    assertDenied(() -> canister(ALICE, path("canister")), Reason.INVALID_PATH, 404);
  }

  @Test
  void privateMetadataOnlyForControllers() {
    canister(BOB, path("canister", A, "metadata", "candid:service"));
    canister(ALICE, path("canister", A, "metadata", "secret"));
    assertDenied(() -> canister(BOB, path("canister", A, "metadata", "secret")), Reason.FORBIDDEN, 403);
    // A section the canister does not have may be asked for, and is proven absent.
    HashTree w = tree.witness(canister(BOB, path("canister", A, "metadata", "other")));
    assertThat(w.lookup(path("canister", A, "metadata", "other"))).isEqualTo(LookupResult.ABSENT);
    assertDenied(
        () -> canister(BOB, path("canister", A, "metadata", new byte[] {(byte) 0xff, (byte) 0xfe})),
        Reason.MALFORMED,
        400);
    assertDenied(() -> canister(BOB, path("canister", B, "metadata", "x")), Reason.EFFECTIVE_ID_MISMATCH, 400);
  }

  @Test
  void subnetPathsAreAlwaysAllowedExceptRangesOfOtherSubnetsAtV3AndMetrics() {
    for (ApiVersion v : ApiVersion.values()) {
      check(v, EffectiveId.canister(A), BOB, path("subnet"));
      check(v, EffectiveId.canister(A), BOB, path("subnet", TestState.SUBNET));
      check(v, EffectiveId.canister(A), BOB, path("subnet", TestState.SUBNET, "public_key"));
      check(v, EffectiveId.canister(A), BOB, path("subnet", TestState.SUBNET, "type"));
      check(v, EffectiveId.canister(A), BOB, path("subnet", TestState.SUBNET, "node", TestState.NODE.toBytes(), "public_key"));
      check(v, EffectiveId.canister(A), BOB, path("subnet", TestState.SUBNET, "canister_ranges"));
    }
    check(ApiVersion.V2, EffectiveId.canister(A), BOB, path("subnet", OTHER_SUBNET, "canister_ranges"));
    assertDenied(
        () -> check(ApiVersion.V3, EffectiveId.canister(A), BOB, path("subnet", OTHER_SUBNET, "canister_ranges")),
        Reason.INVALID_PATH,
        404);

    subnet(BOB, path("subnet", TestState.SUBNET, "metrics"));
    assertDenied(() -> canister(BOB, path("subnet", TestState.SUBNET, "metrics")), Reason.INVALID_PATH, 404);
    assertDenied(() -> subnet(BOB, path("subnet", OTHER_SUBNET, "metrics")), Reason.INVALID_PATH, 404);
    assertDenied(() -> canister(BOB, path("subnet", TestState.SUBNET, "nope")), Reason.INVALID_PATH, 404);
  }

  @Test
  void canisterRangesOnlyOnSubnetEndpointsAndForOneSubnet() {
    HashTree w = tree.witness(subnet(BOB, path("canister_ranges", TestState.SUBNET)));
    assertThat(w.lookup(path("canister_ranges", TestState.SUBNET, CanisterId.fromIndex(0))))
        .isInstanceOf(LookupResult.Found.class);
    assertDenied(() -> canister(BOB, path("canister_ranges", TestState.SUBNET)), Reason.INVALID_PATH, 404);
    assertDenied(
        () -> subnet(BOB, path("canister_ranges", TestState.SUBNET), path("canister_ranges", OTHER_SUBNET)),
        Reason.MIXED_IDS,
        400);
  }

  @Test
  void theSubnetSubtreeHidesWhatTheEndpointMayNotSee() {
    // v3, canister endpoint inside our ranges: our node keys and ranges, not the other subnet's.
    HashTree w = tree.witness(canister(BOB, path("subnet")));
    assertThat(w.lookup(path("subnet", TestState.SUBNET, "node", TestState.NODE.toBytes(), "public_key")))
        .isInstanceOf(LookupResult.Found.class);
    assertThat(w.lookup(path("subnet", TestState.SUBNET, "canister_ranges"))).isInstanceOf(LookupResult.Found.class);
    assertThat(w.lookup(path("subnet", TestState.SUBNET, "metrics"))).isInstanceOf(LookupResult.Found.class);
    assertThat(w.lookup(path("subnet", OTHER_SUBNET, "public_key"))).isInstanceOf(LookupResult.Found.class);
    assertThat(w.lookup(path("subnet", OTHER_SUBNET, "canister_ranges"))).isEqualTo(LookupResult.UNKNOWN);
    assertThat(w.lookup(path("subnet", OTHER_SUBNET, "node", TestState.NODE.toBytes(), "public_key")))
        .isEqualTo(LookupResult.UNKNOWN);
    assertThat(w.digest()).isEqualTo(tree.rootHash());

    // v2 reveals every subnet's ranges.
    HashTree v2 = tree.witness(check(ApiVersion.V2, EffectiveId.canister(A), BOB, path("subnet")));
    assertThat(v2.lookup(path("subnet", OTHER_SUBNET, "canister_ranges"))).isInstanceOf(LookupResult.Found.class);

    // A canister outside our ranges does not see our nodes or metrics.
    HashTree foreign = tree.witness(check(ApiVersion.V3, EffectiveId.canister(FOREIGN), BOB, path("subnet")));
    assertThat(foreign.lookup(path("subnet", TestState.SUBNET, "node", TestState.NODE.toBytes(), "public_key")))
        .isEqualTo(LookupResult.UNKNOWN);
    assertThat(foreign.lookup(path("subnet", TestState.SUBNET, "public_key"))).isInstanceOf(LookupResult.Found.class);
    assertThat(foreign.lookup(path("subnet", OTHER_SUBNET, "node", TestState.NODE.toBytes(), "public_key")))
        .isInstanceOf(LookupResult.Found.class);
  }

  @Test
  void otherPathsAndOversizedRequestsAreRefused() {
    assertDenied(() -> canister(BOB, path("foo")), Reason.INVALID_PATH, 404);
    assertDenied(() -> canister(BOB, new ArrayList<Label>()), Reason.INVALID_PATH, 404);
    assertDenied(() -> canister(BOB, path("time", "x")), Reason.INVALID_PATH, 404);
    canister(BOB, path("api_boundary_nodes"));
    canister(BOB, path("api_boundary_nodes", new byte[] {1}, "domain"));
    List<Label> longPath = new ArrayList<>(Collections.nCopies(128, Label.of("subnet")));
    assertDenied(() -> canister(BOB, longPath), Reason.MALFORMED, 400);
    List<List<Label>> many = new ArrayList<>(Collections.nCopies(1001, path("time")));
    assertDenied(
        () -> access.check(tree, new ReadStateAccess.Request(ApiVersion.V3, EffectiveId.canister(A), BOB, many)),
        Reason.MALFORMED,
        400);
  }
}
