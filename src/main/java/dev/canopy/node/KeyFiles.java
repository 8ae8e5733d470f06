package dev.canopy.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Owner-only storage for secret keys: the directory is 0700, each file 0600, set through POSIX
 * attributes when they are created (never widened and then narrowed). Reading refuses a file or
 * directory that group or others may access, since its key may already have leaked.
 *
 * <p>Messages name files, never their contents.
 */
public final class KeyFiles {
  public static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      Set.copyOf(PosixFilePermissions.fromString("rw-------"));
  public static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY =
      Set.copyOf(PosixFilePermissions.fromString("rwx------"));
  /** Key files are PEM or raw keys of a few hundred bytes; anything larger is not ours. */
  public static final int MAX_KEY_FILE_BYTES = 64 * 1024;

  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private KeyFiles() {}

  /** Creates {@code dir} as 0700 if missing; refuses an existing one open to group or others. */
  public static void ensureKeyDirectory(Path dir) {
    requirePosix(dir.getParent() == null ? dir : dir.getParent());
    if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
      try {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
      } catch (FileAlreadyExistsException e) {
        // created concurrently; checked below like any existing directory
      } catch (IOException e) {
        throw new NodeStartupException("cannot create the key directory " + dir + ": " + e, e);
      }
    }
    PosixFileAttributes attributes = attributes(dir);
    if (!attributes.isDirectory()) {
      throw new InsecureKeyFileException(
          "the key directory " + dir + " is not a directory (symbolic links are refused)");
    }
    if (!isOwnerOnly(attributes.permissions())) {
      throw new InsecureKeyFileException(
          "the key directory "
              + dir
              + " is accessible to group or others (mode "
              + mode(attributes.permissions())
              + "); make it owner-only with: chmod 700 "
              + dir);
    }
  }

  /**
   * Writes a new key file with mode 0600: a temporary file created 0600 in the same directory,
   * flushed to disk, then moved into place atomically, so a crash never leaves a partial key.
   *
   * @throws NodeStartupException if {@code file} already exists
   */
  public static void writeNew(Path file, byte[] contents) {
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new NodeStartupException("refusing to overwrite the existing key file " + file);
    }
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(temp);
      Files.createFile(temp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
      try (OutputStream out =
          Files.newOutputStream(temp, StandardOpenOption.WRITE, StandardOpenOption.SYNC)) {
        out.write(contents);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // the original failure is the one to report
      }
      throw new NodeStartupException("cannot write the key file " + file + ": " + e, e);
    }
  }

  /**
   * Reads a key file after checking that it is a regular file readable by its owner only.
   *
   * @throws InsecureKeyFileException if group or others may access it, with the command that fixes
   *     it
   */
  public static byte[] readOwnerOnly(Path file) {
    PosixFileAttributes attributes = attributes(file);
    if (!attributes.isRegularFile()) {
      throw new InsecureKeyFileException(
          "the key file " + file + " is not a regular file (symbolic links are refused)");
    }
    if (!isOwnerOnly(attributes.permissions())) {
      throw new InsecureKeyFileException(
          "the key file "
              + file
              + " is accessible to group or others (mode "
              + mode(attributes.permissions())
              + "), so the key may have leaked; make it owner-only with: chmod 600 "
              + file
              + " (or, if others may have read it, stop and create a new data directory)");
    }
    if (attributes.size() > MAX_KEY_FILE_BYTES) {
      throw new NodeStartupException(
          "the key file " + file + " is " + attributes.size() + " bytes, more than a key can be");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new NodeStartupException("cannot read the key file " + file + ": " + e, e);
    }
  }

  public static boolean isOwnerOnly(Set<PosixFilePermission> permissions) {
    return permissions.stream().noneMatch(GROUP_OR_OTHERS::contains);
  }

  /** Octal mode, as chmod and ls show it. */
  static String mode(Set<PosixFilePermission> permissions) {
    int mode = 0;
    for (PosixFilePermission p : permissions) {
      mode |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 and bit 0400
    }
    return String.format("%04o", mode);
  }

  private static PosixFileAttributes attributes(Path path) {
    try {
      return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new NodeStartupException("cannot read the attributes of " + path + ": " + e, e);
    }
  }

  private static void requirePosix(Path path) {
    if (Files.getFileAttributeView(path, PosixFileAttributeView.class) == null) {
      throw new NodeStartupException(
          "the file system of "
              + path
              + " has no POSIX permissions, so keys cannot be made owner-only there; choose a"
              + " data directory on another file system with --data-dir");
    }
  }
}
