package dev.canopy.wasm;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.BitSet;

/**
 * An immutable memory image in 64 KiB pages, shared between versions: a new version copies only
 * the pages written since the previous one (copy-on-write), so committing an execution costs its
 * dirty pages, not the whole memory, and a trap simply drops the editor.
 *
 * <p>Pages are grouped in chunks of {@value #CHUNK_PAGES}; an absent chunk or page reads as zeros.
 */
public final class PageMap {
  public static final int PAGE_SIZE = 65536;
  static final int PAGE_SHIFT = 16;
  static final int CHUNK_PAGES = 1024;
  private static final int CHUNK_SHIFT = 10;

  public static final PageMap EMPTY = new PageMap(new byte[0][][], 0);

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

  /** The page's bytes, or null for a page of zeros; callers must not modify it. */
  byte[] page(long index) {
    if (index < 0 || index >= pageCount) {
      throw new IndexOutOfBoundsException("page " + index + " of " + pageCount);
    }
    int c = (int) (index >>> CHUNK_SHIFT);
    if (c >= chunks.length || chunks[c] == null) {
      return null;
    }
    return chunks[c][(int) (index & (CHUNK_PAGES - 1))];
  }

  /** Copies {@code length} bytes at {@code offset} (bounds checked by the caller). */
  public void read(long offset, byte[] dst, int dstOffset, int length) {
    readPages(this::page, offset, dst, dstOffset, length);
  }

