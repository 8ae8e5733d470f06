package dev.canopy.state;

import dev.canopy.types.Hashing;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import java.security.MessageDigest;
import java.util.List;

/**
 * Labeled data with every node's {@code reconstruct} digest computed once, shaped exactly as
 * {@link HashTree#fromLabeledTree} shapes it: balanced forks over sorted labels (the left half
 * taking the extra child), except {@code /request_status}, a {@link StatusTrie} whose forks are a
 * {@link dev.canopy.types.hashtree.BitTrie} on the request ids. Subtrees are immutable and shared
 * between heights, so an unchanged canister or request status costs nothing to certify again; only
 * the forks above it are re-hashed.
 */
abstract sealed class DigestedTree
    permits DigestedTree.Leaf, DigestedTree.Node, DigestedTree.StatusTrie {
  static final byte[] EMPTY_SEPARATOR = Hashing.domainSeparator("ic-hashtree-empty");
  static final byte[] FORK_SEPARATOR = Hashing.domainSeparator("ic-hashtree-fork");
  static final byte[] LABELED_SEPARATOR = Hashing.domainSeparator("ic-hashtree-labeled");
  static final byte[] LEAF_SEPARATOR = Hashing.domainSeparator("ic-hashtree-leaf");
  static final byte[] EMPTY_DIGEST = Hashing.sha256(EMPTY_SEPARATOR);

  /** {@code reconstruct} of this subtree (shared, never modified). */
  abstract byte[] digest();

  /** The full hash tree, every value revealed. */
  abstract HashTree toHashTree();

  /** A value. */
  static final class Leaf extends DigestedTree {
    private final byte[] value;
    private final byte[] digest;

    /** Takes ownership of {@code value}. */
    Leaf(byte[] value, MessageDigest md) {
      this.value = value;
      md.update(LEAF_SEPARATOR);
      md.update(value);
      this.digest = md.digest();
    }

    byte[] value() {
      return value;
    }

    @Override
    byte[] digest() {
      return digest;
    }

    @Override
    HashTree toHashTree() {
      return new HashTree.Leaf(value);
    }
  }

  /** One labeled child with the digest of {@code Labeled label child}; cacheable on its own. */
  record Entry(Label label, DigestedTree child, byte[] labeledDigest) {
    static Entry of(Label label, DigestedTree child, MessageDigest md) {
      md.update(LABELED_SEPARATOR);
      md.update(label.toBytes());
      md.update(child.digest());
      return new Entry(label, child, md.digest());
    }
  }

  /**
   * Labeled children in strictly increasing label order. The fork structure is implicit: the
   * subtree over entries {@code [from, to)} sits at pre-order position {@code pos}; its left part
   * {@code [from, mid)} at {@code pos + 1}, its right part at {@code pos + 2·(mid − from)}.
   */
  static final class Node extends DigestedTree {
    private final Entry[] entries;
    /** Digests of the 2n−1 fork-structure nodes in pre-order (forks and labeled entries). */
    private final byte[][] nodeDigests;

    Node(List<Entry> sortedEntries, MessageDigest md) {
      this(sortedEntries, md, null);
    }

    /**
     * Like {@link #Node(List, MessageDigest)}, but forks over the same entry instances at the same
     * positions as in {@code previous} take its digests instead of hashing again: when only a few
     * of many children change (and none is added or removed), only their paths to the root are
     * re-hashed.
     */
    Node(List<Entry> sortedEntries, MessageDigest md, Node previous) {
      this.entries = sortedEntries.toArray(new Entry[0]);
      for (int i = 1; i < entries.length; i++) {
        if (entries[i - 1].label().compareTo(entries[i].label()) >= 0) {
          throw new IllegalArgumentException(
              "labels must increase strictly: " + entries[i - 1].label() + " then "
                  + entries[i].label());
        }
      }
      this.nodeDigests = new byte[Math.max(0, 2 * entries.length - 1)][];
      Node aligned = previous != null && previous.entries.length == entries.length ? previous : null;
      if (entries.length > 0) {
        hashRange(0, 0, entries.length, md, aligned);
      }
    }

    static int mid(int from, int to) {
      return from + (to - from + 1) / 2;
    }

    static int rightPosition(int pos, int from, int mid) {
      return pos + 2 * (mid - from);
    }

    /** Hashes the forks over {@code [from, to)}; answers whether all of it equals {@code previous}'s. */
    private boolean hashRange(int pos, int from, int to, MessageDigest md, Node previous) {
      boolean unchanged;
      if (to - from == 1) {
        nodeDigests[pos] = entries[from].labeledDigest();
        unchanged = previous != null && previous.entries[from] == entries[from];
      } else {
        int mid = mid(from, to);
        int right = rightPosition(pos, from, mid);
        boolean leftUnchanged = hashRange(pos + 1, from, mid, md, previous);
        boolean rightUnchanged = hashRange(right, mid, to, md, previous);
        unchanged = leftUnchanged && rightUnchanged;
        if (unchanged) {
          nodeDigests[pos] = previous.nodeDigests[pos];
        } else {
          md.update(FORK_SEPARATOR);
          md.update(nodeDigests[pos + 1]);
          md.update(nodeDigests[right]);
          nodeDigests[pos] = md.digest();
        }
      }
      return unchanged;
    }

    int size() {
      return entries.length;
    }

    Entry entry(int index) {
      return entries[index];
    }

    byte[] nodeDigest(int pos) {
      return nodeDigests[pos];
    }

    /** The index of {@code label}, or {@code -(insertion point) - 1} as binary searches answer. */
    int indexOf(Label label) {
      int lo = 0;
      int hi = entries.length - 1;
      while (lo <= hi) {
        int m = (lo + hi) >>> 1;
        int c = entries[m].label().compareTo(label);
        if (c < 0) {
          lo = m + 1;
        } else if (c > 0) {
          hi = m - 1;
        } else {
          return m;
        }
      }
      return -(lo + 1);
    }

    DigestedTree child(Label label) {
      int i = indexOf(label);
      return i >= 0 ? entries[i].child() : null;
    }

    @Override
    byte[] digest() {
      return entries.length == 0 ? EMPTY_DIGEST : nodeDigests[0];
    }

    @Override
    HashTree toHashTree() {
      return entries.length == 0 ? HashTree.EMPTY : toHashTree(0, entries.length);
    }

    private HashTree toHashTree(int from, int to) {
      if (to - from == 1) {
        return new HashTree.Labeled(entries[from].label(), entries[from].child().toHashTree());
      }
      int mid = mid(from, to);
      return new HashTree.Fork(toHashTree(from, mid), toHashTree(mid, to));
    }
  }

  /**
   * {@code /request_status}: a {@link RequestStatusTrie} snapshot. Its nodes keep their digests, so
   * building this for a trie derived from an already certified one hashes only the new nodes.
   */
  static final class StatusTrie extends DigestedTree {
    private final RequestStatusTrie trie;
    private final byte[] digest;
    private final long hashedStatuses;

    StatusTrie(RequestStatusTrie trie, MessageDigest md) {
      this.trie = trie;
      long[] hashed = new long[1];
      this.digest = trie.digest(md, hashed);
      this.hashedStatuses = hashed[0];
    }

    RequestStatusTrie trie() {
      return trie;
    }

    /** How many request statuses building this had to hash (the others had digests). */
    long hashedStatuses() {
      return hashedStatuses;
    }

    @Override
    byte[] digest() {
      return digest;
    }

    @Override
    HashTree toHashTree() {
      return trie.size() == 0 ? HashTree.EMPTY : toHashTree(trie.root(), Hashing.sha256Digest());
    }

    private static HashTree toHashTree(RequestStatusTrie.Node n, MessageDigest md) {
      if (n instanceof RequestStatusTrie.Inner i) {
        return new HashTree.Fork(toHashTree(i.left, md), toHashTree(i.right, md));
      }
      RequestStatusTrie.Leaf leaf = (RequestStatusTrie.Leaf) n;
      return new HashTree.Labeled(
          Label.of(leaf.key), RequestStatusTrie.statusTree(leaf, md).toHashTree());
    }
  }
}
