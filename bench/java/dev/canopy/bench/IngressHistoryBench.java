package dev.canopy.bench;

import dev.canopy.state.CertifiedStateTreeBuilder;
import dev.canopy.state.CertifiedStateTreeBuilderBefore;
import dev.canopy.state.CertifiedStateView;
import dev.canopy.state.CanisterCertifiedState;
import dev.canopy.state.EffectiveId;
import dev.canopy.state.IngressEntry;
import dev.canopy.state.IngressHistory;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.state.RequestStatus;
import dev.canopy.state.RequestStatusTrie;
import dev.canopy.state.SubnetInfo;
import dev.canopy.state.SubnetType;
import dev.canopy.types.CanisterId;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.SubnetId;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The per-height cost of the request status history under a steady load: each height copies the
 * history (as {@code RoundExecutor} does), prunes it, takes 200 new calls, replies to the 200 calls
 * of the previous height, and builds the certified tree's root (one builder kept across heights,
 * as the state manager keeps it). Retention is set so the history holds N calls in a steady state
 * (per height 200 arrive, 200 are replied, 200 become done, 200 are removed). Measured with N =
 * 1,000 and N = 200,000, alternating, in the same run, for three ways of keeping it:
 *
 * <ol>
 *   <li>maps copied whole each round, the builder copying the statuses ({@link
 *       IngressHistoryBefore}) and balancing {@code /request_status} over positions ({@link
 *       CertifiedStateTreeBuilderBefore});
 *   <li>the persistent history, still with the positional {@code /request_status} forks;
 *   <li>the persistent history with the bit trie on request ids ({@link RequestStatusTrie}), as
 *       the replica does now.
 * </ol>
 *
 * <p>Rows 1 and 2 must certify the same roots; row 3's root is checked after each round against
 * a from-scratch build of the same entries. Row 2's history part includes the upkeep of the trie,
 * which the history did not have before it, so it overstates row 2 by that much.
 *
 * <p>Usage: {@code bench/run IngressHistoryBench [heightsPerRound]} (default 20).
 */
public final class IngressHistoryBench {
  private static final int PER_HEIGHT = 200;
  private static final long SECOND_NANOS = 1_000_000_000L;
  private static final Principal SENDER = Principal.selfAuthenticating(new byte[] {3});
  private static final EffectiveId ECID = EffectiveId.canister(CanisterId.fromIndex(1));
  private static final SubnetId SUBNET = new SubnetId(Principal.selfAuthenticating(new byte[] {1}));

  /** One way of keeping the history: the persistent one, or the one copied whole. */
  private interface History {
    History copy();

    void prune(long nowNanos);

    void receive(RequestId rid, long expiryNanos, long nowNanos);

    void reply(RequestId rid, byte[] reply, long nowNanos);

    SortedMap<RequestId, IngressEntry> statuses();

    /** The trie of the persistent history; from scratch for the other (never timed). */
    RequestStatusTrie trie();

    int size();
  }

  /** How a subnet builds its certified root: the current builder or the positional one. */
  private interface Certify {
    byte[] root(CertifiedStateView view);
  }

  private static Certify current() {
    CertifiedStateTreeBuilder b = new CertifiedStateTreeBuilder();
    return view -> b.build(view).rootHash();
  }

  private static Certify positional() {
    CertifiedStateTreeBuilderBefore b = new CertifiedStateTreeBuilderBefore();
    return view -> b.build(view).rootHash();
  }

  private record Persistent(IngressHistory h) implements History {
    public History copy() {
      return new Persistent(h.copy());
    }

    public void prune(long nowNanos) {
      h.prune(nowNanos);
    }

    public void receive(RequestId rid, long expiryNanos, long nowNanos) {
      h.receive(rid, SENDER, ECID, expiryNanos, nowNanos);
    }

    public void reply(RequestId rid, byte[] reply, long nowNanos) {
      h.setStatus(rid, new RequestStatus.Replied(reply), nowNanos);
    }

    public SortedMap<RequestId, IngressEntry> statuses() {
      return h.entries();
    }

    public RequestStatusTrie trie() {
      return h.statusTrie();
    }

    public int size() {
      return h.size();
    }
  }

  private record Before(IngressHistoryBefore h) implements History {
    public History copy() {
      return new Before(h.copy());
    }

    public void prune(long nowNanos) {
      h.prune(nowNanos);
    }

