package dev.canopy.wasm;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;

/**
 * An immutable memory image of 64 KiB Wasm pages, shared between versions: a new version copies
 * only the blocks written since the previous one (copy-on-write), so committing an execution costs
 * what it wrote, not the whole memory, and a trap simply drops the editor.
 *
 * <p>Storage is in blocks of {@value #BLOCK_SIZE} bytes, {@value #BLOCKS_PER_PAGE} to a page, in
 * chunks of {@value #CHUNK_BLOCKS} blocks; an absent chunk or block reads as zeros. Note: blocks
 * are smaller than Wasm pages because a message typically writes a few scattered words, and each
 * block it touches is copied once per execution: 4 KiB blocks (the Internet Computer tracks
 * changes in 4 KiB OS pages too) copy a sixteenth of what whole pages did. Everything outside this
 * class and {@link PagedMemory} sees pages: counts, hashes and checkpoints are as they were.
 */
public final class PageMap {
  public static final int PAGE_SIZE = 65536;
  static final int PAGE_SHIFT = 16;
  static final int BLOCK_SIZE = 4096;
  static final int BLOCK_SHIFT = 12;
  static final int BLOCKS_PER_PAGE = PAGE_SIZE / BLOCK_SIZE;
  static final int CHUNK_BLOCKS = 1024;
  private static final int CHUNK_SHIFT = 10;

  public static final PageMap EMPTY = new PageMap(new byte[0][][], 0);

  /** A block of zeros; never written. */
  static final byte[] ZERO_BLOCK = new byte[BLOCK_SIZE];

  private final byte[][][] chunks;
  private final long pageCount;

  private PageMap(byte[][][] chunks, long pageCount) {
    this.chunks = chunks;
    this.pageCount = pageCount;
  }

  public long pageCount() {
    return pageCount;
  }

  public long sizeBytes() {
    return pageCount * PAGE_SIZE;
  }

  long blockCount() {
    return pageCount * BLOCKS_PER_PAGE;
  }

  /** The block's bytes, or null for a block of zeros; callers must not modify it. */
  byte[] blockOrNull(long index) {
    int c = (int) (index >>> CHUNK_SHIFT);
    if (c >= chunks.length || chunks[c] == null) {
      return null;
    }
    return chunks[c][(int) (index & (CHUNK_BLOCKS - 1))];
  }

  /** Copies {@code length} bytes at {@code offset} (bounds checked by the caller). */
  public void read(long offset, byte[] dst, int dstOffset, int length) {
    readBlocks(this::blockOrNull, offset, dst, dstOffset, length);
  }

  /** Copies bytes out of the blocks {@code block} gives (null: a block of zeros). */
  private static void readBlocks(
      java.util.function.LongFunction<byte[]> block, long offset, byte[] dst, int dstOffset,
      int length) {
    while (length > 0) {
      long blockIndex = offset >>> BLOCK_SHIFT;
      int inBlock = (int) (offset & (BLOCK_SIZE - 1));
      int n = Math.min(length, BLOCK_SIZE - inBlock);
      byte[] b = block.apply(blockIndex);
      if (b == null) {
        Arrays.fill(dst, dstOffset, dstOffset + n, (byte) 0);
      } else {
        System.arraycopy(b, inBlock, dst, dstOffset, n);
      }
      offset += n;
      dstOffset += n;
      length -= n;
    }
  }

  /**
   * SHA-256 over the page count and every page that is not all zeros, with its index: equal
   * contents have equal hashes on every replica, however the pages happen to be stored, and the
   * cost is proportional to the pages that hold data.
   */
  public byte[] contentHash() {
    MessageDigest d = dev.canopy.types.Hashing.sha256Digest();
    ByteBuffer index = ByteBuffer.allocate(8);
    index.putLong(0, pageCount);
    d.update(index.array());
    forEachNonZeroPageBlocks((pageIndex, blocks) -> {
      index.putLong(0, pageIndex);
      d.update(index.array());
      for (byte[] b : blocks) {
        d.update(b == null ? ZERO_BLOCK : b);
      }
    });
    return d.digest();
  }

  private static boolean isZero(byte[] block) {
    return block == null || block == ZERO_BLOCK || Arrays.mismatch(block, ZERO_BLOCK) < 0;
  }

  /** Number of pages that hold data in some block (the rest read as zeros). */
  public long materializedPages() {
    long n = 0;
    for (byte[][] chunk : chunks) {
      if (chunk == null) {
        continue;
      }
      for (int p = 0; p < CHUNK_BLOCKS; p += BLOCKS_PER_PAGE) {
        for (int i = p; i < p + BLOCKS_PER_PAGE; i++) {
          if (chunk[i] != null) {
            n++;
            break;
          }
        }
      }
    }
    return n;
  }

