package dev.canopy.execution.management;

import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A canister's Wasm chunk store (spec "IC method upload_chunk"): chunks of at most 1 MiB, keyed by
 * their SHA-256, at most {@code maxChunks} of them. Immutable; each change returns a new store.
 *
 * <p>Note: every chunk is accounted as {@code maxChunkBytes} of memory whatever its length, as the
 * spec says ("the storage cost of each chunk is fixed and corresponds to storing 1MiB of data").
 */
public final class WasmChunkStore {
  public static final int MAX_CHUNK_BYTES = 1 << 20;
  /** The Internet Computer's {@code CHUNK_STORE_SIZE}: 100 MiB of 1 MiB chunks. */
  public static final int DEFAULT_MAX_CHUNKS = 100;

  private final int maxChunks;
  private final SortedMap<String, byte[]> chunksByHashHex;

  private WasmChunkStore(int maxChunks, SortedMap<String, byte[]> chunks) {
    this.maxChunks = maxChunks;
    this.chunksByHashHex = Collections.unmodifiableSortedMap(chunks);
  }

  public static WasmChunkStore empty() {
    return empty(DEFAULT_MAX_CHUNKS);
  }

  public static WasmChunkStore empty(int maxChunks) {
    if (maxChunks < 1) {
      throw new IllegalArgumentException("a chunk store holds at least one chunk");
    }
    return new WasmChunkStore(maxChunks, new TreeMap<>());
  }

  /** The store after uploading {@code chunk}, and the chunk's hash. */
  public record Upload(WasmChunkStore store, byte[] hash) {
    public Upload {
      hash = hash.clone();
    }

    @Override
    public byte[] hash() {
      return hash.clone();
    }
  }

  /**
   * Adds a chunk; uploading a chunk that is already stored changes nothing.
   *
   * @throws ManagementReject IC0504 when the chunk is over 1 MiB or the store is full
   */
  public Upload upload(byte[] chunk) {
    if (chunk.length > MAX_CHUNK_BYTES) {
      throw ManagementReject.contractViolation("Error from Wasm chunk store: Wasm chunk size "
          + chunk.length + " exceeds the maximum chunk size of " + MAX_CHUNK_BYTES + ".");
    }
    byte[] hash = Hashing.sha256(chunk);
    String key = Hex.encode(hash);
    if (chunksByHashHex.containsKey(key)) {
      return new Upload(this, hash);
    }
    if (chunksByHashHex.size() >= maxChunks) {
      throw ManagementReject.contractViolation("Error from Wasm chunk store: Wasm chunk store "
          + "has already reached its maximum of " + maxChunks + " chunks.");
    }
    TreeMap<String, byte[]> next = new TreeMap<>(chunksByHashHex);
    next.put(key, chunk.clone());
    return new Upload(new WasmChunkStore(maxChunks, next), hash);
  }

  /** An empty store with the same limit. */
  public WasmChunkStore cleared() {
    return new WasmChunkStore(maxChunks, new TreeMap<>());
  }

  /** The hashes of the stored chunks, in ascending order. */
  public List<byte[]> hashes() {
    List<byte[]> out = new ArrayList<>(chunksByHashHex.size());
    for (String h : chunksByHashHex.keySet()) {
      out.add(Hex.decode(h));
    }
    return out;
  }

  public int chunkCount() {
    return chunksByHashHex.size();
  }

  /** Memory the store is charged for: a full chunk per stored chunk. */
  public long memoryBytes() {
    return (long) chunksByHashHex.size() * MAX_CHUNK_BYTES;
  }

  /**
   * Concatenates the chunks with the given hashes, in order, and checks the result's SHA-256
   * (spec "IC method install_chunked_code").
   *
   * @throws ManagementReject IC0504 for a hash that is not 32 bytes, a chunk that is not stored,
   *     or a module whose hash differs from {@code expectedModuleHash}
   */
  public byte[] assemble(List<byte[]> chunkHashes, byte[] expectedModuleHash) {
    if (expectedModuleHash.length != 32) {
      throw ManagementReject.contractViolation("Invalid wasm hash "
          + Hex.encode(expectedModuleHash) + ": a SHA-256 hash has 32 bytes");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] h : chunkHashes) {
      if (h.length != 32) {
        throw ManagementReject.contractViolation(
            "Error from Wasm chunk store: Chunk hash is invalid. The length is not 32.");
      }
      byte[] chunk = chunksByHashHex.get(Hex.encode(h));
      if (chunk == null) {
        throw ManagementReject.contractViolation("Error from Wasm chunk store: Chunk hash "
            + Hex.encode(h) + " was not found.");
      }
      out.writeBytes(chunk);
    }
    byte[] module = out.toByteArray();
    byte[] actual = Hashing.sha256(module);
    if (!java.util.Arrays.equals(actual, expectedModuleHash)) {
      throw ManagementReject.contractViolation("Error from Wasm chunk store: Wasm module hash "
          + Hex.encode(actual) + " does not match given hash " + Hex.encode(expectedModuleHash)
          + ".");
    }
    return module;
  }

  @Override
  public String toString() {
    return "WasmChunkStore[" + chunksByHashHex.size() + "/" + maxChunks + " chunks]";
  }
}
