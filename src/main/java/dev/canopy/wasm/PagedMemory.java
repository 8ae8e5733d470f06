package dev.canopy.wasm;

import com.dylibso.chicory.runtime.ConstantEvaluators;
import com.dylibso.chicory.runtime.GlobalInstance;
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
 * straight to the shared blocks, the first write to a block (4 KiB, {@link PageMap#BLOCK_SIZE})
 * copies it, and {@link #freeze()} makes the next version from the block references, sharing
 * every chunk of blocks the execution did not write. A trap simply drops this object, so the
 * previous state is untouched without copying the whole memory.
 *
 * <p>Note: a block this memory owns (copied for writing, so no image holds it) is one byte longer
 * than {@link #BLOCK_SIZE} ({@link #OWNED_LENGTH}); every block of an image is exactly {@link
 * #BLOCK_SIZE}. A write therefore looks up one table, the one reads use, and tells ownership from
 * the array's length, which the access's bounds check loads anyway: a read-modify-write of a word
 * costs one table load instead of two (random access: 1.6x ByteArrayMemory's time before, see
 * bench/RESULTS.md). The price is that {@link #freeze()} gives the image copies of the written
 * blocks instead of the blocks themselves.
 *
 * <p>Grown pages share one zero block until written, so a {@code memory.grow} bomb allocates
 * nothing; growth past the limit returns -1 (Wasm semantics).
 *
 * <p>A memory that is {@link #reset} to the image it was loaded from only puts back the blocks it
 * replaced, so a reused instance pays for what its last execution wrote, not for the heap's size.
 */
final class PagedMemory implements Memory {
  private static final int BLOCK_SHIFT = PageMap.BLOCK_SHIFT;
  private static final int BLOCK_SIZE = PageMap.BLOCK_SIZE;
  private static final int BLOCK_MASK = BLOCK_SIZE - 1;
  private static final int BLOCKS_PER_PAGE = PageMap.BLOCKS_PER_PAGE;
  private static final byte[] ZERO = PageMap.ZERO_BLOCK;
  /** The length of a block this memory owns and may write in place (see the class note). */
  private static final int OWNED_LENGTH = BLOCK_SIZE + 1;

  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * The blocks: an image's block or {@link #ZERO} ({@link #BLOCK_SIZE} long, read only), or one
   * this memory owns ({@link #OWNED_LENGTH} long); null at and beyond {@code nPages} pages.
   */
  private byte[][] blocks;
  /** Indexes of the blocks replaced (owned) since the image was loaded (each once). */
  private int[] replaced = new int[16];
  private int replacedCount;
  private int nPages;
  private final int initialPages;
  private int maxPages;
  /** True when the memory holds a restored image: the instance's data segments must not apply. */
  private final boolean restored;
  /** The image loaded last and its page count; blocks not replaced are still its blocks. */
  private PageMap source;
  private int sourcePages;
  /** The module's data segments as instantiated, and as this execution sees them (data.drop). */
  private DataSegment[] instantiatedSegments = new DataSegment[0];
  private DataSegment[] dataSegments = new DataSegment[0];
  private int dirtyBlocks;
  /**
   * The instance's instruction counter global, for compiled code that {@link
   * CounterGlobalShortcut} rewrote to reach it through the memory ({@link CounterGlobalAccess}).
   */
  private GlobalInstance counterGlobal;

  /** Binds the counter global, before any of the instance's code runs. */
  void bindCounterGlobal(GlobalInstance global) {
    this.counterGlobal = global;
  }

  GlobalInstance counterGlobal() {
    return counterGlobal;
  }

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
    int nBlocks = pageCount * BLOCKS_PER_PAGE;
    this.blocks = image.toFlat(Math.max(nBlocks, 16 * BLOCKS_PER_PAGE));
    for (int i = 0; i < nBlocks; i++) {
      if (blocks[i] == null) {
        blocks[i] = ZERO;
      }
    }
    this.replacedCount = 0;
    this.nPages = pageCount;
    this.source = image;
    this.sourcePages = image == PageMap.EMPTY ? pageCount : (int) image.pageCount();
    this.dirtyBlocks = 0;
  }

  /**
   * Makes a restored memory hold {@code image} as if it had just been restored from it, for
   * another execution of the same instance: every block this memory wrote is forgotten (a {@link
   * #freeze()} handed out copies of them), and dropped
   * data segments come back. From the image it was loaded from, only the replaced blocks are put
   * back.
   */
  void reset(PageMap image, int maxPages) {
    if (!restored) {
      throw new IllegalStateException("only a restored memory can be reset to an image");
    }
    if (image == source && nPages == sourcePages) {
      revert();
      this.maxPages = maxPages;
    } else {
      load(image, (int) image.pageCount(), maxPages);
    }
    this.dataSegments = instantiatedSegments.clone();
  }

  /** Puts back the blocks replaced since the image was loaded (the memory never grew since). */
  void revert() {
    if (nPages != sourcePages) {
      load(source, sourcePages, maxPages);
      return;
    }
    for (int k = 0; k < replacedCount; k++) {
      int i = replaced[k];
      byte[] original = source.blockOrNull(i);
      blocks[i] = original == null ? ZERO : original;
    }
    replacedCount = 0;
    dirtyBlocks = 0;
  }

  boolean isRestored() {
    return restored;
  }

  /**
   * The next immutable version: this memory's blocks, sharing every block it did not write (and
   * every chunk of them, when the memory did not grow). The written blocks go into it as copies
   * ({@link #BLOCK_SIZE} long), so this memory keeps writing its own in place.
   */
  PageMap freeze() {
    byte[][] owned = new byte[replacedCount][];
    for (int k = 0; k < replacedCount; k++) {
      int i = replaced[k];
      owned[k] = blocks[i];
      blocks[i] = Arrays.copyOf(owned[k], BLOCK_SIZE);
    }
    PageMap frozen;
    if (nPages == sourcePages && source != PageMap.EMPTY) {
      java.util.BitSet changed = new java.util.BitSet();
      for (int k = 0; k < replacedCount; k++) {
        changed.set(PageMap.chunkOf(replaced[k]));
      }
      frozen = PageMap.fromFlat(blocks, nPages, source, changed);
    } else {
      frozen = PageMap.fromFlat(blocks, nPages, null, null);
    }
    for (int k = 0; k < replacedCount; k++) {
      blocks[replaced[k]] = owned[k];
    }
    return frozen;
  }

  /** Blocks copied for writing since the image was loaded. */
  int dirtyBlocks() {
    return dirtyBlocks;
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
    int nBlocks = n * BLOCKS_PER_PAGE;
    if (nBlocks > blocks.length) {
      long capacity = Math.min(Math.max((long) blocks.length * 2, nBlocks),
          (long) maxPages * BLOCKS_PER_PAGE);
      blocks = Arrays.copyOf(blocks, (int) capacity);
    }
    Arrays.fill(blocks, previous * BLOCKS_PER_PAGE, nBlocks, ZERO);
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

  /**
   * Block {@code index} to write in place, copied first if not owned yet. Beyond the memory it
   * throws an IndexOutOfBoundsException or NullPointerException (for {@link #translate}), or
   * {@link #own} throws the trap.
   */
  private byte[] writableBlock(int index) {
    byte[] block = blocks[index];
    if (block.length == OWNED_LENGTH) {
      return block;
    }
    return own(index);
  }

  private byte[] own(int index) {
    if (index < 0 || index >= nPages * BLOCKS_PER_PAGE) {
      throw oob(((long) index & 0xffff_ffffL) << BLOCK_SHIFT, 1);
    }
    byte[] src = blocks[index];
    byte[] copy = src == ZERO ? new byte[OWNED_LENGTH] : Arrays.copyOf(src, OWNED_LENGTH);
    blocks[index] = copy;
    if (replacedCount == replaced.length) {
      replaced = Arrays.copyOf(replaced, replacedCount * 2);
    }
    replaced[replacedCount++] = index;
    dirtyBlocks++;
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
      int off = addr & BLOCK_MASK;
      int n = Math.min(size, BLOCK_SIZE - off);
      System.arraycopy(data, offset, writableBlock(addr >>> BLOCK_SHIFT), off, n);
      addr += n;
      offset += n;
      size -= n;
    }
  }

  @Override
  public byte read(int addr) {
    try {
      return blocks[addr >>> BLOCK_SHIFT][addr & BLOCK_MASK];
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
      int off = addr & BLOCK_MASK;
      int n = Math.min(len, BLOCK_SIZE - off);
      System.arraycopy(blocks[addr >>> BLOCK_SHIFT], off, out, pos, n);
      addr += n;
      pos += n;
      len -= n;
    }
    return out;
  }

  @Override
  public void writeByte(int addr, byte data) {
    try {
      writableBlock(addr >>> BLOCK_SHIFT)[addr & BLOCK_MASK] = data;
    } catch (RuntimeException e) {
      throw translate(e, addr, 1);
    }
  }

  @Override
  public void writeShort(int addr, short data) {
    int off = addr & BLOCK_MASK;
    if (off <= BLOCK_SIZE - 2) {
      try {
        SHORT.set(writableBlock(addr >>> BLOCK_SHIFT), off, data);
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
    int off = addr & BLOCK_MASK;
    if (off <= BLOCK_SIZE - 2) {
      try {
        return (short) SHORT.get(blocks[addr >>> BLOCK_SHIFT], off);
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
    int off = addr & BLOCK_MASK;
    if (off <= BLOCK_SIZE - 4) {
      try {
        INT.set(writableBlock(addr >>> BLOCK_SHIFT), off, data);
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
    int off = addr & BLOCK_MASK;
    if (off <= BLOCK_SIZE - 4) {
      try {
        return (int) INT.get(blocks[addr >>> BLOCK_SHIFT], off);
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
    int off = addr & BLOCK_MASK;
    if (off <= BLOCK_SIZE - 8) {
      try {
        LONG.set(writableBlock(addr >>> BLOCK_SHIFT), off, data);
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
    int off = addr & BLOCK_MASK;
    if (off <= BLOCK_SIZE - 8) {
      try {
        return (long) LONG.get(blocks[addr >>> BLOCK_SHIFT], off);
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
      int off = addr & BLOCK_MASK;
      int n = Math.min(size, BLOCK_SIZE - off);
      int block = addr >>> BLOCK_SHIFT;
      if (!(value == 0 && blocks[block] == ZERO)) {
        Arrays.fill(writableBlock(block), off, off + n, value);
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
      int off = a & BLOCK_MASK;
      int k = Math.min(n - pos, BLOCK_SIZE - off);
      System.arraycopy(blocks[a >>> BLOCK_SHIFT], off, buf, pos, k);
      pos += k;
      a += k;
    }
    write(dest, buf, 0, n);
  }
}
