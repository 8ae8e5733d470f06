package dev.canopy.state;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SortedMap;

/**
 * An immutable sorted map whose updates return a new map sharing every node they do not touch
 * (an AVL tree with path copying): a change costs O(log n) time and memory, and the old map stays
 * valid and unchanged. Iteration is in key order, so it is deterministic. Null keys and values are
 * refused.
 *
 * <p>The {@link SortedMap} face is read-only: the mutators of {@link Map} throw, as on an
 * unmodifiable map; use {@link #with} and {@link #without}.
 */
public final class PersistentSortedMap<K extends Comparable<? super K>, V>
    extends ImmutableSortedMapView<K, V> {
  /** One node; never changed once built, so any number of maps may share it. */
  static final class Node<K, V> {
    final K key;
    final V value;
    final Node<K, V> left;
    final Node<K, V> right;
    final int height;
    final int size;

    Node(K key, V value, Node<K, V> left, Node<K, V> right) {
      this.key = key;
      this.value = value;
      this.left = left;
      this.right = right;
      this.height = 1 + Math.max(height(left), height(right));
      this.size = 1 + size(left) + size(right);
    }
  }

  @SuppressWarnings("rawtypes")
  private static final PersistentSortedMap EMPTY = new PersistentSortedMap<>(null);

  private final Node<K, V> root;

  private PersistentSortedMap(Node<K, V> root) {
    this.root = root;
  }

  @SuppressWarnings("unchecked")
  public static <K extends Comparable<? super K>, V> PersistentSortedMap<K, V> empty() {
    return (PersistentSortedMap<K, V>) EMPTY;
  }

  /** This map with {@code key} mapped to {@code value}; this map itself if it already is. */
  public PersistentSortedMap<K, V> with(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Node<K, V> r = put(root, key, value);
    return r == root ? this : new PersistentSortedMap<>(r);
  }

  /** This map without {@code key}; this map itself if it has no such key. */
  public PersistentSortedMap<K, V> without(K key) {
    Objects.requireNonNull(key, "key");
    Node<K, V> r = remove(root, key);
    return r == root ? this : new PersistentSortedMap<>(r);
  }

  @Override
  public V get(Object key) {
    @SuppressWarnings("unchecked")
    K k = (K) Objects.requireNonNull(key, "key");
    Node<K, V> n = root;
    while (n != null) {
      int c = k.compareTo(n.key);
      if (c == 0) {
        return n.value;
      }
      n = c < 0 ? n.left : n.right;
    }
    return null;
  }

  @Override
  public int size() {
    return size(root);
  }

  @Override
  public boolean isEmpty() {
    return root == null;
  }

  @Override
  public K firstKey() {
    if (root == null) {
      throw new NoSuchElementException();
    }
    Node<K, V> n = root;
    while (n.left != null) {
      n = n.left;
    }
    return n.key;
  }

  @Override
  public K lastKey() {
    if (root == null) {
      throw new NoSuchElementException();
    }
    Node<K, V> n = root;
    while (n.right != null) {
      n = n.right;
    }
    return n.key;
  }

  @Override
  Iterator<Map.Entry<K, V>> inOrder() {
    return new InOrder<>(root);
  }

  Node<K, V> root() {
    return root;
  }

  /** In-order walk with an explicit stack (depth at most about 1.44 log2 n). */
  private static final class InOrder<K, V> implements Iterator<Map.Entry<K, V>> {
    private final ArrayDeque<Node<K, V>> stack = new ArrayDeque<>();

    InOrder(Node<K, V> root) {
      pushLeft(root);
    }

    private void pushLeft(Node<K, V> n) {
      while (n != null) {
        stack.push(n);
        n = n.left;
      }
    }

    @Override
    public boolean hasNext() {
      return !stack.isEmpty();
    }

    @Override
    public Map.Entry<K, V> next() {
      if (stack.isEmpty()) {
        throw new NoSuchElementException();
      }
      Node<K, V> n = stack.pop();
      pushLeft(n.right);
      return new SimpleImmutableEntry<>(n.key, n.value);
    }
  }

  // ---- AVL with path copying

  static int height(Node<?, ?> n) {
    return n == null ? 0 : n.height;
  }

  static int size(Node<?, ?> n) {
    return n == null ? 0 : n.size;
  }

  private static <K extends Comparable<? super K>, V> Node<K, V> put(Node<K, V> n, K key, V value) {
    if (n == null) {
      return new Node<>(key, value, null, null);
    }
    int c = key.compareTo(n.key);
    if (c < 0) {
      Node<K, V> l = put(n.left, key, value);
      return l == n.left ? n : balance(n.key, n.value, l, n.right);
    }
    if (c > 0) {
      Node<K, V> r = put(n.right, key, value);
      return r == n.right ? n : balance(n.key, n.value, n.left, r);
    }
    return n.value == value ? n : new Node<>(n.key, value, n.left, n.right);
  }

  private static <K extends Comparable<? super K>, V> Node<K, V> remove(Node<K, V> n, K key) {
    if (n == null) {
      return null;
    }
    int c = key.compareTo(n.key);
    if (c < 0) {
      Node<K, V> l = remove(n.left, key);
      return l == n.left ? n : balance(n.key, n.value, l, n.right);
    }
    if (c > 0) {
      Node<K, V> r = remove(n.right, key);
      return r == n.right ? n : balance(n.key, n.value, n.left, r);
    }
    if (n.left == null) {
      return n.right;
    }
    if (n.right == null) {
      return n.left;
    }
    Node<K, V> min = n.right;
    while (min.left != null) {
      min = min.left;
    }
    return balance(min.key, min.value, n.left, removeMin(n.right));
  }

  private static <K, V> Node<K, V> removeMin(Node<K, V> n) {
    if (n.left == null) {
      return n.right;
    }
    return balance(n.key, n.value, removeMin(n.left), n.right);
  }

  /** A node over {@code l} and {@code r}, whose heights differ by at most 2, rebalanced. */
  private static <K, V> Node<K, V> balance(K key, V value, Node<K, V> l, Node<K, V> r) {
    int hl = height(l);
    int hr = height(r);
    if (hl > hr + 1) {
      if (height(l.left) >= height(l.right)) {
        return new Node<>(l.key, l.value, l.left, new Node<>(key, value, l.right, r));
      }
      Node<K, V> lr = l.right;
      return new Node<>(lr.key, lr.value, new Node<>(l.key, l.value, l.left, lr.left),
          new Node<>(key, value, lr.right, r));
    }
    if (hr > hl + 1) {
      if (height(r.right) >= height(r.left)) {
        return new Node<>(r.key, r.value, new Node<>(key, value, l, r.left), r.right);
      }
      Node<K, V> rl = r.left;
      return new Node<>(rl.key, rl.value, new Node<>(key, value, l, rl.left),
          new Node<>(r.key, r.value, rl.right, r.right));
    }
    return new Node<>(key, value, l, r);
  }
}