  /** Receives the pages of a page map that hold data, in index order. */
  @FunctionalInterface
  public interface PageVisitor {
    /** {@code page} ({@link #PAGE_SIZE} bytes) is the visitor's to read, not to keep changing. */
    void visit(long index, byte[] page);
  }

  /** Visits every page that is not all zeros, by increasing index (for checkpoints). */
  public void forEachNonZeroPage(PageVisitor visitor) {
    forEachNonZeroPageBlocks((pageIndex, blocks) -> {
      byte[] page = new byte[PAGE_SIZE];
      for (int i = 0; i < BLOCKS_PER_PAGE; i++) {
        if (blocks[i] != null) {
          System.arraycopy(blocks[i], 0, page, i * BLOCK_SIZE, BLOCK_SIZE);
        }
      }
      visitor.visit(pageIndex, page);
    });
  }

  private interface PageBlocksVisitor {
    /** {@code blocks}: the page's blocks, null for zeros; reused between calls. */
    void visit(long pageIndex, byte[][] blocks);
  }

  private void forEachNonZeroPageBlocks(PageBlocksVisitor visitor) {
    byte[][] blocks = new byte[BLOCKS_PER_PAGE][];
    for (int c = 0; c < chunks.length; c++) {
      byte[][] chunk = chunks[c];
      if (chunk == null) {
        continue;
      }
      for (int p = 0; p < CHUNK_BLOCKS; p += BLOCKS_PER_PAGE) {
        long pageIndex = (((long) c << CHUNK_SHIFT) + p) / BLOCKS_PER_PAGE;
        if (pageIndex >= pageCount) {
          break;
        }
        boolean zero = true;
        for (int i = 0; i < BLOCKS_PER_PAGE; i++) {
          byte[] b = chunk[p + i];
          blocks[i] = isZero(b) ? null : b;
          zero &= blocks[i] == null;
        }
        if (!zero) {
          visitor.visit(pageIndex, blocks);
        }
      }
    }
  }

  /** Builds a page map page by page (for checkpoints); absent pages read as zeros. */
  public static final class Builder {
    private final long pageCount;
    private final byte[][][] chunks;

    public Builder(long pageCount) {
      if (pageCount < 0
          || pageCount * BLOCKS_PER_PAGE > ((long) Integer.MAX_VALUE << CHUNK_SHIFT)) {
        throw new IllegalArgumentException("page count out of range: " + pageCount);
      }
      this.pageCount = pageCount;
      long blocks = pageCount * BLOCKS_PER_PAGE;
      this.chunks = new byte[(int) ((blocks + CHUNK_BLOCKS - 1) >>> CHUNK_SHIFT)][][];
    }

    /** Sets a page of {@link #PAGE_SIZE} bytes (copied into blocks; zero blocks are not kept). */
    public Builder page(long index, byte[] page) {
      if (index < 0 || index >= pageCount || page.length != PAGE_SIZE) {
        throw new IllegalArgumentException("page " + index + " of " + pageCount + " with "
            + page.length + " bytes");
      }
      for (int i = 0; i < BLOCKS_PER_PAGE; i++) {
        int from = i * BLOCK_SIZE;
        if (Arrays.mismatch(page, from, from + BLOCK_SIZE, ZERO_BLOCK, 0, BLOCK_SIZE) < 0) {
          continue;
        }
        long blockIndex = index * BLOCKS_PER_PAGE + i;
        int c = (int) (blockIndex >>> CHUNK_SHIFT);
        if (chunks[c] == null) {
          chunks[c] = new byte[CHUNK_BLOCKS][];
        }
        chunks[c][(int) (blockIndex & (CHUNK_BLOCKS - 1))] =
            Arrays.copyOfRange(page, from, from + BLOCK_SIZE);
      }
      return this;
    }

    public PageMap build() {
      return new PageMap(chunks.clone(), pageCount);
    }
  }

  /**
   * Bytes up to the end of the last page with a block that holds data (0 when none): everything
   * beyond reads as zeros.
   */
  long extentBytes() {
    for (int c = chunks.length - 1; c >= 0; c--) {
      if (chunks[c] == null) {
        continue;
      }
      for (int i = CHUNK_BLOCKS - 1; i >= 0; i--) {
        long block = ((long) c << CHUNK_SHIFT) + i;
        if (chunks[c][i] != null && block < blockCount()) {
          return (block / BLOCKS_PER_PAGE + 1) * PAGE_SIZE;
        }
      }
    }
    return 0;
  }

