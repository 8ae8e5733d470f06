package dev.canopy.state;

import dev.canopy.types.Hashing;
import dev.canopy.types.hashtree.BitTrie;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prunes a {@link DigestedTree} to what a certificate reveals for some paths, with the cached
 * digests standing in for pruned subtrees (so a witness costs no hashing). The result is the tree
 * {@link HashTree#prune} would give on the full hash tree, except under excluded paths, which stay
 * pruned even where a requested path would reveal them.
 *
 * <p>Note (spec "Certification › Lookup"): an absent label keeps its two neighbours, pruned,
 * because {@code find_label} proves absence only between adjacent labels, or before the first or
 * after the last.
 */
final class Witness {
  /** Paths as a trie; a terminal node reveals everything below it. */
  static final class Trie {
    boolean terminal;
    final TreeMap<Label, Trie> children = new TreeMap<>();

    static Trie of(Collection<? extends List<Label>> paths) {
      Trie root = new Trie();
      for (List<Label> path : paths) {
        Trie node = root;
        for (Label label : path) {
          node = node.children.computeIfAbsent(label, k -> new Trie());
        }
        node.terminal = true;
      }
      return root;
    }
  }

  /** Reveal nothing below: keep the hash. */
  private static final Trie NOTHING = new Trie();
  /** Reveal everything below. */
  private static final Trie ALL = new Trie();

  static {
    ALL.terminal = true;
  }

  private Witness() {}

  static HashTree build(
      DigestedTree tree, Collection<? extends List<Label>> paths, Collection<? extends List<Label>> excluded) {
    Trie exclusions = excluded.isEmpty() ? null : Trie.of(excluded);
    return build(tree, Trie.of(paths), exclusions);
  }

  private static HashTree build(DigestedTree tree, Trie request, Trie excluded) {
    if (excluded != null && excluded.terminal) {
      return pruneWhole(tree);
    }
    if (tree instanceof DigestedTree.StatusTrie statuses) {
      return statuses(statuses, request, excluded);
    }
    if (tree instanceof DigestedTree.Leaf leaf) {
      // A path that goes on below a leaf ends here; the leaf proves it absent.
      return request == NOTHING ? pruneWhole(leaf) : leaf.toHashTree();
    }
    DigestedTree.Node node = (DigestedTree.Node) tree;
    if (node.size() == 0) {
      return HashTree.EMPTY;
    }
    if (request.terminal) {
      return excluded == null ? node.toHashTree() : rebuild(node, 0, 0, node.size(), null, excluded);
    }
    if (request.children.isEmpty()) {
      return pruneWhole(node);
    }
    TreeMap<Integer, Trie> needed = new TreeMap<>();
    for (Map.Entry<Label, Trie> r : request.children.entrySet()) {
      int i = node.indexOf(r.getKey());
      if (i >= 0) {
        needed.put(i, r.getValue());
      } else {
        int insertion = -i - 1;
        if (insertion > 0) {
          needed.putIfAbsent(insertion - 1, NOTHING);
        }
        if (insertion < node.size()) {
          needed.putIfAbsent(insertion, NOTHING);
        }
      }
    }
    return rebuild(node, 0, 0, node.size(), needed, excluded);
  }

  /** The fork structure over entries {@code [from, to)}; {@code needed == null} reveals all. */
  private static HashTree rebuild(
      DigestedTree.Node node, int pos, int from, int to, TreeMap<Integer, Trie> needed, Trie excluded) {
    if (needed != null) {
      Integer next = needed.ceilingKey(from);
      if (next == null || next >= to) {
        return new HashTree.Pruned(node.nodeDigest(pos));
      }
    }
    if (to - from == 1) {
      DigestedTree.Entry e = node.entry(from);
      Trie below = needed == null ? ALL : needed.get(from);
      Trie excludedBelow = excluded == null ? null : excluded.children.get(e.label());
      return new HashTree.Labeled(e.label(), build(e.child(), below, excludedBelow));
    }
    int mid = DigestedTree.Node.mid(from, to);
    return new HashTree.Fork(
        rebuild(node, pos + 1, from, mid, needed, excluded),
        rebuild(node, DigestedTree.Node.rightPosition(pos, from, mid), mid, to, needed, excluded));
  }

  /** A leaf of the request status trie to reveal, with the paths to follow below its label. */
  private record Needed(RequestStatusTrie.Leaf leaf, Trie below) {}

  /**
   * The witness of {@code /request_status}: the trie's forks down to the needed leaves (requested
   * ids, and for an absent id its neighbours), every other fork pruned to its cached digest.
   */
  private static HashTree statuses(DigestedTree.StatusTrie statuses, Trie request, Trie excluded) {
    RequestStatusTrie trie = statuses.trie();
    if (trie.size() == 0) {
      return HashTree.EMPTY;
    }
    MessageDigest md = Hashing.sha256Digest();
    if (request.terminal) {
      return revealStatuses(trie.root(), null, 0, 0, excluded, md);
    }
    if (request.children.isEmpty()) {
      return new HashTree.Pruned(statuses.digest());
    }
    TreeMap<Label, Needed> needed = new TreeMap<>();
    for (Map.Entry<Label, Trie> r : request.children.entrySet()) {
      byte[] label = r.getKey().toBytes();
      RequestStatusTrie.Leaf found = trie.find(label);
      if (found != null) {
        needed.put(r.getKey(), new Needed(found, r.getValue()));
      } else {
        for (RequestStatusTrie.Leaf neighbour : new RequestStatusTrie.Leaf[] {trie.lower(label), trie.higher(label)}) {
          if (neighbour != null) {
            needed.putIfAbsent(Label.of(neighbour.key), new Needed(neighbour, NOTHING));
          }
        }
      }
    }
    List<Needed> sorted = new ArrayList<>(needed.values());
    return revealStatuses(trie.root(), sorted, 0, sorted.size(), excluded, md);
  }

  /**
   * The forks of trie node {@code n} revealing {@code needed[from, to)} (all of them below {@code
   * n}, sorted by id); {@code needed == null} reveals everything.
   */
  private static HashTree revealStatuses(
      RequestStatusTrie.Node n, List<Needed> needed, int from, int to, Trie excluded, MessageDigest md) {
    if (needed != null && from == to) {
      return new HashTree.Pruned(n.digest);
    }
    if (n instanceof RequestStatusTrie.Inner i) {
      int mid = to;
      if (needed != null) {
        // Sorted ids below one fork: those with a 0 at its bit come first.
        mid = from;
        while (mid < to && !BitTrie.bit(needed.get(mid).leaf().key, i.bit)) {
          mid++;
        }
      }
      return new HashTree.Fork(
          revealStatuses(i.left, needed, from, mid, excluded, md),
          revealStatuses(i.right, needed, mid, to, excluded, md));
    }
    RequestStatusTrie.Leaf leaf = (RequestStatusTrie.Leaf) n;
    Label label = Label.of(leaf.key);
    Trie below = needed == null ? ALL : needed.get(from).below();
    Trie excludedBelow = excluded == null ? null : excluded.children.get(label);
    if (below == NOTHING && leaf.statusDigest != null) {
      return new HashTree.Labeled(label, new HashTree.Pruned(leaf.statusDigest));
    }
    return new HashTree.Labeled(
        label, build(RequestStatusTrie.statusTree(leaf, md), below, excludedBelow));
  }

  private static HashTree pruneWhole(DigestedTree tree) {
    if (tree instanceof DigestedTree.Node n && n.size() == 0
        || tree instanceof DigestedTree.StatusTrie t && t.trie().size() == 0) {
      return HashTree.EMPTY;
    }
    return new HashTree.Pruned(tree.digest());
  }
}
