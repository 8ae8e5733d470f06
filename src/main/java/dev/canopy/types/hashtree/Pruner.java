package dev.canopy.types.hashtree;

import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pruning a full tree down to what a certificate must reveal for some paths (digest §4, "Pruning
 * algorithm for a replica"; spec "Certification › Example").
 *
 * <p>Note: at each level the requested labels are matched against the flattened fork forest. A
 * label that is present keeps its labeled node (and recursion continues below it); a label that is
 * absent keeps the labeled nodes just before and after it, with their subtrees pruned, because
 * {@code find_label} proves absence only from two <em>adjacent</em> labels, or from the first or
 * last label. Every fork whose elements are all unneeded becomes one {@link HashTree.Pruned}.
 * {@link HashTree.Empty} nodes are never pruned: they flatten to nothing, so keeping them keeps
 * neighbours adjacent (and {@code [0]} is smaller than a pruned hash anyway).
 */
final class Pruner {
  /** The requested paths below one node, as a trie. */
  private static final class PathTrie {
    /** A requested path ends here: reveal everything below. */
    boolean terminal;

    final TreeMap<Label, PathTrie> children = new TreeMap<>();
  }

  /** No path below: keep only the hash (shared, never modified). */
  private static final PathTrie NOTHING = new PathTrie();

  private final Map<HashTree, Integer> elementCounts = new IdentityHashMap<>();

  private Pruner() {}

  static HashTree prune(HashTree tree, Collection<? extends List<Label>> paths) {
    PathTrie root = new PathTrie();
    for (List<Label> path : paths) {
      PathTrie node = root;
      for (Label label : path) {
        node = node.children.computeIfAbsent(label, k -> new PathTrie());
      }
      node.terminal = true;
    }
    return new Pruner().prune(tree, root);
  }

  private HashTree prune(HashTree tree, PathTrie trie) {
    if (trie.terminal) {
      return tree;
    }
    if (trie.children.isEmpty()) {
      return pruneWhole(tree);
    }
    List<HashTree> forest = Forests.flatten(tree);
    // Positions in the forest that must stay, with the paths still to follow below each.
    TreeMap<Integer, PathTrie> needed = new TreeMap<>();
    int i = 0;
    for (Map.Entry<Label, PathTrie> request : trie.children.entrySet()) {
      Label label = request.getKey();
      // Labels increase along a well-formed forest, and so do the requests: one merge walk.
      while (i < forest.size()
          && !(forest.get(i) instanceof HashTree.Labeled l && l.label().compareTo(label) >= 0)) {
        i++;
      }
      if (i < forest.size() && ((HashTree.Labeled) forest.get(i)).label().equals(label)) {
        needed.put(i, request.getValue());
      } else {
        if (i > 0) {
          needed.putIfAbsent(i - 1, NOTHING);
        }
        if (i < forest.size()) {
          needed.putIfAbsent(i, NOTHING);
        }
      }
    }
    return rebuild(tree, 0, needed);
  }

  /** Rebuilds the fork structure whose first forest element has position {@code start}. */
  private HashTree rebuild(HashTree tree, int start, TreeMap<Integer, PathTrie> needed) {
    if (tree instanceof HashTree.Empty) {
      return tree;
    }
    if (tree instanceof HashTree.Fork f) {
      Integer next = needed.ceilingKey(start);
      if (next == null || next >= start + elementCount(f)) {
        return pruneWhole(f);
      }
      return new HashTree.Fork(
          rebuild(f.left(), start, needed),
          rebuild(f.right(), start + elementCount(f.left()), needed));
    }
    PathTrie below = needed.get(start);
    if (below == null) {
      return pruneWhole(tree);
    }
    if (tree instanceof HashTree.Labeled l) {
      return new HashTree.Labeled(l.label(), prune(l.subtree(), below));
    }
    return tree; // a leaf or pruned node that proves absence or is the end of a path
  }

  private HashTree pruneWhole(HashTree tree) {
    if (tree instanceof HashTree.Pruned || elementCount(tree) == 0) {
      return tree;
    }
    return new HashTree.Pruned(tree.digest());
  }

  /** How many forest elements (non-fork, non-empty nodes) the fork structure of {@code tree} has. */
  private int elementCount(HashTree tree) {
    if (tree instanceof HashTree.Empty) {
      return 0;
    }
    if (!(tree instanceof HashTree.Fork f)) {
      return 1;
    }
    Integer known = elementCounts.get(f);
    if (known != null) {
      return known;
    }
    int count = elementCount(f.left()) + elementCount(f.right());
    elementCounts.put(f, count);
    return count;
  }
}
