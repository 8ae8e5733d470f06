package dev.canopy.wasm;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.DataSegment;
import com.dylibso.chicory.wasm.types.PassiveDataSegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The Wasm heap of one execution, copy-on-write over an immutable {@link PageMap}: reads go
 * straight to the shared pages, the first write to a page copies it, and {@link #freeze()} makes
 * the next version from the page references. A trap simply drops this object, so the previous
 * state is untouched without copying the whole memory.
 *
 * <p>Grown pages share one zero page until written, so a {@code memory.grow} bomb allocates
 * nothing; growth past the limit returns -1 (Wasm semantics).
 */
final class PagedMemory implements Memory {
  private static final int PAGE_SHIFT = 16;
  private static final int PAGE_MASK = PAGE_SIZE - 1;
  private static final byte[] ZERO = PageMap.ZERO_PAGE;

  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Readable pages: a page, or {@link #ZERO}; null at and beyond {@link #nPages}. */
  private byte[][] pages;
  /** Pages this execution owns (may write in place); null where it must copy first. */
  private byte[][] writable;
  private int nPages;
  private final int initialPages;
  private int maxPages;
  /** True when the memory holds a restored image: the instance's data segments must not apply. */
  private final boolean restored;
  /** The module's data segments as instantiated, and as this execution sees them (data.drop). */
  private DataSegment[] instantiatedSegments = new DataSegment[0];
  private DataSegment[] dataSegments = new DataSegment[0];
  private int dirtyPages;

  /** A fresh memory of {@code initialPages} zero pages. */
  static PagedMemory fresh(int initialPages, int maxPages) {
    return new PagedMemory(PageMap.EMPTY, initialPages, initialPages, maxPages, false);
  }

  /** A memory holding an earlier image. */
  static PagedMemory restore(PageMap image, int initialPages, int maxPages) {
    return new PagedMemory(image, (int) image.pageCount(), initialPages, maxPages, true);
  }

  private PagedMemory(PageMap image, int pageCount, int initialPages, int maxPages, boolean restored) {
    this.initialPages = initialPages;
    this.restored = restored;
    load(image, pageCount, maxPages);
  }

  private void load(PageMap image, int pageCount, int maxPages) {
    this.maxPages = maxPages;
    int capacity = Math.max(pageCount, 16);
    this.pages = image.toFlat(capacity);
    for (int i = 0; i < pageCount; i++) {
      if (pages[i] == null) {
        pages[i] = ZERO;
      }
    }
    this.writable = new byte[pages.length][];
    this.nPages = pageCount;
    this.dirtyPages = 0;
  }

  /**
   * Makes a restored memory hold {@code image} as if it had just been restored from it, for
   * another execution of the same instance: every page this memory wrote is forgotten (pages a
   * {@link #freeze()} handed out stay as they were, since writes copy a page first), and dropped
   * data segments come back.
   */
  void reset(PageMap image, int maxPages) {
    if (!restored) {
      throw new IllegalStateException("only a restored memory can be reset to an image");
    }
    load(image, (int) image.pageCount(), maxPages);
    this.dataSegments = instantiatedSegments.clone();
  }

  /** The next immutable version: this memory's pages, sharing every page it did not write. */
  PageMap freeze() {
    return PageMap.fromFlat(pages, nPages);
  }

  boolean isRestored() {
    return restored;
  }

  int dirtyPages() {
    return dirtyPages;
  }

  @Override
  public int pages() {
    return nPages;
  }

  @Override
  public int grow(int delta) {
    int previous = nPages;
    long wanted = (long) previous + (delta & 0xffff_ffffL);
    if (wanted > maxPages) {
      return -1;
    }
    int n = (int) wanted;
    if (n > pages.length) {
      int capacity = (int) Math.min(Math.max((long) pages.length * 2, n), maxPages);
      pages = Arrays.copyOf(pages, capacity);
      writable = Arrays.copyOf(writable, capacity);
    }
    Arrays.fill(pages, previous, n, ZERO);
    nPages = n;
    return previous;
  }

  @Override
  public int initialPages() {
    return initialPages;
  }

  @Override
  public int maximumPages() {
    return maxPages;
  }

  @Override
  public boolean shared() {
    return false;
  }

  @Override
  public Object lock(int address) {
    return this;
  }

  @Override
  public int waitOn(int address, int expected, long timeout) {
    throw new WasmRuntimeException("atomic wait on an unshared memory");
  }

  @Override
  public int waitOn(int address, long expected, long timeout) {
    throw new WasmRuntimeException("atomic wait on an unshared memory");
  }

  @Override
  public int notify(int address, int maxThreads) {
    return 0;
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments) {
    initialize(instance, segments, 0);
  }

  @Override
  public void initialize(Instance instance, DataSegment[] segments, int memoryIndex) {
    this.instantiatedSegments = segments == null ? new DataSegment[0] : segments.clone();
    this.dataSegments = instantiatedSegments.clone();
    if (restored) {
      return; // the image already holds what the segments wrote at install time
    }
    for (DataSegment s : dataSegments) {
      if (s instanceof ActiveDataSegment a && a.index() == memoryIndex) {
        long offset =
            ConstantEvaluators.computeConstantValue(instance, a.offsetInstructions())[0]
                & 0xffff_ffffL;
        byte[] data = a.data();
        if (offset + data.length > (long) nPages * PAGE_SIZE) {
          throw new UninstantiableException("out of bounds memory access: data segment");
        }
        write((int) offset, data, 0, data.length);
      }
    }
  }

  @Override
  public void initPassiveSegment(int segmentId, int dest, int offset, int size) {
    byte[] data = dataSegments[segmentId].data();
    write(dest, data, offset, size);
  }

  @Override
  public void drop(int segment) {
    dataSegments[segment] = PassiveDataSegment.EMPTY;
  }

  @Override
  public void zero() {
    if (!restored) {
      // A fresh memory is already zero; the instance calls this before the data segments.
      return;
    }
  }

  private static WasmRuntimeException oob(long addr, long size) {
    return new WasmRuntimeException(
        "out of bounds memory access: attempted to access address: " + addr + " size: " + size);
  }

  private void checkBounds(int addr, int size) {
    long a = addr & 0xffff_ffffL;
    if (size < 0 || a + size > (long) nPages * PAGE_SIZE) {
      throw oob(a, size);
    }
  }

  private byte[] writablePage(int index) {
    byte[] p = writable[index];
    return p != null ? p : own(index);
  }

  private byte[] own(int index) {
    if (index >= nPages) {
      throw oob((long) index << PAGE_SHIFT, 1);
    }
    byte[] src = pages[index];
    byte[] copy = src == ZERO ? new byte[PAGE_SIZE] : src.clone();
    pages[index] = copy;
    writable[index] = copy;
    dirtyPages++;
    return copy;
  }

  private RuntimeException translate(RuntimeException e, int addr, int size) {
    if (e instanceof IndexOutOfBoundsException || e instanceof NullPointerException) {
      return oob(addr & 0xffff_ffffL, size);
    }
    return e;
  }

  @Override
  public void write(int addr, byte[] data, int offset, int size) {
    if (offset < 0 || size < 0 || offset > data.length - size) {
      throw oob(offset, size);
    }
    checkBounds(addr, size);
    while (size > 0) {
      int off = addr & PAGE_MASK;
      int n = Math.min(size, PAGE_SIZE - off);
      System.arraycopy(data, offset, writablePage(addr >>> PAGE_SHIFT), off, n);
      addr += n;
      offset += n;
      size -= n;
    }
  }

  @Override
  public byte read(int addr) {
    try {
      return pages[addr >>> PAGE_SHIFT][addr & PAGE_MASK];
    } catch (RuntimeException e) {
      throw translate(e, addr, 1);
    }
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    checkBounds(addr, len);
    byte[] out = new byte[len];
    int pos = 0;
    while (len > 0) {
      int off = addr & PAGE_MASK;
      int n = Math.min(len, PAGE_SIZE - off);
      System.arraycopy(pages[addr >>> PAGE_SHIFT], off, out, pos, n);
      addr += n;
      pos += n;
      len -= n;
    }
    return out;
  }

  @Override
  public void writeByte(int addr, byte data) {
    try {
      writablePage(addr >>> PAGE_SHIFT)[addr & PAGE_MASK] = data;
    } catch (RuntimeException e) {
      throw translate(e, addr, 1);
    }
  }

  @Override
  public void writeShort(int addr, short data) {
    int off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 2) {
      try {
        SHORT.set(writablePage(addr >>> PAGE_SHIFT), off, data);
      } catch (RuntimeException e) {
        throw translate(e, addr, 2);
      }
    } else {
      checkBounds(addr, 2);
      writeByte(addr, (byte) data);
      writeByte(addr + 1, (byte) (data >>> 8));
    }
  }

  @Override
  public short readShort(int addr) {
    int off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 2) {
      try {
        return (short) SHORT.get(pages[addr >>> PAGE_SHIFT], off);
      } catch (RuntimeException e) {
        throw translate(e, addr, 2);
      }
    }
    checkBounds(addr, 2);
    return (short) ((read(addr) & 0xff) | ((read(addr + 1) & 0xff) << 8));
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xffffL;
  }

  @Override
  public void writeI32(int addr, int data) {
    int off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      try {
        INT.set(writablePage(addr >>> PAGE_SHIFT), off, data);
      } catch (RuntimeException e) {
        throw translate(e, addr, 4);
      }
    } else {
      checkBounds(addr, 4);
      for (int i = 0; i < 4; i++) {
        writeByte(addr + i, (byte) (data >>> (8 * i)));
      }
    }
  }

  @Override
  public int readInt(int addr) {
    int off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 4) {
      try {
        return (int) INT.get(pages[addr >>> PAGE_SHIFT], off);
      } catch (RuntimeException e) {
        throw translate(e, addr, 4);
      }
    }
    checkBounds(addr, 4);
    int v = 0;
    for (int i = 0; i < 4; i++) {
      v |= (read(addr + i) & 0xff) << (8 * i);
    }
    return v;
  }

  @Override
  public void writeLong(int addr, long data) {
    int off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 8) {
      try {
        LONG.set(writablePage(addr >>> PAGE_SHIFT), off, data);
      } catch (RuntimeException e) {
        throw translate(e, addr, 8);
      }
    } else {
      checkBounds(addr, 8);
      for (int i = 0; i < 8; i++) {
        writeByte(addr + i, (byte) (data >>> (8 * i)));
      }
    }
  }

  @Override
  public long readLong(int addr) {
    int off = addr & PAGE_MASK;
    if (off <= PAGE_SIZE - 8) {
      try {
        return (long) LONG.get(pages[addr >>> PAGE_SHIFT], off);
      } catch (RuntimeException e) {
        throw translate(e, addr, 8);
      }
    }
    checkBounds(addr, 8);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v |= (read(addr + i) & 0xffL) << (8 * i);
    }
    return v;
  }

  @Override
  public void writeF32(int addr, float data) {
    writeI32(addr, Float.floatToRawIntBits(data));
  }

  @Override
  public long readF32(int addr) {
    return readInt(addr) & 0xffff_ffffL;
  }

  @Override
  public float readFloat(int addr) {
    return Float.intBitsToFloat(readInt(addr));
  }

  @Override
  public void writeF64(int addr, double data) {
    writeLong(addr, Double.doubleToRawLongBits(data));
  }

  @Override
  public double readDouble(int addr) {
    return Double.longBitsToDouble(readLong(addr));
  }

  @Override
  public long readF64(int addr) {
    return readLong(addr);
  }

  @Override
  public void fill(byte value, int fromIndex, int toIndex) {
    int size = toIndex - fromIndex;
    checkBounds(fromIndex, size);
    int addr = fromIndex;
    while (size > 0) {
      int off = addr & PAGE_MASK;
      int n = Math.min(size, PAGE_SIZE - off);
      int page = addr >>> PAGE_SHIFT;
      if (!(value == 0 && pages[page] == ZERO)) {
        Arrays.fill(writablePage(page), off, off + n, value);
      }
      addr += n;
      size -= n;
    }
  }

  @Override
  public void copy(int dest, int src, int size) {
    checkBounds(dest, size);
    checkBounds(src, size);
    // In chunks through a small buffer, backwards when the ranges overlap with dest after src.
    byte[] buf = new byte[Math.min(size, PAGE_SIZE)];
    if (Integer.compareUnsigned(dest, src) <= 0) {
      for (int done = 0; done < size; ) {
        int n = Math.min(buf.length, size - done);
        copyChunk(src + done, dest + done, n, buf);
        done += n;
      }
    } else {
      for (int left = size; left > 0; ) {
        int n = Math.min(buf.length, left);
        left -= n;
        copyChunk(src + left, dest + left, n, buf);
      }
    }
  }

  private void copyChunk(int src, int dest, int n, byte[] buf) {
    int pos = 0;
    int a = src;
    while (pos < n) {
      int off = a & PAGE_MASK;
      int k = Math.min(n - pos, PAGE_SIZE - off);
      System.arraycopy(pages[a >>> PAGE_SHIFT], off, buf, pos, k);
      pos += k;
      a += k;
    }
    write(dest, buf, 0, n);
  }
}
