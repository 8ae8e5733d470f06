package dev.canopy.state;

import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
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

  private static HashTree pruneWhole(DigestedTree tree) {
    if (tree instanceof DigestedTree.Node n && n.size() == 0) {
      return HashTree.EMPTY;
    }
    return new HashTree.Pruned(tree.digest());
  }
}
