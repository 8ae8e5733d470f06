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
 * every chunk of blocks the execution did not change. A trap simply drops this object (or {@link
 * #revert()}s it), so the previous state is untouched without copying the whole memory.
 *
 * <p>Note: a block this memory owns (copied for writing, so no image holds it) is one byte longer
 * than {@link #BLOCK_SIZE} ({@link #OWNED_LENGTH}); every block of an image is exactly {@link
 * #BLOCK_SIZE}. A write therefore looks up one table, the one reads use, and tells ownership from
 * the array's length, which the access's bounds check loads anyway: a read-modify-write of a word
 * costs one table load instead of two (random access: 1.6x ByteArrayMemory's time before, see
 * bench/RESULTS.md). The price is that {@link #freeze()} gives the image copies of the changed
 * blocks instead of the blocks themselves.
 *
 * <p>Grown pages share one zero block until written, so a {@code memory.grow} bomb allocates
 * nothing; growth past the limit returns -1 (Wasm semantics).
 *
 * <p>A memory that is {@link #reset} to the image it was loaded from only puts back the blocks it
 * owns, so a reused instance pays for what its last execution wrote, not for the heap's size.
 *
 * <p>Note: {@link #freeze()} makes the memory hold the image it returns as if loaded from it (its
 * {@link #source}), and it keeps the blocks it owns, whose contents equal the image's copies. An
 * instance whose execution was committed therefore starts the canister's next message from that
 * image with no rebuilt table and no copy: {@link #reset} to the same image does nothing, and a
 * block written again is written in place (an {@code inc} of a Motoko counter rewrites the same
 * few blocks every message). A freeze compares each owned block with the source's and gives the
 * image a copy only of those that changed (an unchanged one keeps the source's block, and a
 * message that changed nothing returns the source itself). So that a canister writing new blocks
 * every message does not make every later freeze compare all of them, ownership of a block that
 * has not changed in {@link #KEEP_UNCHANGED_FREEZES} freezes is given up, and at most {@link
 * #MAX_KEPT_BLOCKS} are kept (1 MiB: what an idle instance holds beyond the image). A trap or a
 * discarded result is unaffected: {@link #revert()} of a memory that may have been written since
 * its last freeze ({@link #beginExecution()}) gives up every owned block (the image's block goes
 * back), and a reset to any other image loads it.
 */
final class PagedMemory implements Memory {
  private static final int BLOCK_SHIFT = PageMap.BLOCK_SHIFT;
  private static final int BLOCK_SIZE = PageMap.BLOCK_SIZE;
  private static final int BLOCK_MASK = BLOCK_SIZE - 1;
  private static final int BLOCKS_PER_PAGE = PageMap.BLOCKS_PER_PAGE;
  private static final byte[] ZERO = PageMap.ZERO_BLOCK;
  /** The length of a block this memory owns and may write in place (see the class note). */
  private static final int OWNED_LENGTH = BLOCK_SIZE + 1;
  /** Freezes in a row in which an owned block did not change before it is given up. */
  static final int KEEP_UNCHANGED_FREEZES = 4;
  /** Owned blocks kept past a freeze, at most (see the class note). */
  static final int MAX_KEPT_BLOCKS = 256;

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
  /** Indexes of the blocks this memory owns (each once), their arrays, and for each the freezes
   * in a row it did not change in; blocks not listed are the source's (or {@link #ZERO}). */
  private int[] owned = new int[16];
  private byte[][] ownedBlocks = new byte[16][];
  private int[] unchangedFreezes = new int[16];
  private int ownedCount;
  /**
   * True when the memory holds exactly its source image: after a load, a revert or a freeze, until
   * a block is owned or {@link #beginExecution()} says that owned blocks may be written.
   */
  private boolean clean = true;
  private int nPages;
  private final int initialPages;
  private int maxPages;
  /** True when the memory holds a restored image: the instance's data segments must not apply. */
  private final boolean restored;
  /** The image loaded or frozen last and its page count; blocks not owned are its blocks. */
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
    dropOwned();
    this.nPages = pageCount;
    this.source = image;
    this.sourcePages = image == PageMap.EMPTY ? pageCount : (int) image.pageCount();
    this.dirtyBlocks = 0;
    this.clean = true;
  }

  private void dropOwned() {
    Arrays.fill(ownedBlocks, 0, ownedCount, null);
    ownedCount = 0;
  }

  /**
   * Makes a restored memory hold {@code image} as if it had just been restored from it, for
   * another execution of the same instance: every block this memory wrote is forgotten (a {@link
   * #freeze()} handed out copies of them), and dropped
   * data segments come back. From the image it was loaded or frozen into, only the owned blocks are put
   * back, and nothing when the memory has not been written since it was frozen into {@code
   * image}.
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

  /**
   * Makes the memory hold its source image again: nothing to do if it still does ({@link #clean});
   * otherwise every owned block is given up and the source's block put back (the memory never
   * grew since, or it loads the source).
   */
  void revert() {
    dirtyBlocks = 0;
    if (clean) {
      return;
    }
    if (nPages != sourcePages) {
      load(source, sourcePages, maxPages);
      return;
    }
    for (int k = 0; k < ownedCount; k++) {
      blocks[owned[k]] = sourceBlock(owned[k]);
    }
    dropOwned();
    clean = true;
  }

  /** Owned blocks may be written from here on (an execution starts): see {@link #clean}. */
  void beginExecution() {
    clean = false;
  }

  private byte[] sourceBlock(int index) {
    byte[] b = source.blockOrNull(index);
    return b == null ? ZERO : b;
  }

  boolean isRestored() {
    return restored;
  }

  /**
   * The next immutable version: this memory's blocks, sharing every block that did not change
   * (and every chunk of them, when the memory did not grow). The changed blocks go into it as
   * copies ({@link #BLOCK_SIZE} long), so this memory keeps writing its own in place; from here
   * the memory holds the version as its source (see the class note).
   */
  PageMap freeze() {
    boolean sameShape = nPages == sourcePages && source != PageMap.EMPTY;
    java.util.BitSet changedChunks = sameShape ? new java.util.BitSet() : null;
    int changed = 0;
    for (int k = 0; k < ownedCount; k++) {
      int i = owned[k];
      byte[] mine = ownedBlocks[k];
      byte[] before = sourceBlock(i);
      if (Arrays.equals(mine, 0, BLOCK_SIZE, before, 0, BLOCK_SIZE)) {
        blocks[i] = before;
        unchangedFreezes[k]++;
      } else {
        blocks[i] = Arrays.copyOf(mine, BLOCK_SIZE);
        unchangedFreezes[k] = 0;
        changed++;
        if (changedChunks != null) {
          changedChunks.set(PageMap.chunkOf(i));
        }
      }
    }
    PageMap frozen;
    if (sameShape && changed == 0) {
      frozen = source;
    } else if (sameShape) {
      frozen = PageMap.fromFlat(blocks, nPages, source, changedChunks);
    } else {
      frozen = PageMap.fromFlat(blocks, nPages, null, null);
    }
    // Keep the blocks that changed lately, within the bound; the others stay the image's.
    int kept = 0;
    for (int k = 0; k < ownedCount; k++) {
      if (unchangedFreezes[k] < KEEP_UNCHANGED_FREEZES && kept < MAX_KEPT_BLOCKS) {
        blocks[owned[k]] = ownedBlocks[k];
        owned[kept] = owned[k];
        ownedBlocks[kept] = ownedBlocks[k];
        unchangedFreezes[kept] = unchangedFreezes[k];
        kept++;
      }
    }
    Arrays.fill(ownedBlocks, kept, ownedCount, null);
    ownedCount = kept;
    source = frozen;
    sourcePages = nPages;
    clean = true;
    return frozen;
  }

  /** Blocks this memory owns (writes in place), including those kept past a freeze. */
  int ownedBlockCount() {
    return ownedCount;
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
    if (ownedCount == owned.length) {
      owned = Arrays.copyOf(owned, ownedCount * 2);
      ownedBlocks = Arrays.copyOf(ownedBlocks, ownedCount * 2);
      unchangedFreezes = Arrays.copyOf(unchangedFreezes, ownedCount * 2);
    }
    owned[ownedCount] = index;
    ownedBlocks[ownedCount] = copy;
    unchangedFreezes[ownedCount] = 0;
    ownedCount++;
    dirtyBlocks++;
    clean = false;
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
