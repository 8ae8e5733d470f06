package dev.canopy.types.hashtree;

import dev.canopy.types.hashtree.HashTreeFormatException.Reason;

/**
 * The spec's {@code well_formed}: a tree is a leaf, or a forest of strictly increasing labels
 * (pruned nodes may stand between them) with well-formed subtrees and no leaves.
 */
final class WellFormedness {
  private WellFormedness() {}

  static void check(HashTree tree) {
    if (tree instanceof HashTree.Leaf) {
      return;
    }
    Label previous = null;
    for (HashTree element : Forests.flatten(tree)) {
      if (element instanceof HashTree.Leaf) {
        throw new HashTreeFormatException(
            Reason.LEAF_IN_FORK, "a leaf stands beside other nodes in a fork");
      }
      if (element instanceof HashTree.Labeled l) {
        if (previous != null && previous.compareTo(l.label()) >= 0) {
          throw new HashTreeFormatException(
              Reason.LABELS_NOT_INCREASING,
              "label " + l.label() + " follows " + previous + "; labels must strictly increase");
        }
        previous = l.label();
        check(l.subtree());
      }
    }
  }
}