    public void receive(RequestId rid, long expiryNanos, long nowNanos) {
      h.receive(rid, SENDER, ECID, expiryNanos, nowNanos);
    }

    public void reply(RequestId rid, byte[] reply, long nowNanos) {
      h.setStatus(rid, new RequestStatus.Replied(reply), nowNanos);
    }

    public SortedMap<RequestId, IngressEntry> statuses() {
      return h.entries(); // an unmodifiable view of a TreeMap: the builder copies it
    }

    public RequestStatusTrie trie() {
      return RequestStatusTrie.of(h.entries());
    }

    public int size() {
      return h.size();
    }
  }

  /** A subnet at some height: its history, the calls waiting for a reply, the builder's cache. */
  private static final class Subnet implements CertifiedStateView {
    SplittableRandom random;
    final TreeMap<SubnetId, SubnetInfo> subnets = new TreeMap<>();
    final Certify certifier;
    History history;
    ArrayDeque<RequestId> toReply = new ArrayDeque<>();
    long time;
    long historyNanos;
    long treeNanos;
    byte[] lastRoot;

    Subnet(History history, Certify certify, long time, SplittableRandom random) {
      this.history = history;
      this.certifier = certify;
      this.time = time;
      this.random = random;
      TreeMap<NodeId, byte[]> nodes = new TreeMap<>();
      nodes.put(new NodeId(Principal.selfAuthenticating(new byte[] {2})), new byte[44]);
      subnets.put(SUBNET, new SubnetInfo(SubnetType.APPLICATION, new byte[133],
          List.of(new CanisterIdRange(CanisterId.fromIndex(0), CanisterId.fromIndex(0xfffff))),
          nodes, Optional.empty()));
    }

    /** One height; with {@code certify}, also the certified root, timed apart. */
    void height(boolean certify) {
      long t0 = System.nanoTime();
      time += SECOND_NANOS;
      History next = history.copy();
      next.prune(time);
      ArrayDeque<RequestId> arrived = new ArrayDeque<>(PER_HEIGHT);
      for (int i = 0; i < PER_HEIGHT; i++) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        RequestId rid = RequestId.fromBytes(b);
        next.receive(rid, time, time);
        arrived.add(rid);
      }
      for (RequestId rid : toReply) {
        byte[] reply = new byte[64];
        random.nextBytes(reply);
        next.reply(rid, reply, time);
      }
      toReply = arrived;
      history = next;
      long t1 = System.nanoTime();
      historyNanos += t1 - t0;
      if (certify) {
        lastRoot = certifier.root(this);
        treeNanos += System.nanoTime() - t1;
      }
    }

    @Override
    public long timeNanos() {
      return time;
    }

    @Override
    public SubnetId ownSubnetId() {
      return SUBNET;
    }

    @Override
    public SortedMap<SubnetId, SubnetInfo> subnets() {
      return subnets;
    }

    @Override
    public SortedMap<CanisterId, CanisterCertifiedState> canisters() {
      return Collections.emptySortedMap();
    }

    @Override
    public SortedMap<RequestId, IngressEntry> requestStatuses() {
      return history.statuses();
    }

