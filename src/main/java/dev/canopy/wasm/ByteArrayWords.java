package dev.canopy.wasm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * Little-endian 16-, 32- and 64-bit words of a byte array, at an index that the caller has
 * already tested against the array's length: {@link PagedMemory}'s Wasm loads and stores.
 *
 * <p>Note: after {@link PagedMemory}'s own length test, a byte-array view {@link VarHandle} tests
 * the index a second time; C2 does not see that the first test implies the second. On the random
 * read-modify-write workload the engine's memory then took a third longer than Chicory's own
 * (+32-35%), and with {@link #RAW} the same time (+0-1%; bench/RESULTS.md, "Eleventh session").
 * {@link #RAW} reads and writes the array with {@code sun.misc.Unsafe}, which tests nothing: it is
 * only as safe as the caller's test, which is why this class is the package's and {@link
 * PagedMemory} uses it only on an array that {@link PagedMemory#covering} returned. {@link
 * #VIEWED} is the byte-array view, used where the raw access is not known to be right or allowed:
 * a platform that is not little-endian with unaligned access (x86-64 and aarch64 are), and Java 24
 * and later, which warn on (and will refuse) {@code sun.misc.Unsafe}'s memory access (JEP 471, JEP
 * 498).
 */
abstract sealed class ByteArrayWords permits ByteArrayWords.Raw, ByteArrayWords.Viewed {
  /** The byte-array view: tests the index again, on every platform. */
  static final ByteArrayWords VIEWED = new Viewed();
  /** Unsafe's access, or null where it is not used (see the class note). */
  static final ByteArrayWords RAW = Raw.create();
  /** What {@link PagedMemory} uses: a constant, so the JIT inlines its methods. */
  static final ByteArrayWords CHOSEN = RAW != null ? RAW : VIEWED;

  abstract short getShort(byte[] a, int i);

  abstract void putShort(byte[] a, int i, short v);

  abstract int getInt(byte[] a, int i);

  abstract void putInt(byte[] a, int i, int v);

  abstract long getLong(byte[] a, int i);

  abstract void putLong(byte[] a, int i, long v);

  static final class Viewed extends ByteArrayWords {
    private static final VarHandle SHORT =
        MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT =
        MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Viewed() {}

    @Override
    short getShort(byte[] a, int i) {
      return (short) SHORT.get(a, i);
    }

    @Override
    void putShort(byte[] a, int i, short v) {
      SHORT.set(a, i, v);
    }

    @Override
    int getInt(byte[] a, int i) {
      return (int) INT.get(a, i);
    }

    @Override
    void putInt(byte[] a, int i, int v) {
      INT.set(a, i, v);
    }

    @Override
    long getLong(byte[] a, int i) {
      return (long) LONG.get(a, i);
    }

    @Override
    void putLong(byte[] a, int i, long v) {
      LONG.set(a, i, v);
    }
  }

  /** Unsafe's access: the caller's test is the only one (see the class note). */
  static final class Raw extends ByteArrayWords {
    /** Little-endian, and unaligned words are plain loads and stores. */
    private static final Set<String> ARCHITECTURES = Set.of("amd64", "x86_64", "aarch64");
    /** The first Java release that warns on Unsafe's memory access (JEP 498). */
    private static final int WARNS_FROM_JAVA = 24;
    // Static, so that the JIT folds both into the access (an instance's final fields are loaded).
    private static final sun.misc.Unsafe UNSAFE = usableUnsafe();
    private static final long BASE = UNSAFE == null ? 0 : UNSAFE.arrayBaseOffset(byte[].class);

    private Raw() {}

    /** Null where the raw access is not known to be right or allowed (see the class note). */
    static Raw create() {
      return UNSAFE == null ? null : new Raw();
    }

    private static sun.misc.Unsafe usableUnsafe() {
      if (Runtime.version().feature() >= WARNS_FROM_JAVA
          || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN
          || !ARCHITECTURES.contains(System.getProperty("os.arch"))) {
        return null;
      }
      try {
        Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        return (sun.misc.Unsafe) f.get(null);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null; // not reachable in this runtime: the view serves
      }
    }

    @Override
    short getShort(byte[] a, int i) {
      return UNSAFE.getShort(a, BASE + i);
    }

    @Override
    void putShort(byte[] a, int i, short v) {
      UNSAFE.putShort(a, BASE + i, v);
    }

    @Override
    int getInt(byte[] a, int i) {
      return UNSAFE.getInt(a, BASE + i);
    }

    @Override
    void putInt(byte[] a, int i, int v) {
      UNSAFE.putInt(a, BASE + i, v);
    }

    @Override
    long getLong(byte[] a, int i) {
      return UNSAFE.getLong(a, BASE + i);
    }

    @Override
    void putLong(byte[] a, int i, long v) {
      UNSAFE.putLong(a, BASE + i, v);
    }
  }
}
