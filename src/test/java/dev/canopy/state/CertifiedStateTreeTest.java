package dev.canopy.state;

import dev.canopy.types.CanisterIdRange;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hex;
import dev.canopy.types.Leb128;
import dev.canopy.types.Principal;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LabeledTree;
import dev.canopy.types.hashtree.LeafPath;
import dev.canopy.types.hashtree.LookupResult;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CertifiedStateTreeTest {
  static final CanisterId A = CanisterId.fromIndex(1);
  static final CanisterId B = CanisterId.fromIndex(2);
  static final byte[] MODULE_HASH = new byte[32];
  static final byte[] REPLY = "DIDL\u0000\u0000".getBytes(StandardCharsets.US_ASCII);

  TestState state;

  @BeforeEach
  void setUp() {
    Arrays.fill(MODULE_HASH, (byte) 0xab);
    state = new TestState();
    TreeMap<String, MetadataSection> metadata = new TreeMap<>();
    metadata.put("candid:service", MetadataSection.publicSection(utf8("service : {}")));
    metadata.put("secret", MetadataSection.privateSection(utf8("xyz")));
    state.canisters.put(
        A,
        new CanisterCertifiedState(
            utf8("hello"),
            Optional.of(MODULE_HASH),
            List.of(TestState.user(1), TestState.user(2)),
            metadata,
            OptionalLong.of(1000),
            OptionalLong.of(2000)));
    state.canisters.put(B, CanisterCertifiedState.empty(List.of(TestState.user(1)), 3000));
    long t = state.timeNanos;
    IngressHistory h = state.history;
    EffectiveId ecid = EffectiveId.canister(A);
    for (int i = 1; i <= 5; i++) {
      h.receive(TestState.rid(i), TestState.user(1), ecid, t + 60_000_000_000L, t);
    }
    h.setStatus(TestState.rid(2), new RequestStatus.Replied(REPLY), t);
    h.setStatus(TestState.rid(3), new RequestStatus.Rejected(5, "trapped", Optional.of("IC0503")), t);
    h.setStatus(TestState.rid(4), new RequestStatus.Rejected(4, "no", Optional.empty()), t);
    h.setStatus(TestState.rid(5), RequestStatus.PROCESSING, t);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static List<Label> path(Object... labels) {
    List<Label> out = new ArrayList<>();
    for (Object o : labels) {
      if (o instanceof String s) {
        out.add(Label.of(s));
      } else if (o instanceof byte[] b) {
        out.add(Label.of(b));
      } else if (o instanceof CanisterId c) {
        out.add(Label.of(c.toBytes()));
      } else if (o instanceof RequestId r) {
        out.add(Label.of(r.toBytes()));
      } else {
        out.add(Label.of(((dev.canopy.types.SubnetId) o).toBytes()));
      }
    }
    return out;
  }

  static byte[] found(HashTree tree, List<Label> path) {
    LookupResult r = tree.lookup(path);
    assertThat(r).as("lookup of %s", path).isInstanceOf(LookupResult.Found.class);
    return ((LookupResult.Found) r).value();
  }

  @Test
  void everyPathHasTheSpecEncoding() {
    HashTree t = new CertifiedStateTreeBuilder().build(state).toHashTree();

    assertThat(found(t, path("time"))).isEqualTo(Leb128.encodeUnsigned(state.timeNanos));

    assertThat(found(t, path("canister", A, "certified_data"))).isEqualTo(utf8("hello"));
    assertThat(found(t, path("canister", A, "module_hash"))).isEqualTo(MODULE_HASH);
    byte[] controllers = found(t, path("canister", A, "controllers"));
    assertThat(Hex.encode(controllers)).startsWith("d9d9f7");
    assertThat(CborDecoder.DEFAULT.decode(controllers))
        .isEqualTo(
            CborArray.of(
                CborValue.bytes(TestState.user(1).toBytes()),
                CborValue.bytes(TestState.user(2).toBytes())));
    assertThat(found(t, path("canister", A, "metadata", "candid:service"))).isEqualTo(utf8("service : {}"));
    assertThat(found(t, path("canister", A, "metadata", "secret"))).isEqualTo(utf8("xyz"));
    assertThat(found(t, path("canister", A, "canister_creation_timestamp"))).isEqualTo(Leb128.encodeUnsigned(1000));
    assertThat(found(t, path("canister", A, "last_install_timestamp"))).isEqualTo(Leb128.encodeUnsigned(2000));

    // An empty canister: no module hash, no install time, empty certified data.
    assertThat(t.lookup(path("canister", B, "module_hash"))).isEqualTo(LookupResult.ABSENT);
    assertThat(t.lookup(path("canister", B, "last_install_timestamp"))).isEqualTo(LookupResult.ABSENT);
    assertThat(found(t, path("canister", B, "certified_data"))).isEmpty();
    assertThat(found(t, path("canister", B, "canister_creation_timestamp"))).isEqualTo(Leb128.encodeUnsigned(3000));

    assertThat(found(t, path("request_status", TestState.rid(1), "status"))).isEqualTo(utf8("received"));
    assertThat(found(t, path("request_status", TestState.rid(2), "status"))).isEqualTo(utf8("replied"));
    assertThat(found(t, path("request_status", TestState.rid(2), "reply"))).isEqualTo(REPLY);
    assertThat(found(t, path("request_status", TestState.rid(3), "status"))).isEqualTo(utf8("rejected"));
    assertThat(found(t, path("request_status", TestState.rid(3), "reject_code"))).isEqualTo(new byte[] {5});
    assertThat(found(t, path("request_status", TestState.rid(3), "reject_message"))).isEqualTo(utf8("trapped"));
    assertThat(found(t, path("request_status", TestState.rid(3), "error_code"))).isEqualTo(utf8("IC0503"));
    assertThat(t.lookup(path("request_status", TestState.rid(4), "error_code"))).isEqualTo(LookupResult.ABSENT);
    assertThat(t.lookup(path("request_status", TestState.rid(3), "reply"))).isEqualTo(LookupResult.ABSENT);
    assertThat(found(t, path("request_status", TestState.rid(5), "status"))).isEqualTo(utf8("processing"));

    assertThat(found(t, path("subnet", TestState.SUBNET, "public_key"))).isEqualTo(TestState.SUBNET_KEY_DER);
    assertThat(found(t, path("subnet", TestState.SUBNET, "type"))).isEqualTo(utf8("application"));
    assertThat(found(t, path("subnet", TestState.SUBNET, "node", TestState.NODE.toBytes(), "public_key")))
        .isEqualTo(TestState.NODE_KEY_DER);
    assertThat(decodeRanges(found(t, path("subnet", TestState.SUBNET, "canister_ranges"))))
        .containsExactlyElementsOf(TestState.RANGES);
    assertThat(
            decodeRanges(
                found(t, path("canister_ranges", TestState.SUBNET, CanisterId.fromIndex(0)))))
        .containsExactlyElementsOf(TestState.RANGES);
    CborMap metrics = (CborMap) CborDecoder.builder().textKeysOnly(false).build()
        .decode(found(t, path("subnet", TestState.SUBNET, "metrics")));
    assertThat(metrics.entries())
        .containsEntry(CborValue.unsigned(0), CborValue.unsigned(3))
        .containsEntry(CborValue.unsigned(1), CborValue.unsigned(1024))
        .containsEntry(CborValue.unsigned(3), CborValue.unsigned(42));
    assertThat(((CborMap) metrics.entries().get(CborValue.unsigned(2))).entries())
        .containsEntry(CborValue.unsigned(0), CborValue.unsigned(10))
        .containsEntry(CborValue.unsigned(1), CborValue.unsigned(0));
  }

  /** dfinity/ic's canonical_encoding_subnet_metrics vector: 5 canisters, 5 MiB, 250e9 cycles, 4200. */
  @Test
  void subnetMetricsAreEncodedAsTheReferenceReplicaEncodesThem() {
    byte[] encoded = CertifiedStateTreeBuilder.encodeMetrics(new SubnetMetrics(
        5, 5 * 1024 * 1024, BigInteger.valueOf(250_000_000_000L), 4200));
    assertThat(Hex.encode(encoded)).isEqualTo(
        "a40005011a00500000" + "02a2001b0000003a352944000100" + "03191068");
    byte[] wide = CertifiedStateTreeBuilder.encodeMetrics(new SubnetMetrics(
        0, 0, BigInteger.ONE.shiftLeft(64).add(BigInteger.TWO), 0));
    assertThat(Hex.encode(wide)).isEqualTo("a400000100" + "02a20002" + "0101" + "0300");
  }

  static List<CanisterIdRange> decodeRanges(byte[] cbor) {
    assertThat(Hex.encode(cbor)).startsWith("d9d9f7");
    List<CanisterIdRange> out = new ArrayList<>();
    for (CborValue v : CborDecoder.DEFAULT.decode(cbor).asArray("ranges").items()) {
      CborArray r = v.asArray("range");
      out.add(
          new CanisterIdRange(
              CanisterId.fromBytes(r.get(0).asBytes("start")), CanisterId.fromBytes(r.get(1).asBytes("end"))));
    }
    return out;
  }

  @Test
  void rootHashIsTheHashOfTheSameDataBuiltAsALabeledTree() {
    CertifiedStateTree tree = new CertifiedStateTreeBuilder().build(state);
    LabeledTree.Node.Builder canisters = LabeledTree.node();
    state.canisters.forEach(
        (id, c) -> {
          LabeledTree.Node.Builder n =
              LabeledTree.node()
                  .put("certified_data", LabeledTree.leaf(c.certifiedData()))
                  .put("controllers", LabeledTree.leaf(CertifiedStateTreeBuilder.encodeControllers(c.controllers())));
          c.moduleHash().ifPresent(h -> n.put("module_hash", LabeledTree.leaf(h)));
          if (!c.metadata().isEmpty()) {
            LabeledTree.Node.Builder m = LabeledTree.node();
            c.metadata().forEach((name, s) -> m.put(name, LabeledTree.leaf(s.content())));
            n.put("metadata", m.build());
          }
          c.creationTimestampNanos().ifPresent(ts -> n.put("canister_creation_timestamp", LabeledTree.leaf(Leb128.encodeUnsigned(ts))));
          c.lastInstallTimestampNanos().ifPresent(ts -> n.put("last_install_timestamp", LabeledTree.leaf(Leb128.encodeUnsigned(ts))));
          canisters.put(id.toBytes(), n.build());
        });
    // Note: /request_status is the one node whose forks are a bit trie on the request ids, not
    // balanced over their positions, so that its shape depends only on the set of ids and a height
    // re-hashes only the paths of the ids it changed (RequestStatusTrie); the lookups are the same.
    LabeledTree.Node.Builder statuses = LabeledTree.node().bitTrie();
    state.history.entries().forEach(
        (rid, e) -> {
          LabeledTree.Node.Builder n = LabeledTree.node().put("status", LabeledTree.leaf(e.status().label()));
          if (e.status() instanceof RequestStatus.Replied r) {
            n.put("reply", LabeledTree.leaf(r.reply()));
          } else if (e.status() instanceof RequestStatus.Rejected r) {
            n.put("reject_code", LabeledTree.leaf(Leb128.encodeUnsigned(r.rejectCode())));
            n.put("reject_message", LabeledTree.leaf(r.message()));
            r.errorCode().ifPresent(code -> n.put("error_code", LabeledTree.leaf(code)));
          }
          statuses.put(rid.toBytes(), n.build());
        });
    SubnetInfo info = state.subnets.get(TestState.SUBNET);
    LabeledTree subnet =
        LabeledTree.node()
            .put("public_key", LabeledTree.leaf(info.publicKeyDer()))
            .put("type", LabeledTree.leaf("application"))
            .put("canister_ranges", LabeledTree.leaf(CertifiedStateTreeBuilder.encodeRanges(info.canisterRanges())))
            .put("metrics", LabeledTree.leaf(CertifiedStateTreeBuilder.encodeMetrics(info.metrics().orElseThrow())))
            .put(
                "node",
                LabeledTree.node()
                    .put(TestState.NODE.toBytes(), LabeledTree.node().put("public_key", LabeledTree.leaf(TestState.NODE_KEY_DER)).build())
                    .build())
            .build();
    LabeledTree expected =
        LabeledTree.node()
            .put("time", LabeledTree.leaf(Leb128.encodeUnsigned(state.timeNanos)))
            .put("canister", canisters.build())
            .put("request_status", statuses.build())
            .put("subnet", LabeledTree.node().put(TestState.SUBNET.toBytes(), subnet).build())
            .put(
                "canister_ranges",
                LabeledTree.node()
                    .put(
                        TestState.SUBNET.toBytes(),
                        LabeledTree.node()
                            .put(CanisterId.fromIndex(0).toBytes(), LabeledTree.leaf(CertifiedStateTreeBuilder.encodeRanges(TestState.RANGES)))
                            .build())
                    .build())
            .build();
    HashTree reference = HashTree.fromLabeledTree(expected);
    assertThat(tree.toHashTree()).isEqualTo(reference);
    assertThat(tree.rootHash()).isEqualTo(reference.digest());
  }

  @Test
  void labelsAreInByteLexicographicOrderAndTheTreeIsWellFormed() {
    // Ids of different lengths and high bytes: unsigned byte order, not length-first.
    state.canisters.put(CanisterId.fromBytes(new byte[] {(byte) 0xff}), CanisterCertifiedState.empty(List.of(), 1));
    state.canisters.put(CanisterId.fromBytes(new byte[] {0x00, (byte) 0xff, 0x01}), CanisterCertifiedState.empty(List.of(), 1));
    state.canisters.put(CanisterId.fromBytes(new byte[] {(byte) 0x80}), CanisterCertifiedState.empty(List.of(), 1));
    HashTree t = new CertifiedStateTreeBuilder().build(state).toHashTree();
    HashTree decoded = HashTree.decode(t.encode()); // checks strictly increasing labels
    assertThat(decoded.digest()).isEqualTo(t.digest());
    List<byte[]> canisterLabels =
        t.listPaths().stream()
            .filter(p -> p.path().get(0).equals(Label.of("canister")))
            .map(p -> p.path().get(1).toBytes())
            .distinct()
            .toList();
    List<String> seen = canisterLabels.stream().map(Hex::encode).distinct().toList();
    List<String> sorted = new ArrayList<>(seen);
    sorted.sort((x, y) -> Arrays.compareUnsigned(Hex.decode(x), Hex.decode(y)));
    assertThat(seen).containsExactlyElementsOf(sorted);
    assertThat(seen.get(seen.size() - 1)).isEqualTo("ff");
  }

  @Test
  void canisterRangesAreShardedByTheirFirstCanisterId() {
    List<CanisterIdRange> ranges = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ranges.add(new CanisterIdRange(CanisterId.fromIndex(i * 100L), CanisterId.fromIndex(i * 100L + 9)));
    }
    state.subnets.put(TestState.SUBNET, TestState.subnetInfo(ranges, Optional.empty()));
    HashTree t = new CertifiedStateTreeBuilder(2).build(state).toHashTree();
    List<LeafPath> shards =
        t.listPaths().stream().filter(p -> p.path().get(0).equals(Label.of("canister_ranges"))).toList();
    assertThat(shards).hasSize(3);
    List<CanisterIdRange> union = new ArrayList<>();
    for (LeafPath shard : shards) {
      List<CanisterIdRange> inShard = decodeRanges(shard.value());
      assertThat(inShard).isNotEmpty().hasSizeLessThanOrEqualTo(2);
      assertThat(shard.path().get(2)).isEqualTo(Label.of(inShard.get(0).start().toBytes()));
      union.addAll(inShard);
    }
    assertThat(union).containsExactlyElementsOf(ranges);
    assertThat(t.lookup(path("subnet", TestState.SUBNET, "metrics"))).isEqualTo(LookupResult.ABSENT);
  }

  @Test
  void unchangedCanistersAndStatusesAreReusedAndChangesReachTheRoot() {
    CertifiedStateTreeBuilder builder = new CertifiedStateTreeBuilder();
    CertifiedStateTree first = builder.build(state);
    CertifiedStateTree second = builder.build(state);
    assertThat(builder.reusedSubtreesInLastBuild()).isEqualTo(2 + 5);
    assertThat(second.rootHash()).isEqualTo(first.rootHash());

    CanisterCertifiedState b = state.canisters.get(B);
    state.canisters.put(
        B,
        new CanisterCertifiedState(
            utf8("new"), b.moduleHash(), b.controllers(), b.metadata(), b.creationTimestampNanos(), b.lastInstallTimestampNanos()));
    state.history.setStatus(TestState.rid(5), new RequestStatus.Replied(new byte[] {1}), state.timeNanos);
    CertifiedStateTree third = builder.build(state);
    assertThat(builder.reusedSubtreesInLastBuild()).isEqualTo(1 + 4);
    assertThat(third.rootHash()).isNotEqualTo(second.rootHash());
    // The cache never changes the answer: a fresh builder agrees.
    assertThat(third.rootHash()).isEqualTo(new CertifiedStateTreeBuilder().build(state).rootHash());
    assertThat(found(third.toHashTree(), path("canister", B, "certified_data"))).isEqualTo(utf8("new"));
  }

  @Test
  void aReusingBuilderAgreesWithAFreshOneOverManyHeights() {
    long seed = 0xcafe_f00dL;
    SplittableRandom random = new SplittableRandom(seed);
    CertifiedStateTreeBuilder builder = new CertifiedStateTreeBuilder();
    int nextRid = 100;
    for (int height = 0; height < 60; height++) {
      state.timeNanos += 1_000_000_000L;
      int action = random.nextInt(4);
      CanisterId id = CanisterId.fromIndex(random.nextInt(12));
      if (action == 0) {
        state.canisters.remove(id);
      } else if (action == 1) {
        state.canisters.put(id, CanisterCertifiedState.empty(List.of(TestState.user(random.nextInt(3))), height));
      } else if (action == 2) {
        RequestId rid = TestState.rid(nextRid++);
        state.history.receive(rid, TestState.user(1), EffectiveId.canister(A), state.timeNanos + 1, state.timeNanos);
      } else {
        // a received call gets its reply: one status among many changes in place
        long t = state.timeNanos;
        state.history.entries().entrySet().stream()
            .filter(e -> e.getValue().status() instanceof RequestStatus.Received)
            .map(java.util.Map.Entry::getKey).findFirst().ifPresent(rid -> state.history.setStatus(
                rid, new RequestStatus.Replied(new byte[] {(byte) 7}), t));
      }
      if (random.nextBoolean()) {
        state.timeNanos += random.nextLong(700_000_000_000L);
        state.history.prune(state.timeNanos);
      }
      CertifiedStateTree reused = builder.build(state);
      CertifiedStateTree fresh = new CertifiedStateTreeBuilder().build(state);
      assertThat(reused.rootHash()).as("seed %d, height %d", seed, height).isEqualTo(fresh.rootHash());
      assertThat(reused.toHashTree().digest()).as("seed %d, height %d", seed, height).isEqualTo(fresh.rootHash());
    }
  }

  @Test
  void theCachingBuilderAgreesWithAFreshBuildUnderInsertsRepliesAndRemovals() {
    long seed = Long.getLong("canopy.test.seed", 0x1f2e_3d4cL);
    SplittableRandom random = new SplittableRandom(seed);
    // Short retention, so that statuses become done and are removed while the test runs.
    IngressHistory history = new IngressHistory(new IngressHistorySettings(
        3_000_000_000L, 2_000_000_000L, 5_000, 1 << 20));
    TestState base = new TestState();
    CertifiedStateView view = new CertifiedStateView() {
      @Override
      public long timeNanos() {
        return base.timeNanos;
      }

      @Override
      public dev.canopy.types.SubnetId ownSubnetId() {
        return base.ownSubnetId();
      }

      @Override
      public SortedMap<dev.canopy.types.SubnetId, SubnetInfo> subnets() {
        return base.subnets();
      }

      @Override
      public SortedMap<CanisterId, CanisterCertifiedState> canisters() {
        return base.canisters();
      }

      @Override
      public SortedMap<RequestId, IngressEntry> requestStatuses() {
        return history.entries();
      }
    };
    CertifiedStateTreeBuilder builder = new CertifiedStateTreeBuilder();
    java.util.ArrayList<RequestId> open = new java.util.ArrayList<>();
    int next = 1_000;
    for (int height = 0; height < 120; height++) {
      base.timeNanos += 1_000_000_000L;
      long now = base.timeNanos;
      IngressHistory before = history.copy();
      TreeMap<RequestId, IngressEntry> beforeEntries = new TreeMap<>(before.entries());
      history.prune(now);
      for (int i = random.nextInt(40); i > 0; i--) {
        RequestId rid = TestState.rid(next++);
        history.receive(rid, TestState.user(1), EffectiveId.canister(A), now, now);
        open.add(rid);
      }
      for (int i = random.nextInt(40); i > 0 && !open.isEmpty(); i--) {
        RequestId rid = open.remove(random.nextInt(open.size()));
        RequestStatus outcome = random.nextBoolean()
            ? new RequestStatus.Replied(new byte[] {(byte) i})
            : new RequestStatus.Rejected(4, "no", Optional.of("IC0" + i));
        history.setStatus(rid, outcome, now);
      }
      CertifiedStateTree cached = builder.build(view);
      CertifiedStateTree fresh = new CertifiedStateTreeBuilder().build(view);
      assertThat(cached.rootHash()).as("seed %d (-Dcanopy.test.seed), height %d", seed, height)
          .isEqualTo(fresh.rootHash());
      assertThat(cached.toHashTree().digest()).as("seed %d, height %d", seed, height)
          .isEqualTo(fresh.rootHash());
      // The copy taken before this height's changes is untouched by them (structural sharing).
      assertThat(before.entries()).as("seed %d, height %d", seed, height).isEqualTo(beforeEntries);
      assertThat(cached.requestStatusCount()).isEqualTo(history.size());
    }
    assertThat(history.size()).as("seed %d: statuses were removed as well as added", seed)
        .isLessThan(next - 1_000);
  }

  @Test
  void witnessesAgreeWithPruningTheFullTree() {
    CertifiedStateTree tree = new CertifiedStateTreeBuilder().build(state);
    HashTree full = tree.toHashTree();
    List<List<Label>> candidates = new ArrayList<>();
    for (LeafPath p : full.listPaths()) {
      for (int len = 1; len <= p.path().size(); len++) {
        candidates.add(p.path().subList(0, len));
      }
    }
    candidates.add(path("request_status", TestState.rid(99)));
    candidates.add(path("request_status", TestState.rid(0), "status"));
    candidates.add(path("canister", CanisterId.fromIndex(77), "module_hash"));
    candidates.add(path("canister", A, "metadata", "nope"));
    candidates.add(path("aaa"));
    candidates.add(path("zzz"));
    candidates.add(path("time", "below"));
    long seed = 0x5eed_2026_1121L;
    SplittableRandom random = new SplittableRandom(seed);
    for (int round = 0; round < 300; round++) {
      List<List<Label>> paths = new ArrayList<>();
      int n = 1 + random.nextInt(4);
      for (int i = 0; i < n; i++) {
        paths.add(candidates.get(random.nextInt(candidates.size())));
      }
      HashTree witness = tree.witness(paths);
      assertThat(witness).as("seed %d, paths %s", seed, paths).isEqualTo(full.prune(paths));
      assertThat(witness.digest()).as("seed %d", seed).isEqualTo(tree.rootHash());
    }
  }

  @Test
  void anUnknownRequestIdIsProvenAbsent() {
    CertifiedStateTree tree = new CertifiedStateTreeBuilder().build(state);
    RequestId unknown = TestState.rid(0x77);
    HashTree witness = tree.witness(List.of(path("request_status", unknown)));
    assertThat(witness.lookup(path("request_status", unknown, "status"))).isEqualTo(LookupResult.ABSENT);
    assertThat(witness.digest()).isEqualTo(tree.rootHash());
    // Nothing else is revealed: the neighbours' statuses stay hashes.
    assertThat(witness.listPaths()).isEmpty();
  }

  @Test
  void anEmptyStateStillCertifiesTimeAndSubnet() {
    TestState empty = new TestState();
    CertifiedStateTree tree = new CertifiedStateTreeBuilder().build(empty);
    HashTree t = tree.toHashTree();
    assertThat(found(t, path("time"))).isEqualTo(Leb128.encodeUnsigned(empty.timeNanos));
    assertThat(t.lookup(path("request_status", TestState.rid(1), "status"))).isEqualTo(LookupResult.ABSENT);
    assertThat(t.lookup(path("canister", A, "certified_data"))).isEqualTo(LookupResult.ABSENT);
    assertThat(tree.rootHash()).isEqualTo(t.digest());
  }

  static Map<String, byte[]> leaves(HashTree t) {
    Map<String, byte[]> out = new TreeMap<>();
    for (LeafPath p : t.listPaths()) {
      out.put(p.path().toString(), p.value());
    }
    return out;
  }

  static Principal principal(int b) {
    return TestState.user(b);
  }
}
