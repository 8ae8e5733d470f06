package dev.canopy.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PersistentSortedMapTest {
  @Test
  void behavesAsATreeMapAndEveryOldVersionStaysAsItWas() {
    long seed = 0x9e37_79b9L;
    SplittableRandom random = new SplittableRandom(seed);
    PersistentSortedMap<Integer, Integer> map = PersistentSortedMap.empty();
    TreeMap<Integer, Integer> reference = new TreeMap<>();
    List<PersistentSortedMap<Integer, Integer>> versions = new ArrayList<>();
    List<TreeMap<Integer, Integer>> expected = new ArrayList<>();
    for (int step = 0; step < 4_000; step++) {
      int key = random.nextInt(600);
      if (random.nextInt(3) == 0) {
        map = map.without(key);
        reference.remove(key);
      } else {
        int value = random.nextInt(1_000);
        map = map.with(key, value);
        reference.put(key, value);
      }
      assertThat(map.size()).as("seed %d, step %d", seed, step).isEqualTo(reference.size());
      assertBalanced(map.root(), seed);
      if (step % 97 == 0) {
        versions.add(map);
        expected.add(new TreeMap<>(reference));
      }
    }
    assertThat(map).as("seed %d", seed).isEqualTo(reference);
    assertThat(new ArrayList<>(map.keySet())).containsExactlyElementsOf(reference.keySet());
    assertThat(map.firstKey()).isEqualTo(reference.firstKey());
    assertThat(map.lastKey()).isEqualTo(reference.lastKey());
    assertThat(map.headMap(300)).isEqualTo(reference.headMap(300));
    assertThat(map.tailMap(300)).isEqualTo(reference.tailMap(300));
    assertThat(map.subMap(100, 200)).isEqualTo(reference.subMap(100, 200));
    for (int i = 0; i < versions.size(); i++) {
      assertThat(versions.get(i)).as("seed %d, version %d", seed, i).isEqualTo(expected.get(i));
    }
  }

  @Test
  void anUnchangingUpdateReturnsTheSameMap() {
    Integer value = 7;
    PersistentSortedMap<Integer, Integer> map = PersistentSortedMap.<Integer, Integer>empty().with(1, value);
    assertThat(map.with(1, value)).isSameAs(map);
    assertThat(map.without(2)).isSameAs(map);
    assertThat(map.without(1).isEmpty()).isTrue();
    assertThatThrownBy(() -> map.without(1).firstKey()).isInstanceOf(NoSuchElementException.class);
    assertThatThrownBy(() -> map.put(2, 2)).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> map.with(3, null)).isInstanceOf(NullPointerException.class);
  }

  /** AVL: heights of siblings differ by at most one, sizes add up, keys in order. */
  private static int assertBalanced(PersistentSortedMap.Node<Integer, Integer> n, long seed) {
    if (n == null) {
      return 0;
    }
    int hl = assertBalanced(n.left, seed);
    int hr = assertBalanced(n.right, seed);
    assertThat(Math.abs(hl - hr)).as("seed %d: balance at %d", seed, n.key).isLessThanOrEqualTo(1);
    assertThat(n.height).isEqualTo(1 + Math.max(hl, hr));
    assertThat(n.size)
        .isEqualTo(1 + PersistentSortedMap.size(n.left) + PersistentSortedMap.size(n.right));
    if (n.left != null) {
      assertThat(n.left.key).isLessThan(n.key);
    }
    if (n.right != null) {
      assertThat(n.right.key).isGreaterThan(n.key);
    }
    return n.height;
  }
}
