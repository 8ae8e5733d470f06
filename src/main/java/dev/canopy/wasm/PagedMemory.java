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
 * The Wasm heap of one execution: a flat working copy of an immutable {@link PageMap} image, with
 * the blocks ({@link PageMap#BLOCK_SIZE}, 4 KiB) the execution wrote marked in a table of one byte
 * per block. {@link #freeze()} makes the next image from the source image and copies of the
 * written blocks that changed, sharing everything else; {@link #revert()} puts back the source's
 * bytes of the written blocks. A trap therefore leaves the committed state untouched, and neither
 * costs more than what the execution wrote.
 *
 * <p>Note: an access is what it is in Chicory's own {@code ByteArrayMemory} minus its page table:
 * one array access, tested against the array's length first (see below; that test is the only
 * one, words go through {@link ByteArrayWords}), and a write also stores one byte into the
 * written-block table (always, without a test). An earlier design kept
 * the image's blocks in a table and copied a block on its first write; its ownership test, the
 * table load and the copies cost 1.3-1.8x {@code ByteArrayMemory}'s time on random access
 * (bench/RESULTS.md). The price of the flat copy: an instance holds its heap's bytes (bounded in
 * {@link InstancePool}), and loading another image copies the blocks in which it differs from the
 * one held (by reference: images share the blocks they did not change, so a canister's next
 * version costs what the last message wrote, and a fresh instance copies what holds data).
 *
 * <p>A write of up to 16 bytes marks only the block it starts in; it may end in the next one, so
 * a block counts as written when it or the block before it is marked ({@link #written}). Bulk
 * writes mark every block they touch.
 *
 * <p>Physical size: the array covers at most the Wasm memory's size (so its bounds check is the
 * Wasm one) and grows on demand when an access lands beyond it but inside the memory ({@link
 * #ensurePhysical}); everything beyond it reads as zeros, in the memory and in its source image.
 * So a {@code memory.grow} bomb allocates nothing until the pages are used, and growth past the
 * limit returns -1 (Wasm semantics).
 *
 * <p>Note: each access tests the address against the array itself and takes the slow path (the
 * Wasm bounds check, growth) before touching it, rather than catching the array's {@code
 * IndexOutOfBoundsException}. The JIT compiles the byte-array view's bounds check as an intrinsic
 * that assumes it never fails; the first time it does in compiled code, the JVM records it against
 * that method for good and compiles every later caller, in every canister, with a plain check:
 * the metered hash workload then ran at about twice its time (bench/RESULTS.md, "growth without
 * an exception"). A fresh instance's growth did that within a few instances.
 *
 * <p>Note: {@link #freeze()} makes the memory hold the image it returns as its {@link #source},
 * so an instance whose execution was committed starts the canister's next message with nothing to
 * copy ({@link #reset} to that image only puts back what was written since, if anything). A
 * frozen image that was discarded instead is just another image to reset from: the blocks in which
 * it differs from the committed one are copied back.
 *
 * <p>Public only because the compiled code names it as its functions' memory type ({@link
 * ExactMemoryType}); its members are the package's.
 */
public final class PagedMemory implements Memory {
  private static final int BLOCK_SHIFT = PageMap.BLOCK_SHIFT;
  private static final int BLOCK_SIZE = PageMap.BLOCK_SIZE;
  private static final byte[] ZERO = PageMap.ZERO_BLOCK;
  /** Growth on demand adds at least this much, so a memory filled upwards copies little. */
  static final int MIN_PHYSICAL_GROWTH_BYTES = 1 << 20;

  /** The Wasm loads and stores of 2-8 bytes, after {@link #covering}'s test (and only then). */
  private static final ByteArrayWords WORDS = ByteArrayWords.CHOSEN;
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** The working bytes: a whole number of pages, never more than {@code nPages} of them. */
  private byte[] flat = new byte[0];
  /** One entry per block of {@link #flat}: non-zero when written since the source was held. */
  private byte[] written = new byte[0];
  /**
   * True when the memory holds exactly its source image: after a load, a revert or a freeze, until
   * {@link #beginExecution()} says that it may be written (the host's own writes, such as data
   * segments at instantiation, are marked and frozen like any other).
   */
  private boolean clean = true;
  private int nPages;
  private final int initialPages;
  private int maxPages;
  /** True when the memory holds a restored image: the instance's data segments must not apply. */
  private final boolean restored;
  /** The image loaded or frozen last and its page count; unwritten blocks hold its bytes. */
  private PageMap source;
  private int sourcePages;
  /** The module's data segments as instantiated, and as this execution sees them (data.drop). */
  private DataSegment[] instantiatedSegments = new DataSegment[0];
  private DataSegment[] dataSegments = new DataSegment[0];
  /**
   * The value of the instance's instruction counter global, when that global is a {@link
   * CounterGlobal}: for compiled code that {@link CounterGlobalShortcut} rewrote to reach it
   * through the memory ({@link CounterGlobalAccess}).
   */
  long instructionsLeft;

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
    this.maxPages = maxPages;
    this.nPages = pageCount;
    this.source = image;
    this.sourcePages = pageCount;
    resizePhysical(image.extentBytes());
    copyBlocksFrom(image, null, 0, blockCount());
  }

  private int blockCount() {
    return flat.length >>> BLOCK_SHIFT;
  }

  /**
   * A new working array of {@code bytes}, with as much of the old contents as fits; the written
   * table keeps its marks (the blocks cut off were beyond the memory or are reloaded by the caller).
   */
  private void resizePhysical(long bytes) {
    if (bytes != flat.length) {
      flat = Arrays.copyOf(flat, (int) bytes);
      written = Arrays.copyOf(written, (int) (bytes >>> BLOCK_SHIFT));
    }
  }

  /**
   * Copies into blocks {@code [from, to)} the bytes of {@code image} where they may differ from
   * what the memory holds: a block {@link #isWritten written} since it held {@code held}, or whose
   * block in {@code image} is another array than in {@code held} (null: copy every block). Clears
   * the marks, and the memory holds {@code image} from here (within the blocks given).
   */
  private void copyBlocksFrom(PageMap image, PageMap held, int from, int to) {
    int i = from;
    while (i < to) {
      int chunkEnd = Math.min(to, PageMap.chunkEndBlock(i));
      if (held != null && PageMap.sameChunk(image, held, i) && !anyWritten(i, chunkEnd)) {
        i = chunkEnd; // a shared chunk the memory did not write: it holds these bytes already
        continue;
      }
      for (; i < chunkEnd; i++) {
        byte[] next = image.blockOrNull(i);
        if (held == null || isWritten(i) || next != held.blockOrNull(i)) {
          System.arraycopy(next == null ? ZERO : next, 0, flat, i << BLOCK_SHIFT, BLOCK_SIZE);
        }
      }
    }
    Arrays.fill(written, (byte) 0);
  }

  private boolean anyWritten(int from, int to) {
    for (int k = Math.max(0, from - 1); k < to; k++) {
      if (written[k] != 0) {
        return true;
      }
    }
    return false;
  }

  /** Whether block {@code i} may differ from the source: it or the block before it is marked. */
  private boolean isWritten(int i) {
    return written[i] != 0 || (i > 0 && written[i - 1] != 0);
  }

  /**
   * Makes a restored memory hold {@code image} as if it had just been restored from it, for
   * another execution of the same instance: what this memory wrote is forgotten and dropped data
   * segments come back. Only the blocks in which the two may differ are copied (see the class
   * note); nothing when the memory holds {@code image} already.
   */
  void reset(PageMap image, int maxPages) {
    if (!restored) {
      throw new IllegalStateException("only a restored memory can be reset to an image");
    }
    this.maxPages = maxPages;
    if (image == source && nPages == sourcePages) {
      revert();
    } else {
      switchTo(image);
    }
    this.dataSegments = instantiatedSegments.clone();
  }

  private void switchTo(PageMap image) {
    long size = image.pageCount() * PAGE_SIZE;
    long extent = image.extentBytes();
    PageMap held = source;
    if (flat.length > size) {
      // The array must not outlast the memory's bounds: start from a new one.
      flat = new byte[0];
      written = new byte[0];
      held = null;
    }
    int before = blockCount();
    resizePhysical(Math.max(flat.length, extent)); // new blocks are zeros, as beyond the old extent
    this.nPages = (int) image.pageCount();
    this.source = image;
    this.sourcePages = nPages;
    copyBlocksFrom(image, held, 0, before);
    copyBlocksFrom(image, null, before, blockCount());
    clean = true;
  }

  /**
   * Makes the memory hold its source image again: nothing to do if it still does ({@link #clean});
   * otherwise the written blocks get the source's bytes back, and a memory that grew its size back.
   */
  void revert() {
    if (clean) {
      return;
    }
    long size = (long) sourcePages * PAGE_SIZE;
    if (flat.length > size) {
      resizePhysical(size); // cut what the growth added: beyond the source's size
    }
    nPages = sourcePages;
    for (int m = nextMarked(0); m >= 0; m = nextMarked(m + 1)) {
      for (int i = m; i <= lastWrittenFrom(m); i++) {
        byte[] b = source.blockOrNull(i);
        System.arraycopy(b == null ? ZERO : b, 0, flat, i << BLOCK_SHIFT, BLOCK_SIZE);
      }
    }
    Arrays.fill(written, (byte) 0);
    clean = true;
  }

  /** The memory may be written from here on (an execution starts): see {@link #clean}. */
  void beginExecution() {
    clean = false;
  }

  boolean isRestored() {
    return restored;
  }

  /**
   * The next immutable version: the source image with copies of the blocks written since that
   * changed, sharing every other block (and chunk of blocks); the source itself when nothing
   * changed. From here the memory holds the version as its source (see the class note).
   */
  PageMap freeze() {
    int[] changed = new int[16];
    byte[][] contents = new byte[16][];
    int n = 0;
    for (int m = nextMarked(0); m >= 0; m = nextMarked(m + 1)) {
      for (int i = m; i <= lastWrittenFrom(m); i++) {
        byte[] before = source.blockOrNull(i);
        int from = i << BLOCK_SHIFT;
        if (Arrays.equals(flat, from, from + BLOCK_SIZE, before == null ? ZERO : before, 0,
            BLOCK_SIZE)) {
          continue;
        }
        if (n == changed.length) {
          changed = Arrays.copyOf(changed, 2 * n);
          contents = Arrays.copyOf(contents, 2 * n);
        }
        changed[n] = i;
        contents[n] = Arrays.copyOfRange(flat, from, from + BLOCK_SIZE);
        n++;
      }
    }
    Arrays.fill(written, (byte) 0);
    if (n > 0 || nPages != source.pageCount()) {
      source = source.withBlocks(nPages, changed, contents, n);
    }
    sourcePages = nPages;
    clean = true;
    return source;
  }

  /**
   * The last block that marked block {@code m} stands for: the block after it, where a write may
   * end, unless that one is marked itself (the scan gets to it next) or beyond the array.
   */
  private int lastWrittenFrom(int m) {
    return m + 1 < blockCount() && written[m + 1] == 0 ? m + 1 : m;
  }

  /**
   * The first marked block at or after {@code from}, or -1: eight marks at a time, so that a
   * commit or a revert of a large heap costs little more than what the message wrote.
   */
  private int nextMarked(int from) {
    int n = written.length;
    int i = from;
    for (; i < n && (i & 7) != 0; i++) {
      if (written[i] != 0) {
        return i;
      }
    }
    while (i + 8 <= n && (long) LONG.get(written, i) == 0) {
      i += 8;
    }
    for (; i < n; i++) {
      if (written[i] != 0) {
        return i;
      }
    }
    return -1;
  }

  /** Blocks marked written since the memory last held its source (a load, revert or freeze). */
  int writtenBlocks() {
    int n = 0;
    for (byte w : written) {
      n += w == 0 ? 0 : 1;
    }
    return n;
  }

  /** Bytes of the working array: what the memory holds beyond its images. */
  long physicalBytes() {
    return flat.length;
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
    nPages = (int) wanted; // the new pages are zeros beyond the array until used
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

  /** The access's unsigned address, after checking it lies inside the memory. */
  private long checkBounds(int addr, int size) {
    long a = addr & 0xffff_ffffL;
    if (size < 0 || a + size > (long) nPages * PAGE_SIZE) {
      throw oob(a, size);
    }
    return a;
  }

  /**
   * The working array, covering the {@code size} bytes at {@code addr}: tested against its length
   * first (see the class note), and beyond it {@link #grownFor}. This test is the only one before
   * {@link ByteArrayWords}' raw access: an array it returns holds all {@code size} bytes.
   */
  private byte[] covering(int addr, int size) {
    byte[] f = flat;
    return addr >= 0 && addr <= f.length - size ? f : grownFor(addr, size);
  }

  /**
   * The slow path of an access beyond the working array, out of line: the Wasm bounds check (a
   * trap outside the memory), then the array grown to cover it.
   */
  private byte[] grownFor(int addr, int size) {
    long end = checkBounds(addr, size) + size;
    ensurePhysical(end);
    if (end > flat.length) { // never (ensurePhysical grows to cover it); the raw access relies on it
      throw new IllegalStateException("working array of " + flat.length + " bytes, access ends at " + end);
    }
    return flat;
  }

  private void ensurePhysical(long end) {
    if (end <= flat.length) {
      return;
    }
    long size = (long) nPages * PAGE_SIZE;
    long wanted = Math.max(end, Math.max(2L * flat.length, flat.length + MIN_PHYSICAL_GROWTH_BYTES));
    long pages = (Math.min(wanted, size) + PAGE_SIZE - 1) / PAGE_SIZE;
    resizePhysical(pages * PAGE_SIZE);
  }

  private void markWritten(long addr, long size) {
    if (size > 0) {
      Arrays.fill(written, (int) (addr >>> BLOCK_SHIFT), (int) ((addr + size - 1) >>> BLOCK_SHIFT) + 1,
          (byte) 1);
    }
  }

  @Override
  public void write(int addr, byte[] data, int offset, int size) {
    if (offset < 0 || size < 0 || offset > data.length - size) {
      throw oob(offset, size);
    }
    long a = checkBounds(addr, size);
    ensurePhysical(a + size);
    System.arraycopy(data, offset, flat, (int) a, size);
    markWritten(a, size);
  }

  @Override
  public byte read(int addr) {
    return covering(addr, 1)[addr];
  }

  @Override
  public byte[] readBytes(int addr, int len) {
    long a = checkBounds(addr, len);
    byte[] out = new byte[len];
    long present = Math.min(len, flat.length - a); // beyond the array: zeros
    if (present > 0) {
      System.arraycopy(flat, (int) a, out, 0, (int) present);
    }
    return out;
  }

  @Override
  public void writeByte(int addr, byte data) {
    covering(addr, 1)[addr] = data;
    written[addr >>> BLOCK_SHIFT] = 1;
  }

  @Override
  public void writeShort(int addr, short data) {
    WORDS.putShort(covering(addr, 2), addr, data);
    written[addr >>> BLOCK_SHIFT] = 1;
  }

  @Override
  public short readShort(int addr) {
    return WORDS.getShort(covering(addr, 2), addr);
  }

  @Override
  public long readU16(int addr) {
    return readShort(addr) & 0xffffL;
  }

  @Override
  public void writeI32(int addr, int data) {
    WORDS.putInt(covering(addr, 4), addr, data);
    written[addr >>> BLOCK_SHIFT] = 1;
  }

  @Override
  public int readInt(int addr) {
    return WORDS.getInt(covering(addr, 4), addr);
  }

  @Override
  public void writeLong(int addr, long data) {
    WORDS.putLong(covering(addr, 8), addr, data);
    written[addr >>> BLOCK_SHIFT] = 1;
  }

  @Override
  public long readLong(int addr) {
    return WORDS.getLong(covering(addr, 8), addr);
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
    long a = checkBounds(fromIndex, size);
    long end = a + size;
    if (value == 0) {
      end = Math.min(end, flat.length); // beyond the array it is zeros already
    } else {
      ensurePhysical(end);
    }
    if (end > a) {
      Arrays.fill(flat, (int) a, (int) end, value);
      markWritten(a, end - a);
    }
  }

  @Override
  public void copy(int dest, int src, int size) {
    long d = checkBounds(dest, size);
    long s = checkBounds(src, size);
    ensurePhysical(Math.max(d, s) + size);
    System.arraycopy(flat, (int) s, flat, (int) d, size); // as if through a buffer when overlapping
    markWritten(d, size);
  }
}
