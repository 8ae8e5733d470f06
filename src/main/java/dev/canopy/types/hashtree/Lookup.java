package dev.canopy.types.hashtree;

import java.util.ArrayList;
import java.util.List;

/** The spec's {@code lookup_path} and {@code find_label} ("Certification › Lookup"). */
final class Lookup {
  private Lookup() {}

  static List<Label> labels(String... path) {
    List<Label> out = new ArrayList<>(path.length);
    for (String s : path) {
      out.add(Label.of(s));
    }
    return out;
  }

  static LookupResult lookupPath(HashTree tree, List<Label> path) {
    HashTree current = tree;
    for (Label label : path) {
      FindResult r = findLabel(label, Forests.flatten(current));
      if (r.outcome != Outcome.FOUND) {
        return r.outcome == Outcome.ABSENT ? LookupResult.ABSENT : LookupResult.UNKNOWN;
      }
      current = r.subtree;
    }
    if (current instanceof HashTree.Empty) {
      return LookupResult.ABSENT;
    }
    if (current instanceof HashTree.Leaf l) {
      return new LookupResult.Found(l.value());
    }
    if (current instanceof HashTree.Pruned) {
      return LookupResult.UNKNOWN;
    }
    return LookupResult.ERROR;
  }

  static SubtreeLookup lookupSubtree(HashTree tree, List<Label> path) {
    HashTree current = tree;
    for (Label label : path) {
      FindResult r = findLabel(label, Forests.flatten(current));
      if (r.outcome != Outcome.FOUND) {
        return r.outcome == Outcome.ABSENT ? SubtreeLookup.ABSENT : SubtreeLookup.UNKNOWN;
      }
      current = r.subtree;
    }
    return new SubtreeLookup.Found(current);
  }

  static List<LeafPath> listPaths(HashTree tree) {
    List<LeafPath> out = new ArrayList<>();
    collect(tree, new ArrayList<>(), out);
    return out;
  }

  private static void collect(HashTree tree, List<Label> prefix, List<LeafPath> out) {
    if (tree instanceof HashTree.Leaf l) {
      out.add(new LeafPath(prefix, l.value()));
    } else if (tree instanceof HashTree.Fork f) {
      collect(f.left(), prefix, out);
      collect(f.right(), prefix, out);
    } else if (tree instanceof HashTree.Labeled l) {
      prefix.add(l.label());
      collect(l.subtree(), prefix, out);
      prefix.remove(prefix.size() - 1);
    }
  }

  enum Outcome {
    FOUND,
    ABSENT,
    UNKNOWN
  }

  record FindResult(Outcome outcome, HashTree subtree) {
    static final FindResult ABSENT = new FindResult(Outcome.ABSENT, null);
    static final FindResult UNKNOWN = new FindResult(Outcome.UNKNOWN, null);
  }

  /** {@code find_label(l, forest)}, its clauses in the spec's order. */
  static FindResult findLabel(Label l, List<HashTree> forest) {
    for (HashTree t : forest) {
      if (t instanceof HashTree.Labeled lt && lt.label().equals(l)) {
        return new FindResult(Outcome.FOUND, lt.subtree());
      }
    }
    for (int i = 0; i + 1 < forest.size(); i++) {
      if (forest.get(i) instanceof HashTree.Labeled a
          && forest.get(i + 1) instanceof HashTree.Labeled b
          && a.label().compareTo(l) < 0
          && l.compareTo(b.label()) < 0) {
        return FindResult.ABSENT;
      }
    }
    if (forest.isEmpty()) {
      return FindResult.ABSENT;
    }
    if (forest.get(0) instanceof HashTree.Labeled first && l.compareTo(first.label()) < 0) {
      return FindResult.ABSENT;
    }
    if (forest.get(forest.size() - 1) instanceof HashTree.Labeled last
        && last.label().compareTo(l) < 0) {
      return FindResult.ABSENT;
    }
    if (forest.size() == 1 && forest.get(0) instanceof HashTree.Leaf) {
      return FindResult.ABSENT;
    }
    return FindResult.UNKNOWN;
  }
}