  /** Copies bytes out of the pages {@code page} gives (null: a page of zeros). */
  private static void readPages(
      java.util.function.LongFunction<byte[]> page, long offset, byte[] dst, int dstOffset,
      int length) {
    while (length > 0) {
      long pageIndex = offset >>> PAGE_SHIFT;
      int inPage = (int) (offset & (PAGE_SIZE - 1));
      int n = Math.min(length, PAGE_SIZE - inPage);
      byte[] p = page.apply(pageIndex);
      if (p == null) {
        Arrays.fill(dst, dstOffset, dstOffset + n, (byte) 0);
      } else {
        System.arraycopy(p, inPage, dst, dstOffset, n);
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
    for (int c = 0; c < chunks.length; c++) {
      if (chunks[c] == null) {
        continue;
      }
      for (int i = 0; i < CHUNK_PAGES; i++) {
        long pageIndex = ((long) c << CHUNK_SHIFT) + i;
        byte[] p = chunks[c][i];
        if (p != null && pageIndex < pageCount && !isZero(p)) {
          index.putLong(0, pageIndex);
          d.update(index.array());
          d.update(p);
        }
      }
    }
    return d.digest();
  }

  private static boolean isZero(byte[] page) {
    return Arrays.mismatch(page, ZERO_PAGE) < 0;
  }

  /** Number of pages that hold data (the rest read as zeros). */
  public long materializedPages() {
    long n = 0;
    for (byte[][] chunk : chunks) {
      if (chunk != null) {
        for (byte[] p : chunk) {
          if (p != null) {
            n++;
          }
        }
      }
    }
    return n;
  }

  static final byte[] ZERO_PAGE = new byte[PAGE_SIZE];

  /** Receives the pages of a page map that hold data, in index order. */
  @FunctionalInterface
  public interface PageVisitor {
    /** {@code page} is shared: read it, never change it. */
    void visit(long index, byte[] page);
  }

  /** Visits every materialized page that is not all zeros, by increasing index (for checkpoints). */
  public void forEachNonZeroPage(PageVisitor visitor) {
    for (int c = 0; c < chunks.length; c++) {
      if (chunks[c] == null) {
        continue;
      }
      for (int i = 0; i < CHUNK_PAGES; i++) {
        long pageIndex = ((long) c << CHUNK_SHIFT) + i;
        byte[] p = chunks[c][i];
        if (p != null && pageIndex < pageCount && !isZero(p)) {
          visitor.visit(pageIndex, p);
        }
      }
    }
  }

  /** Builds a page map page by page (for checkpoints); absent pages read as zeros. */
  public static final class Builder {
    private final long pageCount;
    private final byte[][][] chunks;

    public Builder(long pageCount) {
      if (pageCount < 0 || pageCount > ((long) Integer.MAX_VALUE << CHUNK_SHIFT)) {
        throw new IllegalArgumentException("page count out of range: " + pageCount);
      }
      this.pageCount = pageCount;
      this.chunks = new byte[(int) ((pageCount + CHUNK_PAGES - 1) >>> CHUNK_SHIFT)][][];
    }

    /** Sets a page; {@code page} must have {@link #PAGE_SIZE} bytes and is kept, not copied. */
    public Builder page(long index, byte[] page) {
      if (index < 0 || index >= pageCount || page.length != PAGE_SIZE) {
        throw new IllegalArgumentException("page " + index + " of " + pageCount + " with "
            + page.length + " bytes");
      }
      int c = (int) (index >>> CHUNK_SHIFT);
      if (chunks[c] == null) {
        chunks[c] = new byte[CHUNK_PAGES][];
      }
      chunks[c][(int) (index & (CHUNK_PAGES - 1))] = page;
      return this;
    }

    public PageMap build() {
      return new PageMap(chunks.clone(), pageCount);
    }
  }

  /** Pages as a flat array (nulls for zero pages), for the Wasm heap's fast access path. */
  byte[][] toFlat(int capacity) {
    byte[][] flat = new byte[Math.max(capacity, (int) pageCount)][];
    for (int c = 0; c < chunks.length; c++) {
      if (chunks[c] != null) {
        int from = c << CHUNK_SHIFT;
        int n = (int) Math.min(CHUNK_PAGES, pageCount - from);
        if (n > 0) {
          System.arraycopy(chunks[c], 0, flat, from, n);
        }
      }
    }
    return flat;
  }

  /** A page map from a flat page array; entries that are null or {@link #ZERO_PAGE} read as zeros. */
  static PageMap fromFlat(byte[][] flat, int pageCount) {
    int nChunks = (pageCount + CHUNK_PAGES - 1) >>> CHUNK_SHIFT;
    byte[][][] chunks = new byte[nChunks][][];
    for (int c = 0; c < nChunks; c++) {
      int from = c << CHUNK_SHIFT;
      int n = Math.min(CHUNK_PAGES, pageCount - from);
      byte[][] chunk = null;
      for (int i = 0; i < n; i++) {
        byte[] p = flat[from + i];
        if (p != null && p != ZERO_PAGE) {
          if (chunk == null) {
            chunk = new byte[CHUNK_PAGES][];
          }
          chunk[i] = p;
        }
      }
      chunks[c] = chunk;
    }
    return new PageMap(chunks, pageCount);
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
    /** Pages allocated by this editor, by page index; only these may be written in place. */
    private final java.util.TreeMap<Long, byte[]> ownedPages = new java.util.TreeMap<>();

    private Editor(PageMap base) {
      this.chunks = base.chunks.clone();
      this.pageCount = base.pageCount;
    }

    long pageCount() {
      return pageCount;
    }

    void grow(long newPageCount) {
      long nChunks = (newPageCount + CHUNK_PAGES - 1) >>> CHUNK_SHIFT;
      if (nChunks > chunks.length) {
        chunks = Arrays.copyOf(chunks, (int) nChunks);
      }
      pageCount = newPageCount;
    }

    void read(long offset, byte[] dst, int dstOffset, int length) {
      readPages(this::page, offset, dst, dstOffset, length);
    }

    void write(long offset, byte[] src, int srcOffset, int length) {
      while (length > 0) {
        long pageIndex = offset >>> PAGE_SHIFT;
        int inPage = (int) (offset & (PAGE_SIZE - 1));
        int n = Math.min(length, PAGE_SIZE - inPage);
        System.arraycopy(src, srcOffset, writablePage(pageIndex), inPage, n);
        offset += n;
        srcOffset += n;
        length -= n;
      }
    }

    private byte[] page(long index) {
      int c = (int) (index >>> CHUNK_SHIFT);
      if (c >= chunks.length || chunks[c] == null) {
        return null;
      }
      return chunks[c][(int) (index & (CHUNK_PAGES - 1))];
    }

    private byte[] writablePage(long index) {
      byte[] owned = ownedPages.get(index);
      if (owned != null) {
        return owned;
      }
      int c = (int) (index >>> CHUNK_SHIFT);
      if (!ownedChunks.get(c)) {
        chunks[c] = chunks[c] == null ? new byte[CHUNK_PAGES][] : chunks[c].clone();
        ownedChunks.set(c);
      }
      int i = (int) (index & (CHUNK_PAGES - 1));
      byte[] old = chunks[c][i];
      byte[] fresh = old == null ? new byte[PAGE_SIZE] : old.clone();
      chunks[c][i] = fresh;
      ownedPages.put(index, fresh);
      return fresh;
    }

    /** Pages written through this editor so far. */
    int dirtyPages() {
      return ownedPages.size();
    }

    PageMap freeze() {
      PageMap frozen = new PageMap(chunks.clone(), pageCount);
      // Later writes must copy again: the frozen version now shares these arrays.
      ownedChunks.clear();
      ownedPages.clear();
      return frozen;
    }
  }
}
