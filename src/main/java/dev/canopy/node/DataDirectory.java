package dev.canopy.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A node's data directory, held exclusively while the node runs.
 *
 * <pre>
 * &lt;data-dir&gt;/
 *   canopy.lock   held (OS file lock) by the running node; holds its process id
 *   keys/         owner-only (0700), each file 0600: the node key, and the subnet key share (a
 *                 subnet of one) or the DKG decryption key and, once generated, the threshold
 *                 key shares (a replica of a subnet of several)
 *   genesis.cbor  the subnet's public genesis record (a replica of a subnet of several)
 *   db/           the embedded H2 database (when canopy.store = h2)
 * </pre>
 */
public final class DataDirectory implements AutoCloseable {
  public static final String LOCK_FILE = "canopy.lock";
  public static final String KEYS_DIR = "keys";
  public static final String DB_DIR = "db";

  private final Path root;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private DataDirectory(Path root, FileChannel lockChannel, FileLock lock) {
    this.root = root;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Creates the layout if missing and takes the directory's lock.
   *
   * @throws DataDirectoryLockedException if another node (in any process) holds it
   * @throws InsecureKeyFileException if {@code keys/} is open to group or others
   */
  public static DataDirectory open(Path dir) {
    Path root = dir.toAbsolutePath().normalize();
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new NodeStartupException(
          "cannot create the data directory " + root + ": " + e.getMessage(), e);
    }
    if (!Files.isWritable(root)) {
      throw new NodeStartupException("the data directory " + root + " is not writable");
    }
    Path lockFile = root.resolve(LOCK_FILE);
    FileChannel channel;
    try {
      channel =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new NodeStartupException("cannot open the lock file " + lockFile + ": " + e, e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another node in this JVM
    } catch (IOException e) {
      closeQuietly(channel);
      throw new NodeStartupException("cannot lock " + lockFile + ": " + e, e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new DataDirectoryLockedException(root, lockFile);
    }
    DataDirectory directory = new DataDirectory(root, channel, lock);
    try {
      directory.recordOwner();
      KeyFiles.ensureKeyDirectory(root.resolve(KEYS_DIR));
      Files.createDirectories(root.resolve(DB_DIR));
    } catch (IOException e) {
      directory.close();
      throw new NodeStartupException("cannot prepare the data directory " + root + ": " + e, e);
    } catch (RuntimeException e) {
      directory.close();
      throw e;
    }
    return directory;
  }

  public Path root() {
    return root;
  }

  /** The owner-only key directory. */
  public Path keys() {
    return root.resolve(KEYS_DIR);
  }

  public Path db() {
    return root.resolve(DB_DIR);
  }

  /** Releases the lock; the directory's contents stay. Idempotent. */
  @Override
  public synchronized void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release the lock on " + root, e);
    } finally {
      closeQuietly(lockChannel);
    }
  }

  /** Writes this process's id into the lock file, for a person wondering who holds it. */
  private void recordOwner() throws IOException {
    byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
    lockChannel.truncate(0);
    lockChannel.write(ByteBuffer.wrap(pid), 0);
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
  }
}
