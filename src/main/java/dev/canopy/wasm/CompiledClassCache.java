package dev.canopy.wasm;

import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Compiled modules on disk: for each, the generated JVM classes and what the engine needs to run
 * them without rewriting or decoding the module again (see {@link WasmEngine}'s cache entries),
 * under a key the engine derives from the module's bytes, the rewriter and the compiler. A
 * restarted node loads them instead of compiling again.
 *
 * <p>Each file is {@code SHA-256(payload) || payload}; a file that fails the check is ignored and
 * rewritten. Files are written to a temporary name and moved into place, so a crash never leaves
 * a half-written entry.
 */
final class CompiledClassCache {
  /** Generated classes depend on the compiler that made them. */
  static final String COMPILER_VERSION = "chicory-1.7.5";

  private final Path dir;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();

  CompiledClassCache(Path root) {
    this.dir = root.resolve(COMPILER_VERSION);
  }

  private Path file(String key) {
    return dir.resolve(Hex.encode(Hashing.sha256(key.getBytes(StandardCharsets.UTF_8))) + ".classes");
  }

  /** The payload stored under {@code key}, or null when there is none or it fails its check. */
  byte[] get(String key) throws IOException {
    byte[] stored;
    try {
      stored = Files.readAllBytes(file(key));
    } catch (NoSuchFileException e) {
      misses.incrementAndGet();
      return null;
    }
    if (stored.length < 32) {
      misses.incrementAndGet();
      return null;
    }
    byte[] payload = Arrays.copyOfRange(stored, 32, stored.length);
    if (!Arrays.equals(Arrays.copyOf(stored, 32), Hashing.sha256(payload))) {
      misses.incrementAndGet();
      return null;
    }
    hits.incrementAndGet();
    return payload;
  }

  void put(String key, byte[] payload) throws IOException {
    Files.createDirectories(dir);
    Path target = file(key);
    Path tmp = Files.createTempFile(dir, "tmp-", ".part");
    try {
      byte[] out = new byte[32 + payload.length];
      System.arraycopy(Hashing.sha256(payload), 0, out, 0, 32);
      System.arraycopy(payload, 0, out, 32, payload.length);
      Files.write(tmp, out);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      writes.incrementAndGet();
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Drops an entry that passed its check but could not be used; its hit counts as a miss. */
  void discard(String key) throws IOException {
    hits.decrementAndGet();
    misses.incrementAndGet();
    Files.deleteIfExists(file(key));
  }

  long hits() {
    return hits.get();
  }

  long misses() {
    return misses.get();
  }

  long writes() {
    return writes.get();
  }
}
