package dev.canopy.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.types.Principal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityStoreTest {
  /** A secp256k1 key as {@code openssl ecparam -genkey} and dfx write it (with EC PARAMETERS). */
  static final String SECP256K1_PEM =
      "-----BEGIN EC PARAMETERS-----\n"
          + "BgUrgQQACg==\n"
          + "-----END EC PARAMETERS-----\n"
          + "-----BEGIN EC PRIVATE KEY-----\n"
          + "MHQCAQEEIOkQ6BAlJZ2rwHH0eBFtZKdcLaKDPmeG2KDClZNS7oOSoAcGBSuBBAAK\n"
          + "oUQDQgAEjuI8tSNkCeVzBNfulGs5vJvU07yuH3qw2VEyuHMbuZrZPclSJIU4NSRh\n"
          + "JtfQFScpGlGI7eRYD83X8rFz5lFQag==\n"
          + "-----END EC PRIVATE KEY-----\n";
  /** Its principal, computed apart from Canopy (openssl's DER public key, SHA-224, base32). */
  static final String SECP256K1_PRINCIPAL =
      "ctlwg-en2pb-zw3fn-nbv4x-6j3fz-6l23t-vqugo-prhpj-ao33y-5fmuz-lqe";
  /** An Ed25519 key as {@code openssl genpkey -algorithm ed25519} writes it (PKCS#8 v0). */
  static final String ED25519_PEM =
      "-----BEGIN PRIVATE KEY-----\n"
          + "MC4CAQAwBQYDK2VwBCIEIJmfW+PnchHVSk9DryWW4c3vlRw5JjT5zpPKsJxT0y3H\n"
          + "-----END PRIVATE KEY-----\n";
  static final String ED25519_PRINCIPAL =
      "wlt2t-mvcze-peymz-o432o-rtd5m-4aa47-xsz5m-chdji-q7j5h-bziwr-4ae";

  @TempDir Path dir;

  private IdentityStore store() {
    return new IdentityStore(dir.resolve("canopy"), DeterministicRandom.fromSeed(7));
  }

  @Test
  void theFirstUseCreatesAnOwnerOnlyDefaultIdentity() throws IOException {
    IdentityStore store = store();

    assertThat(store.defaultName()).isEqualTo("default");
    Identity id = store.loadDefault();

    assertThat(id.sender().kind()).isEqualTo(Principal.Kind.SELF_AUTHENTICATING);
    assertThat(perms(dir.resolve("canopy"))).isEqualTo("rwx------");
    assertThat(perms(dir.resolve("canopy/identities"))).isEqualTo("rwx------");
    assertThat(perms(dir.resolve("canopy/identities/default.pem"))).isEqualTo("rw-------");
    assertThat(perms(dir.resolve("canopy/default-identity"))).isEqualTo("rw-------");
    // The same key on the next load.
    assertThat(store().loadDefault().sender()).isEqualTo(id.sender());
  }

  @Test
  void newListUseAndWhoami() {
    IdentityStore store = store();
    var alice = store.create("alice", IdentityStore.KeyType.ED25519);
    var bob = store.create("bob", IdentityStore.KeyType.SECP256K1);

    store.use("bob");

    assertThat(store.defaultName()).isEqualTo("bob");
    assertThat(store.loadDefault().sender()).isEqualTo(bob.principal());
    assertThat(store.list())
        .extracting(IdentityStore.Entry::name, IdentityStore.Entry::isDefault)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("anonymous", false),
            org.assertj.core.groups.Tuple.tuple("alice", false),
            org.assertj.core.groups.Tuple.tuple("bob", true));
    assertThat(store.list().get(1).principal()).isEqualTo(alice.principal());
    assertThat(store.list().get(2).algorithm()).containsIgnoringCase("secp256k1");

    store.use("anonymous");
    assertThat(store.loadDefault()).isEqualTo(Identity.anonymous());
  }

  @Test
  void dfxPemFilesImportAsTheyAre() throws IOException {
    IdentityStore store = store();
    Path k1 = Files.writeString(dir.resolve("identity.pem"), SECP256K1_PEM);
    Path ed = Files.writeString(dir.resolve("ed.pem"), ED25519_PEM);

    var imported = store.importPem("from-dfx", k1);
    var importedEd = store.importPem("ed", ed);

    assertThat(imported.principal().toText()).isEqualTo(SECP256K1_PRINCIPAL);
    assertThat(importedEd.principal().toText()).isEqualTo(ED25519_PRINCIPAL);
    assertThat(store.load("from-dfx").sender().toText()).isEqualTo(SECP256K1_PRINCIPAL);
    Path stored = dir.resolve("canopy/identities/from-dfx.pem");
    assertThat(Files.readString(stored, StandardCharsets.UTF_8)).isEqualTo(SECP256K1_PEM);
    assertThat(perms(stored)).isEqualTo("rw-------");
  }

  @Test
  void refusalsSayWhatToDo() throws IOException {
    IdentityStore store = store();
    store.create("alice", IdentityStore.KeyType.ED25519);

    assertThatThrownBy(() -> store.create("alice", IdentityStore.KeyType.ED25519))
        .isInstanceOf(IdentityException.class)
        .hasMessageContaining("exists already");
    assertThatThrownBy(() -> store.create("../evil", IdentityStore.KeyType.ED25519))
        .isInstanceOf(IdentityException.class)
        .hasMessageContaining("cannot name an identity");
    assertThatThrownBy(() -> store.use("carol"))
        .hasMessageContaining("there is no identity \"carol\"")
        .hasMessageContaining("canopy identity list");
    Path notAKey = Files.writeString(dir.resolve("x.pem"), "hello");
    assertThatThrownBy(() -> store.importPem("x", notAKey))
        .isInstanceOf(IdentityException.class)
        .hasMessageContaining("is not a usable private key");
    assertThatThrownBy(() -> store.importPem("y", dir.resolve("missing.pem")))
        .hasMessageContaining("there is no file");

    Path alice = dir.resolve("canopy/identities/alice.pem");
    Files.setPosixFilePermissions(alice, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> store.load("alice"))
        .isInstanceOf(IdentityException.class)
        .hasMessageContaining("open to other users")
        .hasMessageContaining("chmod 600");
  }

  @Test
  void theStoreLivesInTheUsersConfigDirectory() {
    assertThat(IdentityStore.userConfigDir(Map.of("XDG_CONFIG_HOME", "/x/cfg")))
        .isEqualTo(Path.of("/x/cfg/canopy"));
    assertThat(IdentityStore.userConfigDir(Map.of("CANOPY_CONFIG_DIR", "/y", "XDG_CONFIG_HOME", "/x")))
        .isEqualTo(Path.of("/y"));
    assertThat(IdentityStore.userConfigDir(Map.of()))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".config", "canopy"));
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