    @Override
    public RequestStatusTrie requestStatusTrie() {
      return history.trie();
    }
  }

  /** Retention for a steady state of {@code n} calls: each lives n / 200 heights of 1 s. */
  private static IngressHistorySettings settings(int n) {
    long lifeSeconds = n / PER_HEIGHT - 1;
    long outcome = lifeSeconds / 2;
    return new IngressHistorySettings(outcome * SECOND_NANOS, (lifeSeconds - outcome) * SECOND_NANOS,
        1_000_000, 1L << 30);
  }

  /**
   * A persistent-history subnet filled to its steady state, certified with the bit trie; the same
   * state certified positionally; and the same state kept the old way.
   */
  private static Subnet[] subnets(int n, long seed) {
    IngressHistorySettings settings = settings(n);
    Subnet trie = new Subnet(new Persistent(new IngressHistory(settings)), current(),
        1_700_000_000L * SECOND_NANOS, new SplittableRandom(seed));
    for (int h = 0; h < n / PER_HEIGHT + 5; h++) {
      trie.height(false);
    }
    IngressHistory filled = ((Persistent) trie.history).h();
    Subnet positional = new Subnet(new Persistent(filled.copy()), positional(), trie.time,
        new SplittableRandom(seed + 1));
    positional.toReply = new ArrayDeque<>(trie.toReply);
    Subnet before = new Subnet(
        new Before(IngressHistoryBefore.restore(settings, filled.entries())), positional(),
        trie.time, new SplittableRandom(seed + 1));
    before.toReply = new ArrayDeque<>(trie.toReply);
    return new Subnet[] {before, positional, trie};
  }

  private record Figures(double historyMs, double treeMs) {
    double totalMs() {
      return historyMs + treeMs;
    }
  }

  /** Per subnet, the best of three rounds of {@code heights} heights (after a warm-up round). */
  private static Figures[] measure(Subnet[] subnets, int heights) {
    Figures[] best = new Figures[subnets.length];
    for (int round = 0; round < 4; round++) {
      // The same seed for all in each round, so all see the same request ids and replies.
      long seed = 1000 + round;
      for (int i = 0; i < subnets.length; i++) {
        Figures f = round(subnets[i], heights, seed);
        if (round > 0 && (best[i] == null || f.totalMs() < best[i].totalMs())) {
          best[i] = f;
        }
      }
      if (!Arrays.equals(subnets[0].lastRoot, subnets[1].lastRoot)) {
        throw new AssertionError("the two positional subnets certify different roots");
      }
      Subnet t = subnets[2];
      byte[] fromScratch = new CertifiedStateTreeBuilder().build(new Subnet(
          new Before(IngressHistoryBefore.restore(((Persistent) t.history).h().settings(),
              t.history.statuses())), current(), t.time, new SplittableRandom(0))).rootHash();
      if (!Arrays.equals(t.lastRoot, fromScratch)) {
        throw new AssertionError("the incremental trie certifies another root than a fresh build");
      }
    }
    return best;
  }

  private static Figures round(Subnet s, int heights, long seed) {
    s.random = new SplittableRandom(seed);
    s.historyNanos = 0;
    s.treeNanos = 0;
    for (int h = 0; h < heights; h++) {
      s.height(true);
    }
    return new Figures(s.historyNanos / 1e6 / heights, s.treeNanos / 1e6 / heights);
  }

  public static void main(String[] args) throws Exception {
    int heights = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    System.out.printf("per height: copy + prune + %d new calls + %d replies, then the certified"
        + " root; best of 3 rounds of %d heights%n", PER_HEIGHT, PER_HEIGHT, heights);
    Figures[] small = null;
    Figures[] large = null;
    for (int n : new int[] {1_000, 200_000}) {
      Subnet[] s = subnets(n, n);
      Figures[] f = measure(s, heights);
      System.out.printf("history of %,d calls (%,d after the run)%n", n, s[2].history.size());
      row("  1 maps copied whole, positional", f[0], f[1]);
      row("  2 persistent, positional", f[1], f[1]);
      row("  3 persistent, bit trie", f[2], f[1]);
      if (n == 1_000) {
        small = f;
      } else {
        large = f;
      }
    }
    System.out.printf("growth from 1,000 to 200,000 calls (total per height): 1 x%.1f, 2 x%.1f,"
        + " 3 x%.1f%n", large[0].totalMs() / small[0].totalMs(),
        large[1].totalMs() / small[1].totalMs(), large[2].totalMs() / small[2].totalMs());
    System.out.printf("growth of the tree part alone: 2 x%.1f, 3 x%.1f%n",
        large[1].treeMs() / small[1].treeMs(), large[2].treeMs() / small[2].treeMs());
    retainedBytesPerCall();
  }

  private static void row(String name, Figures f, Figures baseline) {
    System.out.printf("%-36s history %8.3f ms   tree %8.3f ms   total %8.3f ms   ratio to 2 %.3f%n",
        name, f.historyMs(), f.treeMs(), f.totalMs(), f.totalMs() / baseline.totalMs());
  }

  /** Heap kept per call by a persistent history of 200,000 calls and the builder's caches. */
  private static void retainedBytesPerCall() {
    long before = usedHeap();
    Subnet s = new Subnet(new Persistent(new IngressHistory(settings(200_000))), current(),
        1_700_000_000L * SECOND_NANOS, new SplittableRandom(7));
    for (int h = 0; h < 200_000 / PER_HEIGHT + 5; h++) {
      s.height(false);
    }
    s.height(true);
    long after = usedHeap();
    System.out.printf("heap kept per call (history with its trie and the trie's digests; about half of"
        + " the calls hold a 64-byte reply): about %,d bytes%n", (after - before) / s.history.size());
    if (s.lastRoot == null) {
      throw new AssertionError();
    }
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
