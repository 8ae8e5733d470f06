package dev.canopy.state;

import dev.canopy.types.RequestId;
import dev.canopy.types.hashtree.BitTrie;
import dev.canopy.types.hashtree.Label;
import java.security.MessageDigest;
import java.util.AbstractMap;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SortedMap;

/**
 * The request status history as the certified tree's {@code /request_status} subtree: an immutable
 * binary trie on the bits of the request ids ({@link BitTrie} shape) whose updates return a new
 * trie sharing every node off the changed path, and whose nodes keep their {@code reconstruct}
 * digest once computed. A change costs O(depth) nodes (depth about log2 n for request ids, which
 * are hashes, and at most 256), and certifying a trie derived from an already certified one hashes
 * only the nodes made since: no diffing, no work for the untouched entries.
 *
 * <p>Note: the shape depends only on the set of ids, so replicas agree on the root however their
 * tries were built (incrementally in any order, or from a checkpoint). Nodes are safe to share
 * between threads: digests are set once, through a volatile field, and every replica would compute
 * the same bytes.
 *
 * <p>Note: request ids are SHA-256 hashes that clients choose only through their content, so a
 * leaf k levels deep needs an id sharing a k-bit prefix with others, about 2^k / n hashes of work
 * to grind: the depth (and the nesting of a certificate's CBOR) stays near log2 n, far from the
 * 256 that 32-byte ids allow.
 */
public final class RequestStatusTrie {
  /** A trie node; never changed once built except for its cached digest. */
  abstract static sealed class Node permits Leaf, Inner {
    /** {@code reconstruct} of the forks below (the labeled node, for a leaf); null until needed. */
    volatile byte[] digest;
  }

  /** One request id with its history entry: {@code Labeled rid <status subtree>}. */
  static final class Leaf extends Node {
    final RequestId id;
    final byte[] key;
    final IngressEntry entry;
    /** {@code reconstruct} of the status subtree below the label; null until needed. */
    volatile byte[] statusDigest;

    Leaf(RequestId id, byte[] key, IngressEntry entry) {
      this.id = id;
      this.key = key;
      this.entry = entry;
    }
  }

  /** {@code Fork left right}: the ids below share every bit before {@link #bit} and differ at it. */
  static final class Inner extends Node {
    final int bit;
    final Node left;
    final Node right;

    Inner(int bit, Node left, Node right) {
      this.bit = bit;
      this.left = left;
      this.right = right;
    }
  }

  private static final RequestStatusTrie EMPTY = new RequestStatusTrie(null, 0);

  private final Node root;
  private final int size;

  private RequestStatusTrie(Node root, int size) {
    this.root = root;
    this.size = size;
  }

  public static RequestStatusTrie empty() {
    return EMPTY;
  }

  /** A trie of {@code entries}, built from scratch. */
  public static RequestStatusTrie of(Map<RequestId, IngressEntry> entries) {
    RequestStatusTrie t = EMPTY;
    for (Map.Entry<RequestId, IngressEntry> e : entries.entrySet()) {
      t = t.with(e.getKey(), e.getValue());
    }
    return t;
  }

  public int size() {
    return size;
  }

  /**
   * The entries as an immutable sorted map (O(1), no copy): fixed-length ids in the order of their
   * bits are ids in their natural (unsigned byte) order, so an in-order walk of the trie is a walk
   * of the sorted entries.
   */
  public SortedMap<RequestId, IngressEntry> asSortedMap() {
    return new Entries(this);
  }

  /** This trie with {@code id} mapped to {@code entry}; this trie itself if it already is. */
  public RequestStatusTrie with(RequestId id, IngressEntry entry) {
    Objects.requireNonNull(entry, "entry");
    byte[] key = id.toBytes();
    if (root == null) {
      return new RequestStatusTrie(new Leaf(id, key, entry), 1);
    }
    Leaf nearest = nearest(root, key);
    int differ = BitTrie.firstDifferingBit(nearest.key, key);
    if (differ == BitTrie.NONE && nearest.entry == entry) {
      return this;
    }
    Node r = insert(root, new Leaf(id, key, entry), differ);
    return new RequestStatusTrie(r, differ == BitTrie.NONE ? size : size + 1);
  }

  /** This trie without {@code id}; this trie itself if it has no such id. */
  public RequestStatusTrie without(RequestId id) {
    byte[] key = id.toBytes();
    if (root == null || !Arrays.equals(nearest(root, key).key, key)) {
      return this;
    }
    return new RequestStatusTrie(remove(root, key), size - 1);
  }

  /** The entry of {@code id}, or null. */
  public IngressEntry get(RequestId id) {
    Leaf leaf = find(id.toBytes());
    return leaf == null ? null : leaf.entry;
  }

  Node root() {
    return root;
  }

  /**
   * {@code reconstruct} of the subtree, hashing only nodes that have no digest yet; adds the
   * number of entries whose status it had to hash to {@code hashedStatuses[0]}.
   */
  byte[] digest(MessageDigest md, long[] hashedStatuses) {
    return root == null ? DigestedTree.EMPTY_DIGEST : digest(root, md, hashedStatuses);
  }

  private static byte[] digest(Node n, MessageDigest md, long[] hashedStatuses) {
    byte[] d = n.digest;
    if (d != null) {
      return d;
    }
    if (n instanceof Leaf leaf) {
      d = DigestedTree.Entry.of(Label.of(leaf.key), statusTree(leaf, md), md).labeledDigest();
      hashedStatuses[0]++;
    } else {
      Inner i = (Inner) n;
      byte[] left = digest(i.left, md, hashedStatuses);
      byte[] right = digest(i.right, md, hashedStatuses);
      md.update(DigestedTree.FORK_SEPARATOR);
      md.update(left);
      md.update(right);
      d = md.digest();
    }
    n.digest = d;
    return d;
  }

