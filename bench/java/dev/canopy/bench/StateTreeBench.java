package dev.canopy.bench;

import static dev.canopy.bench.BenchTiming.bestNanosPerRun;

import dev.canopy.types.CanisterIdRange;
import dev.canopy.state.CanisterCertifiedState;
import dev.canopy.state.CertifiedStateTree;
import dev.canopy.state.CertifiedStateTreeBuilder;
import dev.canopy.state.CertifiedStateView;
import dev.canopy.state.EffectiveId;
import dev.canopy.state.IngressHistory;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.state.RequestStatusTrie;
import dev.canopy.state.MetadataSection;
import dev.canopy.types.RequestId;
import dev.canopy.state.RequestStatus;
import dev.canopy.state.SubnetInfo;
import dev.canopy.state.SubnetType;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Leb128;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LabeledTree;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Certifying a state of 10,000 canisters and 10,000 request statuses: the cached tree builder
 * (cold, unchanged, and with 1% of canisters and statuses changed per height) against the
 * baseline of building the same data as a {@link LabeledTree} and hashing all of it with {@link
 * HashTree#fromLabeledTree}; and a read_state witness against pruning the full hash tree.
 */
public final class StateTreeBench {
  private static final int CANISTERS = 10_000;
  private static final int STATUSES = 10_000;

  /** The view the bench mutates between heights. */
  static final class View implements CertifiedStateView {
    long time = 1_700_000_000_000_000_000L;
    final SubnetId subnet = new SubnetId(Principal.selfAuthenticating(new byte[] {1}));
    final TreeMap<SubnetId, SubnetInfo> subnets = new TreeMap<>();
    final TreeMap<CanisterId, CanisterCertifiedState> canisters = new TreeMap<>();
    final IngressHistory history = new IngressHistory(IngressHistorySettings.DEFAULT);

    @Override
    public long timeNanos() {
      return time;
    }

    @Override
    public SubnetId ownSubnetId() {
      return subnet;
    }

    @Override
    public SortedMap<SubnetId, SubnetInfo> subnets() {
      return subnets;
    }

    @Override
    public SortedMap<CanisterId, CanisterCertifiedState> canisters() {
      return canisters;
    }

    /** Off: the statuses' trie is built from scratch (nothing cached), as for a cold build. */
    boolean sharedTrie = true;

    @Override
    public SortedMap<RequestId, dev.canopy.state.IngressEntry> requestStatuses() {
      return history.entries();
    }

    @Override
    public RequestStatusTrie requestStatusTrie() {
      return sharedTrie ? history.statusTrie() : RequestStatusTrie.of(history.entries());
    }
  }


  public static void main(String[] args) throws Exception {
    SplittableRandom random = new SplittableRandom(42);
    View view = new View();
    TreeMap<NodeId, byte[]> nodes = new TreeMap<>();
    nodes.put(new NodeId(Principal.selfAuthenticating(new byte[] {2})), new byte[44]);
    view.subnets.put(
        view.subnet,
        new SubnetInfo(
            SubnetType.APPLICATION, new byte[133],
            List.of(new CanisterIdRange(CanisterId.fromIndex(0), CanisterId.fromIndex(0xfffff))),
            nodes, Optional.empty()));
    byte[] candid = new byte[2000];
    random.nextBytes(candid);
    for (int i = 0; i < CANISTERS; i++) {
      view.canisters.put(CanisterId.fromIndex(i), canister(random, candid, i));
    }
    Principal sender = Principal.selfAuthenticating(new byte[] {3});
    EffectiveId ecid = EffectiveId.canister(CanisterId.fromIndex(1));
    java.util.ArrayDeque<RequestId> received = new java.util.ArrayDeque<>();
    for (int i = 0; i < STATUSES; i++) {
      RequestId rid = rid(random);
      view.history.receive(rid, sender, ecid, view.time + 300_000_000_000L, view.time);
      received.add(rid);
    }

    CertifiedStateTreeBuilder warm = new CertifiedStateTreeBuilder();
    warm.build(view);
    double baseline = bestNanosPerRun(10, () -> HashTree.fromLabeledTree(labeled(view)).digest());
    // Cold: the history's trie keeps its digests, so a fresh builder also gets a fresh trie.
    view.sharedTrie = false;
    double cold = bestNanosPerRun(10, () -> new CertifiedStateTreeBuilder().build(view).rootHash());
    view.sharedTrie = true;
    double unchanged = bestNanosPerRun(20, () -> warm.build(view).rootHash());
    double changed =
        bestNanosPerRun(
            20,
            () -> {
              view.time += 1_000_000_000L;
              for (int k = 0; k < CANISTERS / 100; k++) {
                int i = random.nextInt(CANISTERS);
                view.canisters.put(CanisterId.fromIndex(i), canister(random, candid, i));
              }
              for (int k = 0; k < STATUSES / 100; k++) {
                byte[] reply = new byte[64];
                random.nextBytes(reply);
                view.history.setStatus(received.remove(), new RequestStatus.Replied(reply), view.time);
              }
              return warm.build(view).rootHash();
            });
    // 80 heights so far, 100 replies each: 2,000 calls are still received.
    System.out.printf("state: %d canisters (2,000-byte candid:service each), %d request statuses"
        + " (replies of 64 bytes)%n",
        view.canisters.size(), view.history.size());
    row("labeled tree + full hash (baseline)", baseline, baseline);
    row("builder, cold (nothing cached)", cold, baseline);
    row("builder, unchanged height", unchanged, baseline);
    row("builder, 1% of canisters and calls changed", changed, baseline);

    CertifiedStateTree tree = warm.build(view);
    HashTree full = tree.toHashTree();
    RequestId some = view.history.entries().firstKey();
    List<List<Label>> paths =
        List.of(List.of(Label.of("request_status"), Label.of(some.toBytes())), List.of(Label.of("time")));
    double prune = bestNanosPerRun(10, () -> full.prune(paths));
    double witness = bestNanosPerRun(20, () -> tree.witness(paths));
    row("prune full hash tree (baseline)", prune, prune);
    row("witness from the cached tree", witness, prune);
  }

  private static CanisterCertifiedState canister(SplittableRandom random, byte[] candid, int i) {
    byte[] data = new byte[32];
    random.nextBytes(data);
    byte[] hash = new byte[32];
    random.nextBytes(hash);
    TreeMap<String, MetadataSection> metadata = new TreeMap<>();
    metadata.put("candid:service", MetadataSection.publicSection(candid));
    return new CanisterCertifiedState(
        data, Optional.of(hash), List.of(Principal.selfAuthenticating(new byte[] {(byte) i})),
        metadata, OptionalLong.of(i), OptionalLong.of(i + 1));
  }

  private static RequestId rid(SplittableRandom random) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return RequestId.fromBytes(b);
  }

  /** The same data as a LabeledTree, built from scratch as a naive replica would each height. */
  private static LabeledTree labeled(View view) {
    LabeledTree.Node.Builder canisters = LabeledTree.node();
    view.canisters.forEach(
        (id, c) -> {
          LabeledTree.Node.Builder m = LabeledTree.node();
          c.metadata().forEach((name, s) -> m.put(name, LabeledTree.leaf(s.content())));
          List<CborValue> controllers =
              c.controllers().stream().map(p -> (CborValue) CborValue.bytes(p.toBytes())).toList();
          canisters.put(
              id.toBytes(),
              LabeledTree.node()
                  .put("certified_data", LabeledTree.leaf(c.certifiedData()))
                  .put("module_hash", LabeledTree.leaf(c.moduleHash().orElseThrow()))
                  .put("controllers", LabeledTree.leaf(CborEncoder.encodeWithSelfDescribeTag(new CborArray(controllers))))
                  .put("metadata", m.build())
                  .put("canister_creation_timestamp", LabeledTree.leaf(Leb128.encodeUnsigned(c.creationTimestampNanos().orElseThrow())))
                  .put("last_install_timestamp", LabeledTree.leaf(Leb128.encodeUnsigned(c.lastInstallTimestampNanos().orElseThrow())))
                  .build());
        });
    LabeledTree.Node.Builder statuses = LabeledTree.node().bitTrie();
    view.history.entries().forEach(
        (rid, e) -> {
          LabeledTree.Node.Builder n = LabeledTree.node().put("status", LabeledTree.leaf(e.status().label()));
          if (e.status() instanceof RequestStatus.Replied r) {
            n.put("reply", LabeledTree.leaf(r.reply()));
          }
          statuses.put(rid.toBytes(), n.build());
        });
    return LabeledTree.node()
        .put("time", LabeledTree.leaf(Leb128.encodeUnsigned(view.time)))
        .put("canister", canisters.build())
        .put("request_status", statuses.build())
        .build();
  }

  private static void row(String name, double nanos, double baseline) {
    System.out.printf("%-40s %10.2f ms   ratio to baseline %.3f%n", name, nanos / 1e6, nanos / baseline);
  }
}
