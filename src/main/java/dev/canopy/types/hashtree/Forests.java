package dev.canopy.types.hashtree;

import java.util.ArrayList;
import java.util.List;

/** {@code flatten_forks}. */
final class Forests {
  private Forests() {}

  static List<HashTree> flatten(HashTree tree) {
    List<HashTree> out = new ArrayList<>();
    flatten(tree, out);
    return out;
  }

  private static void flatten(HashTree tree, List<HashTree> out) {
    if (tree instanceof HashTree.Fork f) {
      flatten(f.left(), out);
      flatten(f.right(), out);
    } else if (!(tree instanceof HashTree.Empty)) {
      out.add(tree);
    }
  }
}