  /** The status subtree of a leaf (rebuilt: it is small), caching its digest in the leaf. */
  static DigestedTree.Node statusTree(Leaf leaf, MessageDigest md) {
    DigestedTree.Node t = CertifiedStateTreeBuilder.statusNode(leaf.entry.status(), md);
    leaf.statusDigest = t.digest();
    return t;
  }

  /** The leaf labeled {@code label}, or null. */
  Leaf find(byte[] label) {
    if (root == null || label.length != RequestId.LENGTH_BYTES) {
      return null;
    }
    Leaf nearest = nearest(root, label);
    return Arrays.equals(nearest.key, label) ? nearest : null;
  }

  /** The leaf with the greatest label below {@code label} (unsigned byte order), or null. */
  Leaf lower(byte[] label) {
    Node n = root;
    while (n instanceof Inner i) {
      // Everything on the right is above everything on the left.
      n = Arrays.compareUnsigned(lowest(i.right).key, label) < 0 ? i.right : i.left;
    }
    return n != null && Arrays.compareUnsigned(((Leaf) n).key, label) < 0 ? (Leaf) n : null;
  }

  /** The leaf with the least label above {@code label}, or null. */
  Leaf higher(byte[] label) {
    Node n = root;
    while (n instanceof Inner i) {
      n = Arrays.compareUnsigned(highest(i.left).key, label) > 0 ? i.left : i.right;
    }
    return n != null && Arrays.compareUnsigned(((Leaf) n).key, label) > 0 ? (Leaf) n : null;
  }

  private static Leaf lowest(Node n) {
    while (n instanceof Inner i) {
      n = i.left;
    }
    return (Leaf) n;
  }

  private static Leaf highest(Node n) {
    while (n instanceof Inner i) {
      n = i.right;
    }
    return (Leaf) n;
  }

  /** The leaf reached by following {@code key}'s bits: the only candidate to equal it. */
  private static Leaf nearest(Node n, byte[] key) {
    while (n instanceof Inner i) {
      n = BitTrie.bit(key, i.bit) ? i.right : i.left;
    }
    return (Leaf) n;
  }

  /**
   * {@code n} with {@code leaf} added, where {@code differ} is the first bit on which the leaf's key
   * differs from every key below {@code n} that shares its path ({@link BitTrie#NONE}: replace the
   * leaf with the same key). The new fork goes above the first node that splits on a later bit.
   */
  private static Node insert(Node n, Leaf leaf, int differ) {
    if (n instanceof Inner i && (differ == BitTrie.NONE || i.bit < differ)) {
      return BitTrie.bit(leaf.key, i.bit)
          ? new Inner(i.bit, i.left, insert(i.right, leaf, differ))
          : new Inner(i.bit, insert(i.left, leaf, differ), i.right);
    }
    if (differ == BitTrie.NONE) {
      return leaf;
    }
    return BitTrie.bit(leaf.key, differ) ? new Inner(differ, n, leaf) : new Inner(differ, leaf, n);
  }

  /** {@code n} without the (present) key; a fork left with one child is replaced by it. */
  private static Node remove(Node n, byte[] key) {
    if (n instanceof Leaf) {
      return null;
    }
    Inner i = (Inner) n;
    if (BitTrie.bit(key, i.bit)) {
      Node r = remove(i.right, key);
      return r == null ? i.left : new Inner(i.bit, i.left, r);
    }
    Node l = remove(i.left, key);
    return l == null ? i.right : new Inner(i.bit, l, i.right);
  }

  /** {@link #asSortedMap()}: a read-only view of an immutable trie, so it never goes stale. */
  static final class Entries extends ImmutableSortedMapView<RequestId, IngressEntry> {
    private final RequestStatusTrie trie;

    private Entries(RequestStatusTrie trie) {
      this.trie = trie;
    }

    @Override
    public IngressEntry get(Object key) {
      return key instanceof RequestId id ? trie.get(id) : null;
    }

    @Override
    public int size() {
      return trie.size;
    }

    @Override
    public boolean isEmpty() {
      return trie.root == null;
    }

    @Override
    public RequestId firstKey() {
      if (trie.root == null) {
        throw new NoSuchElementException();
      }
      return lowest(trie.root).id;
    }

    @Override
    public RequestId lastKey() {
      if (trie.root == null) {
        throw new NoSuchElementException();
      }
      return highest(trie.root).id;
    }

    @Override
    Iterator<Map.Entry<RequestId, IngressEntry>> inOrder() {
      return new InOrder(trie.root);
    }
  }

  /** The leaves left to right, with an explicit stack of right subtrees still to visit. */
  private static final class InOrder implements Iterator<Map.Entry<RequestId, IngressEntry>> {
    private final ArrayDeque<Node> pending = new ArrayDeque<>();

    InOrder(Node root) {
      if (root != null) {
        pending.push(root);
      }
    }

    @Override
    public boolean hasNext() {
      return !pending.isEmpty();
    }

    @Override
    public Map.Entry<RequestId, IngressEntry> next() {
      if (pending.isEmpty()) {
        throw new NoSuchElementException();
      }
      Node n = pending.pop();
      while (n instanceof Inner i) {
        pending.push(i.right);
        n = i.left;
      }
      Leaf leaf = (Leaf) n;
      return new AbstractMap.SimpleImmutableEntry<>(leaf.id, leaf.entry);
    }
  }
}