  /**
   * The next version: {@code pageCount} pages (at least this one's), the blocks at {@code
   * indexes[k]} replaced by {@code blocks[k]} (for {@code k < n}; the arrays become the version's,
   * all-zero ones are dropped), every other chunk shared with this one.
   */
  PageMap withBlocks(long pageCount, int[] indexes, byte[][] blocks, int n) {
    if (pageCount < this.pageCount) {
      throw new IllegalArgumentException("a memory never shrinks: " + pageCount);
    }
    int nChunks = (int) ((pageCount * BLOCKS_PER_PAGE + CHUNK_BLOCKS - 1) >>> CHUNK_SHIFT);
    byte[][][] next = Arrays.copyOf(chunks, nChunks);
    BitSet copied = new BitSet();
    for (int k = 0; k < n; k++) {
      int c = indexes[k] >>> CHUNK_SHIFT;
      if (!copied.get(c)) {
        next[c] = next[c] == null ? new byte[CHUNK_BLOCKS][] : next[c].clone();
        copied.set(c);
      }
      next[c][indexes[k] & (CHUNK_BLOCKS - 1)] = isZero(blocks[k]) ? null : blocks[k];
    }
    return new PageMap(next, pageCount);
  }

  /** Whether the chunk holding block {@code block} is the same array (or absent) in both maps. */
  static boolean sameChunk(PageMap a, PageMap b, int block) {
    int c = block >>> CHUNK_SHIFT;
    byte[][] x = c < a.chunks.length ? a.chunks[c] : null;
    byte[][] y = c < b.chunks.length ? b.chunks[c] : null;
    return x == y;
  }

  /** The block after the last one of {@code block}'s chunk. */
  static int chunkEndBlock(int block) {
    return ((block >>> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;
  }

  /** An editor that starts from this image; the image itself never changes. */
  Editor edit() {
    return new Editor(this);
  }

  /** Copy-on-write changes to a page map; {@link #freeze()} makes the next immutable version. */
  static final class Editor {
    private byte[][][] chunks;
    private long pageCount;
    private final BitSet ownedChunks = new BitSet();
    /** Blocks allocated by this editor, by block index; only these may be written in place. */
    private final java.util.TreeMap<Long, byte[]> ownedBlocks = new java.util.TreeMap<>();

    private Editor(PageMap base) {
      this.chunks = base.chunks.clone();
      this.pageCount = base.pageCount;
    }

    long pageCount() {
      return pageCount;
    }

    void grow(long newPageCount) {
      long nChunks = (newPageCount * BLOCKS_PER_PAGE + CHUNK_BLOCKS - 1) >>> CHUNK_SHIFT;
      if (nChunks > chunks.length) {
        chunks = Arrays.copyOf(chunks, (int) nChunks);
      }
      pageCount = newPageCount;
    }

    void read(long offset, byte[] dst, int dstOffset, int length) {
      readBlocks(this::block, offset, dst, dstOffset, length);
    }

    void write(long offset, byte[] src, int srcOffset, int length) {
      while (length > 0) {
        long blockIndex = offset >>> BLOCK_SHIFT;
        int inBlock = (int) (offset & (BLOCK_SIZE - 1));
        int n = Math.min(length, BLOCK_SIZE - inBlock);
        System.arraycopy(src, srcOffset, writableBlock(blockIndex), inBlock, n);
        offset += n;
        srcOffset += n;
        length -= n;
      }
    }

    private byte[] block(long index) {
      int c = (int) (index >>> CHUNK_SHIFT);
      if (c >= chunks.length || chunks[c] == null) {
        return null;
      }
      return chunks[c][(int) (index & (CHUNK_BLOCKS - 1))];
    }

    private byte[] writableBlock(long index) {
      byte[] owned = ownedBlocks.get(index);
      if (owned != null) {
        return owned;
      }
      int c = (int) (index >>> CHUNK_SHIFT);
      if (!ownedChunks.get(c)) {
        chunks[c] = chunks[c] == null ? new byte[CHUNK_BLOCKS][] : chunks[c].clone();
        ownedChunks.set(c);
      }
      int i = (int) (index & (CHUNK_BLOCKS - 1));
      byte[] old = chunks[c][i];
      byte[] fresh = old == null ? new byte[BLOCK_SIZE] : old.clone();
      chunks[c][i] = fresh;
      ownedBlocks.put(index, fresh);
      return fresh;
    }

    /** Blocks written through this editor so far. */
    int dirtyBlocks() {
      return ownedBlocks.size();
    }

    PageMap freeze() {
      PageMap frozen = new PageMap(chunks.clone(), pageCount);
      // Later writes must copy again: the frozen version now shares these arrays.
      ownedChunks.clear();
      ownedBlocks.clear();
      return frozen;
    }
  }
}
