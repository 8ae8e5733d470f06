package dev.canopy.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The read-only {@link SortedMap} face of an immutable structure in natural key order: a subclass
 * gives the entries in order, the size and the ends (and a faster {@link #get} where it has one);
 * the mutators of {@link Map} throw, as on an unmodifiable map.
 *
 * <p>Note: the range views copy the range (O(k) for k keys in it) into an unmodifiable map;
 * nothing on a hot path uses them, and a copy cannot go stale.
 */
abstract class ImmutableSortedMapView<K, V> extends AbstractMap<K, V> implements SortedMap<K, V> {
  /** The entries in key order. */
  abstract Iterator<Map.Entry<K, V>> inOrder();

  @Override
  public abstract int size();

  @Override
  public boolean containsKey(Object key) {
    return get(key) != null;
  }

  @Override
  public Comparator<? super K> comparator() {
    return null; // natural order
  }

  @Override
  public SortedMap<K, V> subMap(K fromKey, K toKey) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(this).subMap(fromKey, toKey));
  }

  @Override
  public SortedMap<K, V> headMap(K toKey) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(this).headMap(toKey));
  }

  @Override
  public SortedMap<K, V> tailMap(K fromKey) {
    return Collections.unmodifiableSortedMap(new TreeMap<>(this).tailMap(fromKey));
  }

  @Override
  public Set<Map.Entry<K, V>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<K, V>> iterator() {
        return inOrder();
      }

      @Override
      public int size() {
        return ImmutableSortedMapView.this.size();
      }
    };
  }
}
