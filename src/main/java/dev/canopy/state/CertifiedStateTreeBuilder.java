package dev.canopy.state;

import dev.canopy.types.CanisterIdRange;
import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import dev.canopy.types.Leb128;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Label;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the certified state tree of each height from a {@link CertifiedStateView} (spec "The
 * system state tree"):
 *
 * <pre>
 * /time                                          LEB128 nat
 * /request_status/&lt;rid&gt;/status|reply|reject_code|reject_message|error_code
 * /canister/&lt;cid&gt;/certified_data|module_hash?|controllers|metadata/&lt;name&gt;
 *                  |canister_creation_timestamp?|last_install_timestamp?
 * /subnet/&lt;sid&gt;/public_key|type|canister_ranges|metrics?|node/&lt;nid&gt;/public_key
 * /canister_ranges/&lt;sid&gt;/&lt;first canister id of the shard&gt;
 * </pre>
 *
 * <p>Per-canister subtrees are cached between heights and reused, digests and all, while their
 * data is unchanged, and {@code /request_status} is the history's {@link RequestStatusTrie}, which
 * keeps its digests itself; so a height costs hashing in proportion to what changed plus the forks
 * above it. Not thread-safe: one builder per state, called once per height.
 */
public final class CertifiedStateTreeBuilder {
  /** Ranges per {@code /canister_ranges/<sid>/<first id>} shard unless configured otherwise. */
  public static final int DEFAULT_MAX_RANGES_PER_SHARD = 64;

  private static final Label CERTIFIED_DATA = Label.of("certified_data");
  private static final Label MODULE_HASH = Label.of("module_hash");
  private static final Label CONTROLLERS = Label.of("controllers");
  private static final Label METADATA = Label.of("metadata");
  private static final Label CREATION_TIMESTAMP = Label.of("canister_creation_timestamp");
  private static final Label LAST_INSTALL_TIMESTAMP = Label.of("last_install_timestamp");
  private static final Label STATUS = Label.of("status");
  private static final Label REPLY = Label.of("reply");
  private static final Label REJECT_CODE = Label.of("reject_code");
  private static final Label REJECT_MESSAGE = Label.of("reject_message");
  private static final Label ERROR_CODE = Label.of("error_code");
  private static final Label PUBLIC_KEY = Label.of("public_key");
  private static final Label TYPE = Label.of("type");
  private static final Label METRICS = Label.of("metrics");
  private static final Label NODE = Label.of("node");

  private record CachedCanister(CanisterCertifiedState state, DigestedTree.Entry entry) {}

  private final int maxRangesPerShard;
  // Looked up by id only, never iterated: hash order cannot leak into the tree.
  private HashMap<CanisterId, CachedCanister> canisterCache = new HashMap<>();
  private DigestedTree.Node previousCanisters;
  private long reusedSubtrees;

  public CertifiedStateTreeBuilder() {
    this(DEFAULT_MAX_RANGES_PER_SHARD);
  }

  public CertifiedStateTreeBuilder(int maxRangesPerShard) {
    if (maxRangesPerShard < 1) {
      throw new IllegalArgumentException("a shard holds at least one range");
    }
    this.maxRangesPerShard = maxRangesPerShard;
  }

  /**
   * How many canister subtrees the last {@link #build} took from its cache, plus how many request
   * statuses it did not hash because the trie already held their digests.
   */
  public long reusedSubtreesInLastBuild() {
    return reusedSubtrees;
  }

  public CertifiedStateTree build(CertifiedStateView view) {
    MessageDigest md = Hashing.sha256Digest();
    reusedSubtrees = 0;
    if (view.timeNanos() < 0) {
      throw new IllegalArgumentException("time cannot be negative: " + view.timeNanos());
    }
    SortedMap<SubnetId, SubnetInfo> subnets =
        Collections.unmodifiableSortedMap(new TreeMap<>(view.subnets()));
    if (!subnets.containsKey(view.ownSubnetId())) {
      throw new IllegalArgumentException("the view lists no subnet " + view.ownSubnetId());
    }
    SortedMap<CanisterId, CanisterCertifiedState> canisters =
        Collections.unmodifiableSortedMap(new TreeMap<>(view.canisters()));
    SortedMap<RequestId, IngressEntry> statuses = immutableStatuses(view.requestStatuses());

    List<DigestedTree.Entry> top = new ArrayList<>(5);
    top.add(DigestedTree.Entry.of(CertifiedStateTree.CANISTER, canistersNode(canisters, md), md));
    top.add(
        DigestedTree.Entry.of(CertifiedStateTree.CANISTER_RANGES, rangesNode(subnets, md), md));
    RequestStatusTrie statusTrie = view.requestStatusTrie();
    if (statusTrie.size() != statuses.size()) {
      throw new IllegalArgumentException(
          "the view's status trie holds " + statusTrie.size() + " calls, its statuses "
              + statuses.size());
    }
    top.add(
        DigestedTree.Entry.of(
            CertifiedStateTree.REQUEST_STATUS, statusesNode(statusTrie, md), md));
    top.add(DigestedTree.Entry.of(CertifiedStateTree.SUBNET, subnetsNode(view.ownSubnetId(), subnets, md), md));
    top.add(
        DigestedTree.Entry.of(
            CertifiedStateTree.TIME, new DigestedTree.Leaf(Leb128.encodeUnsigned(view.timeNanos()), md), md));
    DigestedTree.Node root = new DigestedTree.Node(top, md);
    return new CertifiedStateTree(
        root, view.timeNanos(), view.ownSubnetId(), subnets, canisters, statuses);
  }

  /** The history's own snapshot when it is one (no copy), else a sorted copy. */
  private static SortedMap<RequestId, IngressEntry> immutableStatuses(
      SortedMap<RequestId, IngressEntry> statuses) {
    if (statuses instanceof ImmutableSortedMapView<RequestId, IngressEntry>) {
      return statuses; // a snapshot already
    }
    return Collections.unmodifiableSortedMap(new TreeMap<>(statuses));
  }

  private DigestedTree.Node canistersNode(
      SortedMap<CanisterId, CanisterCertifiedState> canisters, MessageDigest md) {
    HashMap<CanisterId, CachedCanister> next = new HashMap<>(canisters.size() * 2);
    List<DigestedTree.Entry> entries = new ArrayList<>(canisters.size());
    for (Map.Entry<CanisterId, CanisterCertifiedState> e : canisters.entrySet()) {
      CachedCanister cached = canisterCache.get(e.getKey());
      if (cached == null || !cached.state().equals(e.getValue())) {
        cached =
            new CachedCanister(
                e.getValue(),
                DigestedTree.Entry.of(
                    Label.of(e.getKey().toBytes()), canisterNode(e.getValue(), md), md));
      } else {
        reusedSubtrees++;
      }
      next.put(e.getKey(), cached);
      entries.add(cached.entry());
    }
    canisterCache = next;
    previousCanisters = new DigestedTree.Node(entries, md, previousCanisters);
    return previousCanisters;
  }

  private static DigestedTree.Node canisterNode(CanisterCertifiedState c, MessageDigest md) {
    TreeMap<Label, DigestedTree> children = new TreeMap<>();
    children.put(CERTIFIED_DATA, new DigestedTree.Leaf(c.rawCertifiedData().clone(), md));
    c.rawModuleHash().ifPresent(h -> children.put(MODULE_HASH, new DigestedTree.Leaf(h.clone(), md)));
    children.put(CONTROLLERS, new DigestedTree.Leaf(encodeControllers(c.controllers()), md));
    if (!c.metadata().isEmpty()) {
      TreeMap<Label, DigestedTree> sections = new TreeMap<>();
      c.metadata()
          .forEach(
              (name, section) ->
                  sections.put(
                      Label.of(name), new DigestedTree.Leaf(section.rawContent().clone(), md)));
      children.put(METADATA, node(sections, md));
    }
    c.creationTimestampNanos()
        .ifPresent(t -> children.put(CREATION_TIMESTAMP, nat(t, md)));
    c.lastInstallTimestampNanos()
        .ifPresent(t -> children.put(LAST_INSTALL_TIMESTAMP, nat(t, md)));
    return node(children, md);
  }

  /**
   * Note: the request statuses are many (every call of the last minutes) and few change per
   * height, so {@code /request_status} is the history's own {@link RequestStatusTrie}, whose shape
   * depends only on the set of ids and whose nodes keep their digests across heights: a height
   * hashes the nodes its changes made (O(changes × log n)) and never walks the rest. A balanced
   * tree over the sorted ids would move most fork positions whenever an id is added or removed.
   */
  private DigestedTree.StatusTrie statusesNode(RequestStatusTrie trie, MessageDigest md) {
    DigestedTree.StatusTrie node = new DigestedTree.StatusTrie(trie, md);
    reusedSubtrees += trie.size() - node.hashedStatuses();
    return node;
  }

  /**
   * The {@code status} entry of each status label, and the whole subtree of the statuses that
   * have nothing else ({@code received}, {@code processing}, {@code done}).
   *
   * <p>Note: a call's status subtree is made again at each of its changes, on every replica, and
   * these parts of it are the same for every call: made once, they are shared (subtrees are
   * immutable) instead of hashed per call.
   */
  private static final Map<String, DigestedTree.Entry> STATUS_ENTRIES = new ConcurrentHashMap<>();
  private static final Map<String, DigestedTree.Node> STATUS_ONLY_NODES = new ConcurrentHashMap<>();

  /** The status subtree of one request: {@code status}, and {@code reply} or the reject fields. */
  static DigestedTree.Node statusNode(RequestStatus status, MessageDigest md) {
    DigestedTree.Entry statusEntry = STATUS_ENTRIES.computeIfAbsent(
        status.label(), label -> DigestedTree.Entry.of(STATUS, text(label, md), md));
    if (!(status instanceof RequestStatus.Replied) && !(status instanceof RequestStatus.Rejected)) {
      return STATUS_ONLY_NODES.computeIfAbsent(
          status.label(), label -> new DigestedTree.Node(List.of(statusEntry), md));
    }
    TreeMap<Label, DigestedTree.Entry> entries = new TreeMap<>();
    entries.put(STATUS, statusEntry);
    if (status instanceof RequestStatus.Replied r) {
      entries.put(REPLY, DigestedTree.Entry.of(REPLY, new DigestedTree.Leaf(r.rawReply().clone(), md), md));
    } else if (status instanceof RequestStatus.Rejected r) {
      entries.put(REJECT_CODE, DigestedTree.Entry.of(REJECT_CODE, nat(r.rejectCode(), md), md));
      entries.put(REJECT_MESSAGE, DigestedTree.Entry.of(REJECT_MESSAGE, text(r.message(), md), md));
      r.errorCode().ifPresent(code ->
          entries.put(ERROR_CODE, DigestedTree.Entry.of(ERROR_CODE, text(code, md), md)));
    }
    return new DigestedTree.Node(new ArrayList<>(entries.values()), md);
  }

  private static DigestedTree.Node subnetsNode(
      SubnetId own, SortedMap<SubnetId, SubnetInfo> subnets, MessageDigest md) {
    TreeMap<Label, DigestedTree> bySubnet = new TreeMap<>();
    subnets.forEach(
        (id, info) -> {
          TreeMap<Label, DigestedTree> children = new TreeMap<>();
          children.put(PUBLIC_KEY, new DigestedTree.Leaf(info.rawPublicKeyDer().clone(), md));
          children.put(TYPE, text(info.type().label(), md));
          children.put(
              CertifiedStateTree.CANISTER_RANGES,
              new DigestedTree.Leaf(encodeRanges(info.canisterRanges()), md));
          info.metrics().ifPresent(m -> children.put(METRICS, new DigestedTree.Leaf(encodeMetrics(m), md)));
          TreeMap<Label, DigestedTree> nodes = new TreeMap<>();
          for (Map.Entry<NodeId, byte[]> n : info.nodePublicKeysDer().entrySet()) {
            TreeMap<Label, DigestedTree> nodeChildren = new TreeMap<>();
            nodeChildren.put(PUBLIC_KEY, new DigestedTree.Leaf(n.getValue(), md));
            nodes.put(Label.of(n.getKey().toBytes()), node(nodeChildren, md));
          }
          children.put(NODE, node(nodes, md));
          bySubnet.put(Label.of(id.toBytes()), node(children, md));
        });
    return node(bySubnet, md);
  }

  private DigestedTree.Node rangesNode(SortedMap<SubnetId, SubnetInfo> subnets, MessageDigest md) {
    TreeMap<Label, DigestedTree> bySubnet = new TreeMap<>();
    subnets.forEach(
        (id, info) -> {
          TreeMap<Label, DigestedTree> shards = new TreeMap<>();
          List<CanisterIdRange> ranges = info.canisterRanges();
          for (int from = 0; from < ranges.size(); from += maxRangesPerShard) {
            List<CanisterIdRange> shard =
                ranges.subList(from, Math.min(ranges.size(), from + maxRangesPerShard));
            shards.put(
                Label.of(shard.get(0).start().toBytes()),
                new DigestedTree.Leaf(encodeRanges(shard), md));
          }
          bySubnet.put(Label.of(id.toBytes()), node(shards, md));
        });
    return node(bySubnet, md);
  }

  /** {@code #6.55799([* bytes])} (spec "Canister information"). */
  static byte[] encodeControllers(List<Principal> controllers) {
    List<CborValue> items = new ArrayList<>(controllers.size());
    for (Principal p : controllers) {
      items.add(CborValue.bytes(p.toBytes()));
    }
    return CborEncoder.encodeWithSelfDescribeTag(new CborArray(items));
  }

  /** {@code #6.55799([* [principal principal]])} (spec "Subnet information"). */
  static byte[] encodeRanges(List<CanisterIdRange> ranges) {
    List<CborValue> items = new ArrayList<>(ranges.size());
    for (CanisterIdRange r : ranges) {
      items.add(CborArray.of(CborValue.bytes(r.start().toBytes()), CborValue.bytes(r.end().toBytes())));
    }
    return CborEncoder.encodeWithSelfDescribeTag(new CborArray(items));
  }

  /**
   * The metrics blob, in the reference replica's packed CBOR: no self-describe tag, each field
   * under its index, {@code {0: num_canisters, 1: canister_state_bytes, 2: {0: low 64 bits, 1:
   * high 64 bits}, 3: update_transactions_total}}.
   *
   * <p>Note (spec "Subnet information"): the spec names the four fields and says {@code
   * consumed_cycles_total} is a map of a low and an optional high part, but not how the map is
   * keyed; this follows dfinity/ic's canonical state encoding (its {@code
   * canonical_encoding_subnet_metrics} vector), which writes the high part even when it is 0.
   */
  static byte[] encodeMetrics(SubnetMetrics m) {
    BigInteger low = m.consumedCyclesTotal().and(CborValue.MAX_U64);
    BigInteger high = m.consumedCyclesTotal().shiftRight(64);
    CborMap cycles =
        CborMap.builder()
            .put(CborValue.unsigned(0), CborValue.unsigned(low))
            .put(CborValue.unsigned(1), CborValue.unsigned(high))
            .build();
    CborMap map =
        CborMap.builder()
            .put(CborValue.unsigned(0), CborValue.unsigned(m.canisterCount()))
            .put(CborValue.unsigned(1), CborValue.unsigned(m.canisterStateBytes()))
            .put(CborValue.unsigned(2), cycles)
            .put(CborValue.unsigned(3), CborValue.unsigned(m.updateTransactionCount()))
            .build();
    return CborEncoder.encode(map);
  }

  private static DigestedTree.Node node(TreeMap<Label, DigestedTree> children, MessageDigest md) {
    List<DigestedTree.Entry> entries = new ArrayList<>(children.size());
    children.forEach((label, child) -> entries.add(DigestedTree.Entry.of(label, child, md)));
    return new DigestedTree.Node(entries, md);
  }

  private static DigestedTree.Leaf nat(long value, MessageDigest md) {
    return new DigestedTree.Leaf(Leb128.encodeUnsigned(value), md);
  }

  private static DigestedTree.Leaf text(String value, MessageDigest md) {
    return new DigestedTree.Leaf(value.getBytes(StandardCharsets.UTF_8), md);
  }
}
