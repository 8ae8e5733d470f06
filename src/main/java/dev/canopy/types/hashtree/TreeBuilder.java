package dev.canopy.types.hashtree;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Labeled data to a hash tree: each node's sorted children become binary forks of the node's
 * {@link LabeledTree.Shape}.
 */
final class TreeBuilder {
  private TreeBuilder() {}

  static HashTree build(LabeledTree data) {
    if (data instanceof LabeledTree.Leaf l) {
      return new HashTree.Leaf(l.value());
    }
    LabeledTree.Node node = (LabeledTree.Node) data;
    List<Map.Entry<Label, LabeledTree>> children = new ArrayList<>(node.children().entrySet());
    if (node.shape() == LabeledTree.Shape.BIT_TRIE) {
      List<HashTree.Labeled> labeled = new ArrayList<>(children.size());
      for (Map.Entry<Label, LabeledTree> e : children) {
        labeled.add(new HashTree.Labeled(e.getKey(), build(e.getValue())));
      }
      return BitTrie.forks(labeled);
    }
    return forks(children, 0, children.size());
  }

  /** Balanced forks over {@code children[from, to)}; the left half takes the extra child. */
  private static HashTree forks(List<Map.Entry<Label, LabeledTree>> children, int from, int to) {
    int n = to - from;
    if (n == 0) {
      return HashTree.EMPTY;
    }
    if (n == 1) {
      Map.Entry<Label, LabeledTree> e = children.get(from);
      return new HashTree.Labeled(e.getKey(), build(e.getValue()));
    }
    int mid = from + (n + 1) / 2;
    return new HashTree.Fork(forks(children, from, mid), forks(children, mid, to));
  }
}
