package dev.canopy.statesync;

import dev.canopy.consensus.Hash;
import dev.canopy.types.Hashing;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The table of contents of a checkpoint's bytes: its height, its length, the chunk size and the
 * hash of every chunk, in order. Its {@link #hash} is what a catch-up package signs, so a manifest
 * from a peer is checked against the package, and every chunk against the manifest.
 *
 * <p>Note: the chunk size is part of what replicas sign, so it must be the same on every replica
 * of a subnet (like the checkpoint interval); otherwise their packages never combine.
 */
public record StateSyncManifest(long height, long totalBytes, int chunkBytes, List<Hash> chunkHashes) {
  /** The default chunk size: 1 MiB, well inside Artery's large-message frame. */
  public static final int DEFAULT_CHUNK_BYTES = 1 << 20;
  public static final int MIN_CHUNK_BYTES = 1 << 10;
  public static final int MAX_CHUNK_BYTES = 1 << 20;
  /** Most chunks a manifest lists, so that it fits one message (about 35 bytes a chunk). */
  public static final int MAX_CHUNKS = 100_000;
  public static final int MAX_MANIFEST_BYTES = 64 + 40 * MAX_CHUNKS;

  private static final byte[] MANIFEST_DOMAIN = Hashing.domainSeparator("canopy-state-sync-manifest");
  private static final byte[] CHUNK_DOMAIN = Hashing.domainSeparator("canopy-state-sync-chunk");
  private static final CborDecoder DECODER = CborDecoder.builder().limits(CborLimits.DEFAULT
      .withMaxSizeBytes(MAX_MANIFEST_BYTES).withMaxDepth(3).withMaxItemCount(MAX_CHUNKS + 16))
      .build();

  public StateSyncManifest {
    if (height < 0 || totalBytes < 0 || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException("a manifest needs a height, a length and a chunk size in ["
          + MIN_CHUNK_BYTES + ", " + MAX_CHUNK_BYTES + "]");
    }
    chunkHashes = List.copyOf(chunkHashes);
    if (chunkHashes.size() != chunkCount(totalBytes, chunkBytes) || chunkHashes.size() > MAX_CHUNKS) {
      throw new IllegalArgumentException(totalBytes + " bytes in chunks of " + chunkBytes
          + " are " + chunkCount(totalBytes, chunkBytes) + " chunks, not " + chunkHashes.size());
    }
  }

  /** The manifest of {@code bytes}, the checkpoint of {@code height}. */
  public static StateSyncManifest of(long height, byte[] bytes, int chunkBytes) {
    long count = chunkCount(bytes.length, chunkBytes);
    List<Hash> hashes = new ArrayList<>((int) count);
    for (int i = 0; i < count; i++) {
      int from = i * chunkBytes;
      int to = (int) Math.min((long) from + chunkBytes, bytes.length);
      hashes.add(chunkHash(bytes, from, to));
    }
    return new StateSyncManifest(height, bytes.length, chunkBytes, hashes);
  }

  private static long chunkCount(long totalBytes, int chunkBytes) {
    return chunkBytes <= 0 ? -1 : (totalBytes + chunkBytes - 1) / chunkBytes;
  }

  public int chunkCount() {
    return chunkHashes.size();
  }

  /** Where chunk {@code index} starts in the checkpoint's bytes. */
  public long chunkOffset(int index) {
    return (long) index * chunkBytes;
  }

  /** The length of chunk {@code index}: the chunk size, or less for the last one. */
  public int chunkLength(int index) {
    return (int) Math.min(chunkBytes, totalBytes - chunkOffset(index));
  }

  /** Chunk {@code index} of {@code whole}, the checkpoint this manifest describes (to serve it). */
  public byte[] chunk(byte[] whole, int index) {
    if (whole.length != totalBytes || index < 0 || index >= chunkCount()) {
      throw new IllegalArgumentException("no chunk " + index + " in this checkpoint");
    }
    int from = (int) chunkOffset(index);
    return Arrays.copyOfRange(whole, from, from + chunkLength(index));
  }

  /** Whether {@code bytes} are chunk {@code index} of the checkpoint. */
  public boolean matches(int index, byte[] bytes) {
    return index >= 0 && index < chunkCount() && bytes != null && bytes.length == chunkLength(index)
        && chunkHash(bytes, 0, bytes.length).equals(chunkHashes.get(index));
  }

  static Hash chunkHash(byte[] bytes, int from, int to) {
    java.security.MessageDigest d = Hashing.sha256Digest();
    d.update(CHUNK_DOMAIN);
    d.update(bytes, from, to - from);
    return new Hash(d.digest());
  }

  /** The canonical CBOR form, as served to peers. */
  public byte[] toBytes() {
    List<CborValue> hashes = new ArrayList<>(chunkHashes.size());
    for (Hash h : chunkHashes) {
      hashes.add(CborValue.bytes(h.bytes()));
    }
    return CborEncoder.encode(CborMap.builder()
        .put("height", CborValue.unsigned(height))
        .put("total_bytes", CborValue.unsigned(totalBytes))
        .put("chunk_bytes", CborValue.unsigned(chunkBytes))
        .put("chunks", new CborArray(hashes))
        .build());
  }

  /** What a catch-up package signs: a domain-separated hash of {@link #toBytes()}. */
  public Hash hash() {
    return Hash.of(MANIFEST_DOMAIN, toBytes());
  }

  /** Whether {@code bytes} hash to {@code expected}, before anything decodes them. */
  public static boolean hasHash(byte[] bytes, Hash expected) {
    return bytes != null && Hash.of(MANIFEST_DOMAIN, bytes).equals(expected);
  }

  /**
   * Decodes a manifest whose bytes already matched the signed hash ({@link #hasHash}), and checks
   * it against this replica's limits.
   *
   * @throws InvalidStateSyncDataException if it is malformed, or larger than the limits allow
   */
  public static StateSyncManifest decode(byte[] bytes, StateSyncLimits limits) {
    try {
      CborMap m = DECODER.decodeMap(bytes, "state sync manifest");
      if (m.size() != 4) {
        throw new InvalidStateSyncDataException("a manifest has 4 fields, not " + m.size());
      }
      long total = m.getLong("total_bytes");
      long chunkBytes = m.getLong("chunk_bytes");
      if (total > limits.maxStateBytes()) {
        throw new InvalidStateSyncDataException("the checkpoint has " + total
            + " bytes, more than this replica's limit of " + limits.maxStateBytes());
      }
      if (chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
        throw new InvalidStateSyncDataException("chunk size " + chunkBytes + " is outside ["
            + MIN_CHUNK_BYTES + ", " + MAX_CHUNK_BYTES + "]");
      }
      CborArray items = m.getArray("chunks");
      if (items.size() > limits.maxChunks((int) chunkBytes)) {
        throw new InvalidStateSyncDataException("the manifest lists " + items.size()
            + " chunks, more than " + limits.maxChunks((int) chunkBytes));
      }
      List<Hash> hashes = new ArrayList<>(items.size());
      for (CborValue item : items.items()) {
        byte[] h = item.asBytes("chunks");
        if (h.length != Hash.BYTES) {
          throw new InvalidStateSyncDataException("a chunk hash has " + Hash.BYTES + " bytes");
        }
        hashes.add(new Hash(h));
      }
      return new StateSyncManifest(m.getLong("height"), total, (int) chunkBytes, hashes);
    } catch (IllegalArgumentException e) {
      throw new InvalidStateSyncDataException("malformed manifest: " + e.getMessage(), e);
    } catch (InvalidStateSyncDataException e) {
      throw e;
    } catch (InvalidInputException e) {
      throw new InvalidStateSyncDataException("malformed manifest: " + e.getMessage(), e);
    }
  }
}
