package dev.canopy.agent;

import dev.canopy.crypto.EcdsaCurve;
import dev.canopy.crypto.EcdsaSigningKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.SigningKey;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Identities kept on disk: one PEM private key per name under {@code identities/}, in the formats
 * dfx writes (an imported dfx PEM is stored byte for byte), and the name of the default identity.
 * The directory is owner-only (0700), every file 0600; a key file that others can read is refused.
 *
 * <p>The built-in name {@code anonymous} is the anonymous principal and has no file.
 */
public final class IdentityStore {
  public static final String ANONYMOUS = "anonymous";
  public static final String DEFAULT_NAME = "default";
  public static final int MAX_NAME_CHARS = 64;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}");
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");

  /** The algorithm of a new key. */
  public enum KeyType {
    ED25519,
    SECP256K1
  }

  /** One stored identity. */
  public record Entry(String name, Principal principal, String algorithm, boolean isDefault) {}

  private final Path root;
  private final RandomGenerator random;

  public IdentityStore(Path root) {
    this(root, new SecureRandom());
  }

  public IdentityStore(Path root, RandomGenerator random) {
    this.root = root;
    this.random = random;
  }

  /**
   * The store in the user's configuration directory: {@code $CANOPY_CONFIG_DIR}, else
   * {@code $XDG_CONFIG_HOME/canopy}, else {@code ~/.config/canopy}.
   */
  public static IdentityStore forUser(Map<String, String> env) {
    return new IdentityStore(userConfigDir(env));
  }

  public static Path userConfigDir(Map<String, String> env) {
    String own = env.get("CANOPY_CONFIG_DIR");
    if (own != null && !own.isBlank()) {
      return Path.of(own);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "canopy");
    }
    return Path.of(System.getProperty("user.home"), ".config", "canopy");
  }

  public Path root() {
    return root;
  }

  private Path identitiesDir() {
    return root.resolve("identities");
  }

  private Path keyFile(String name) {
    return identitiesDir().resolve(name + ".pem");
  }

  private Path defaultFile() {
    return root.resolve("default-identity");
  }

  /** Creates identity {@code name} with a fresh key; refuses a name that exists. */
  public Entry create(String name, KeyType type) {
    checkName(name);
    SigningKey key = switch (type) {
      case ED25519 -> Ed25519SigningKey.generate(random);
      case SECP256K1 -> EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, random);
    };
    writeNew(name, key.toPem());
    return entry(name, key);
  }

  /**
   * Imports a PEM private key as identity {@code name}, keeping the file's text as it is (dfx's
   * {@code identity.pem} files import unchanged).
   */
  public Entry importPem(String name, Path pemFile) {
    checkName(name);
    String pem;
    try {
      long size = Files.size(pemFile);
      if (size > dev.canopy.crypto.PrivateKeyPem.MAX_PEM_CHARS) {
        throw new IdentityException(
            pemFile + " has " + size + " bytes; a PEM private key has at most "
                + dev.canopy.crypto.PrivateKeyPem.MAX_PEM_CHARS);
      }
      pem = Files.readString(pemFile, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IdentityException("there is no file " + pemFile + " to import");
    } catch (IOException e) {
      throw new IdentityException("cannot read " + pemFile + ": " + e.getMessage(), e);
    }
    SigningKey key = parse(pem, pemFile.toString());
    writeNew(name, pem);
    return entry(name, key);
  }

  /** The identity's signing key, or the anonymous identity. */
  public Identity load(String name) {
    if (ANONYMOUS.equals(name)) {
      return Identity.anonymous();
    }
    checkName(name);
    Path file = keyFile(name);
    if (!Files.exists(file)) {
      throw new IdentityException(
          "there is no identity \"" + name + "\"; list them with: canopy identity list, or create"
              + " it with: canopy identity new " + name);
    }
    checkOwnerOnly(file);
    try {
      return Identity.of(parse(Files.readString(file, StandardCharsets.UTF_8), file.toString()));
    } catch (IOException e) {
      throw new IdentityException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The name of the default identity; on first use, creates an Ed25519 identity called
   * {@code default} and makes it the default (as dfx does).
   */
  public String defaultName() {
    Path f = defaultFile();
    if (Files.exists(f)) {
      try {
        String name = Files.readString(f, StandardCharsets.UTF_8).strip();
        if (!name.isEmpty()) {
          return name;
        }
      } catch (IOException e) {
        throw new IdentityException("cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    if (!Files.exists(keyFile(DEFAULT_NAME))) {
      create(DEFAULT_NAME, KeyType.ED25519);
    }
    use(DEFAULT_NAME);
    return DEFAULT_NAME;
  }

  public Identity loadDefault() {
    return load(defaultName());
  }

  /** Makes {@code name} the default identity. */
  public void use(String name) {
    if (!ANONYMOUS.equals(name)) {
      checkName(name);
      if (!Files.exists(keyFile(name))) {
        throw new IdentityException(
            "there is no identity \"" + name + "\"; list them with: canopy identity list");
      }
    }
    ensureRoot();
    writeOwnerOnly(defaultFile(), name + "\n", true);
  }

  /** Every stored identity, by name, and the anonymous one. */
  public List<Entry> list() {
    String def = defaultName();
    List<Entry> out = new ArrayList<>();
    out.add(new Entry(ANONYMOUS, Principal.ANONYMOUS, "none", def.equals(ANONYMOUS)));
    if (Files.isDirectory(identitiesDir())) {
      List<String> names = new ArrayList<>();
      try (Stream<Path> files = Files.list(identitiesDir())) {
        files.map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".pem"))
            .map(n -> n.substring(0, n.length() - 4))
            .filter(n -> NAME.matcher(n).matches())
            .forEach(names::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      names.sort(String::compareTo);
      for (String n : names) {
        Identity id = load(n);
        out.add(new Entry(n, id.sender(), algorithm(id), n.equals(def)));
      }
    }
    return out;
  }

  private static String algorithm(Identity id) {
    return id instanceof Identity.KeyIdentity k
        ? k.key().publicKey().algorithm().displayName()
        : "none";
  }

  private Entry entry(String name, SigningKey key) {
    return new Entry(name, Identity.of(key).sender(), algorithm(Identity.of(key)), false);
  }

  private static SigningKey parse(String pem, String where) {
    try {
      return SigningKey.fromPem(pem);
    } catch (InvalidInputException e) {
      throw new IdentityException(where + " is not a usable private key: " + e.getMessage(), e);
    }
  }

  private static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches() || name.equals(ANONYMOUS)) {
      throw new IdentityException(
          "\"" + name + "\" cannot name an identity; use 1 to " + MAX_NAME_CHARS + " letters,"
              + " digits, '.', '_' or '-', starting with a letter, digit or '_' (and not \""
              + ANONYMOUS + "\")");
    }
  }

  private void writeNew(String name, String pem) {
    ensureRoot();
    Path file = keyFile(name);
    if (Files.exists(file)) {
      throw new IdentityException(
          "an identity \"" + name + "\" exists already (" + file + "); pick another name");
    }
    writeOwnerOnly(file, pem, false);
  }

  private void ensureRoot() {
    try {
      for (Path dir : List.of(root, identitiesDir())) {
        if (!Files.isDirectory(dir)) {
          Files.createDirectories(dir);
        }
        setPermissions(dir, OWNER_ONLY_DIR);
      }
    } catch (IOException e) {
      throw new IdentityException("cannot create " + identitiesDir() + ": " + e.getMessage(), e);
    }
  }

  /** Writes through a temporary file that is 0600 before any byte goes in, then renames it. */
  private static void writeOwnerOnly(Path file, String text, boolean replace) {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(tmp);
      if (isPosix(file.getParent())) {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
      } else {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      if (replace) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } else {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (FileAlreadyExistsException e) {
      throw new IdentityException(file + " exists already");
    } catch (IOException e) {
      throw new IdentityException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static void checkOwnerOnly(Path file) {
    if (!isPosix(file)) {
      return;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      Set<PosixFilePermission> others = Set.of(
          PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
      for (PosixFilePermission p : perms) {
        if (others.contains(p)) {
          throw new IdentityException(
              file + " is open to other users (" + PosixFilePermissions.toString(perms)
                  + "), so the key may have leaked; if it is yours, run: chmod 600 " + file);
        }
      }
    } catch (IOException e) {
      throw new IdentityException("cannot read the permissions of " + file + ": " + e.getMessage(), e);
    }
  }

  private static void setPermissions(Path p, Set<PosixFilePermission> perms) throws IOException {
    if (isPosix(p)) {
      Files.setPosixFilePermissions(p, perms);
    }
  }

  private static boolean isPosix(Path p) {
    return Files.getFileAttributeView(p, PosixFileAttributeView.class) != null;
  }
}
