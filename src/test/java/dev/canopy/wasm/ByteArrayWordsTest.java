package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Both word accesses against bytes composed by hand, little-endian: at every index of a small
 * array (aligned or not, up to the last word that fits), a store changes exactly its own bytes
 * and a load reads them back.
 */
class ByteArrayWordsTest {
  private static final long SEED = 20261122L;
  private static final int LENGTH = 67; // odd, so the last words are unaligned

  @Test
  void theByteArrayViewStoresAndLoadsLittleEndianWordsAtEveryIndex() {
    checkEveryIndex(ByteArrayWords.VIEWED);
  }

  @Test
  void theRawAccessStoresAndLoadsLittleEndianWordsAtEveryIndex() {
    assumeTrue(ByteArrayWords.RAW != null, "skipped: no raw access on " + System.getProperty("os.arch")
        + ", Java " + Runtime.version().feature() + " (the byte-array view serves)");
    checkEveryIndex(ByteArrayWords.RAW);
  }

  @Test
  void theMemoryUsesTheRawAccessWhereThereIsOne() {
    assertThat(ByteArrayWords.CHOSEN).isSameAs(ByteArrayWords.RAW != null ? ByteArrayWords.RAW
        : ByteArrayWords.VIEWED);
  }

  private static void checkEveryIndex(ByteArrayWords words) {
    Random rnd = new Random(SEED);
    for (int size : new int[] {2, 4, 8}) {
      for (int i = 0; i <= LENGTH - size; i++) {
        String at = "seed " + SEED + ", " + size + " bytes at " + i;
        byte[] a = new byte[LENGTH];
        rnd.nextBytes(a);
        byte[] expected = a.clone();
        long v = rnd.nextLong();
        for (int k = 0; k < size; k++) {
          expected[i + k] = (byte) (v >>> (8 * k));
        }
        switch (size) {
          case 2 -> words.putShort(a, i, (short) v);
          case 4 -> words.putInt(a, i, (int) v);
          default -> words.putLong(a, i, v);
        }
        assertThat(a).as(at).containsExactly(expected);
        long read = switch (size) {
          case 2 -> words.getShort(a, i);
          case 4 -> words.getInt(a, i);
          default -> words.getLong(a, i);
        };
        long mask = size == 8 ? -1L : (1L << (8 * size)) - 1;
        assertThat(read & mask).as(at).isEqualTo(v & mask);
        assertThat(read).as(at + ", sign-extended").isEqualTo(size == 8 ? v : (v << (64 - 8 * size)) >> (64 - 8 * size));
      }
    }
  }
}
