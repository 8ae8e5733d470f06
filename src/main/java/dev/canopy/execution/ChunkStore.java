package dev.canopy.execution;

import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A canister's chunk store for {@code upload_chunk} / {@code install_chunked_code}: chunks by the
 * hex of their SHA-256. Immutable.
 */
public final class ChunkStore {
  public static final int MAX_CHUNK_BYTES = 1 << 20;
  public static final int MAX_CHUNKS = 100;
  public static final ChunkStore EMPTY = new ChunkStore(new TreeMap<>());

  private final TreeMap<String, byte[]> chunks;

  private ChunkStore(TreeMap<String, byte[]> chunks) {
    this.chunks = chunks;
  }

  public static ChunkStore restore(SortedMap<String, byte[]> chunks) {
    TreeMap<String, byte[]> m = new TreeMap<>();
    chunks.forEach((k, v) -> m.put(k, v.clone()));
    return new ChunkStore(m);
  }

  /** Hex SHA-256 → chunk; callers must not modify the arrays. */
  public SortedMap<String, byte[]> chunks() {
    return Collections.unmodifiableSortedMap(chunks);
  }

  public int size() {
    return chunks.size();
  }

  public long sizeBytes() {
    long n = 0;
    for (byte[] c : chunks.values()) {
      n += c.length;
    }
    return n;
  }

  public Optional<byte[]> get(byte[] sha256) {
    return Optional.ofNullable(chunks.get(Hex.encode(sha256))).map(byte[]::clone);
  }

  /**
   * Stores a chunk. Throws {@link IllegalArgumentException} when the chunk is too large or the store
   * is full; the management canister checks both first and rejects with a readable message.
   */
  public ChunkStore with(byte[] chunk) {
    if (chunk.length > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException("a chunk has at most " + MAX_CHUNK_BYTES + " bytes");
    }
    String key = Hex.encode(Hashing.sha256(chunk));
    if (chunks.containsKey(key)) {
      return this;
    }
    if (chunks.size() >= MAX_CHUNKS) {
      throw new IllegalArgumentException("the chunk store holds at most " + MAX_CHUNKS + " chunks");
    }
    TreeMap<String, byte[]> m = new TreeMap<>(chunks);
    m.put(key, chunk.clone());
    return new ChunkStore(m);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChunkStore c && chunks.keySet().equals(c.chunks.keySet());
  }

  @Override
  public int hashCode() {
    return chunks.keySet().hashCode();
  }
}
