package dev.canopy.types.hashtree;

import dev.canopy.types.Hex;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborValue;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The spec's certification hash tree ("Certification › Certificate"): a binary tree of forks whose
 * leaves are labeled subtrees, values, empty nodes and pruned subtrees (kept only as their hash).
 *
 * <p>{@link #digest()} is the spec's {@code reconstruct}; {@link #lookup(List)} is its
 * {@code lookup_path}; {@link #prune(Collection)} keeps what a certificate must reveal for some
 * paths and replaces the rest by hashes, leaving the digest unchanged. Trees decoded from CBOR are
 * checked to be well formed ({@code well_formed}).
 */
public sealed interface HashTree
    permits HashTree.Empty, HashTree.Fork, HashTree.Labeled, HashTree.Leaf, HashTree.Pruned {
  int HASH_LENGTH_BYTES = 32;
  /** The deepest tree {@link #fromCbor(CborValue)} accepts, as deep as the CBOR decoder allows. */
  int DEFAULT_MAX_DEPTH = CborLimits.DEFAULT.maxDepth();

  Empty EMPTY = new Empty();

  /** {@code reconstruct(tree)}: the root hash, with the spec's domain separators. */
  default byte[] digest() {
    return Digests.reconstruct(this);
  }

  /** The CBOR form of {@code certificates.cddl}: {@code [0]}, {@code [1,l,r]}, … */
  default CborValue toCbor() {
    return HashTreeCbor.toCbor(this);
  }

  /** The canonical CBOR bytes of {@link #toCbor()}, without the self-describe tag. */
  default byte[] encode() {
    return CborEncoder.encode(toCbor());
  }

  /**
   * Decodes a tree from CBOR bytes (the self-describe tag is allowed around it) and checks it is
   * well formed.
   */
  static HashTree decode(byte[] cbor) {
    return fromCbor(CborDecoder.DEFAULT.decode(cbor));
  }

  /** A tree from its CBOR value, checked to be well formed and at most {@link #DEFAULT_MAX_DEPTH} deep. */
  static HashTree fromCbor(CborValue value) {
    return fromCbor(value, DEFAULT_MAX_DEPTH);
  }

  static HashTree fromCbor(CborValue value, int maxDepth) {
    HashTree tree = HashTreeCbor.fromCbor(value, maxDepth);
    WellFormedness.check(tree);
    return tree;
  }

  /**
   * The tree that certifies {@code data}: forks over each node's sorted labels, balanced or a
   * {@link BitTrie} as the node's {@link LabeledTree.Shape} says.
   */
  static HashTree fromLabeledTree(LabeledTree data) {
    return TreeBuilder.build(data);
  }

  /** The spec's {@code lookup_path}: Found, Absent, Unknown or Error. */
  default LookupResult lookup(List<Label> path) {
    return Lookup.lookupPath(this, path);
  }

  /** {@link #lookup(List)} of a path of UTF-8 labels. */
  default LookupResult lookup(String... path) {
    return lookup(Lookup.labels(path));
  }

  /**
   * The subtree at {@code path} (the tree itself for the empty path); together with
   * {@link #listPaths()} this gives the spec's {@code lookup*(prefix)}.
   */
  default SubtreeLookup lookupSubtree(List<Label> path) {
    return Lookup.lookupSubtree(this, path);
  }

  /** Every revealed leaf with its path of labels, in tree order. */
  default List<LeafPath> listPaths() {
    return Lookup.listPaths(this);
  }

  /**
   * The smallest tree with the same digest that reveals every node along each of {@code paths}
   * and everything below each path's end, plus the neighbouring labels that prove a path absent.
   * Every other subtree becomes {@link Pruned}. Lookups of the requested paths answer exactly as on
   * this tree.
   */
  default HashTree prune(Collection<? extends List<Label>> paths) {
    return Pruner.prune(this, paths);
  }

  /** {@code Empty}: hashes as {@code H("\x11ic-hashtree-empty")}. */
  record Empty() implements HashTree {
    @Override
    public String toString() {
      return "Empty";
    }
  }

  /** {@code Fork t1 t2}. */
  record Fork(HashTree left, HashTree right) implements HashTree {
    public Fork {
      if (left == null || right == null) {
        throw new IllegalArgumentException("a fork needs two subtrees");
      }
    }

    @Override
    public String toString() {
      return "Fork(" + left + ", " + right + ")";
    }
  }

  /** {@code Labeled l t}. */
  record Labeled(Label label, HashTree subtree) implements HashTree {
    public Labeled {
      if (label == null || subtree == null) {
        throw new IllegalArgumentException("a labeled node needs a label and a subtree");
      }
    }

    public Labeled(String label, HashTree subtree) {
      this(Label.of(label), subtree);
    }

    @Override
    public String toString() {
      return "Labeled(" + label + ", " + subtree + ")";
    }
  }

  /** {@code Leaf v}; immutable. */
  record Leaf(byte[] value) implements HashTree {
    public Leaf {
      value = value.clone();
    }

    public static Leaf of(String utf8) {
      return new Leaf(utf8.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    byte[] rawValue() {
      return value;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Leaf l && Arrays.equals(value, l.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Leaf(" + Hex.encode(value) + ")";
    }
  }

  /** {@code Pruned h}: a subtree known only by its 32-byte hash. */
  record Pruned(byte[] hash) implements HashTree {
    public Pruned {
      if (hash.length != HASH_LENGTH_BYTES) {
        throw new HashTreeFormatException(
            HashTreeFormatException.Reason.PRUNED_HASH_LENGTH,
            "a pruned hash has " + HASH_LENGTH_BYTES + " bytes, got " + hash.length);
      }
      hash = hash.clone();
    }

    @Override
    public byte[] hash() {
      return hash.clone();
    }

    @Override
    public byte[] digest() {
      return hash.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Pruned p && Arrays.equals(hash, p.hash);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(hash);
    }

    @Override
    public String toString() {
      return "Pruned(" + Hex.encode(hash) + ")";
    }
  }
}
