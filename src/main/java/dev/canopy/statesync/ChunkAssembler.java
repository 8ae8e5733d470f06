package dev.canopy.statesync;

import java.util.BitSet;

/**
 * Collects the chunks of one checkpoint as they arrive, in any order, keeping only those whose
 * hash the (signed) manifest lists, and puts them together once all are in.
 *
 * <p>Memory: at most the manifest's total length, which the manifest was checked against before.
 * Single-threaded.
 */
public final class ChunkAssembler {
  /** What became of an arriving chunk. */
  public enum Result {
    /** It is the chunk the manifest lists; kept. */
    ACCEPTED,
    /** That chunk is in already; dropped. */
    DUPLICATE,
    /** Its length or hash is not the manifest's: whoever sent it is faulty; dropped. */
    CORRUPT,
    /** The manifest has no chunk of that index; dropped. */
    OUT_OF_RANGE
  }

  private final StateSyncManifest manifest;
  private final byte[][] chunks;
  private final BitSet present;
  private int missing;
  private boolean assembled;

  public ChunkAssembler(StateSyncManifest manifest) {
    this.manifest = manifest;
    this.chunks = new byte[manifest.chunkCount()][];
    this.present = new BitSet(manifest.chunkCount());
    this.missing = manifest.chunkCount();
  }

  public StateSyncManifest manifest() {
    return manifest;
  }

  public Result accept(int index, byte[] bytes) {
    if (index < 0 || index >= chunks.length) {
      return Result.OUT_OF_RANGE;
    }
    if (present.get(index)) {
      return Result.DUPLICATE;
    }
    if (!manifest.matches(index, bytes)) {
      return Result.CORRUPT;
    }
    chunks[index] = bytes.clone();
    present.set(index);
    missing--;
    return Result.ACCEPTED;
  }

  public boolean has(int index) {
    return present.get(index);
  }

  public int missingCount() {
    return missing;
  }

  public boolean isComplete() {
    return missing == 0;
  }

  /**
   * The checkpoint's bytes, every chunk checked against the manifest; the chunks are released.
   *
   * @throws IllegalStateException if a chunk is still missing, or on a second call
   */
  public byte[] assemble() {
    if (!isComplete() || assembled) {
      throw new IllegalStateException(assembled ? "assembled already"
          : missing + " chunk(s) still missing");
    }
    assembled = true;
    byte[] whole = new byte[(int) manifest.totalBytes()];
    for (int i = 0; i < chunks.length; i++) {
      System.arraycopy(chunks[i], 0, whole, (int) manifest.chunkOffset(i), chunks[i].length);
      chunks[i] = null;
    }
    return whole;
  }
}
