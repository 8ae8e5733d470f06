package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.Principal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenesisTest {
  private static final long SEED = 20_261_121L;

  @TempDir Path dir;

  private Path keys() {
    return dir.resolve("keys");
  }

  @Test
  void theFirstStartCreatesOwnerOnlyKeyFiles() throws Exception {
    Genesis.Result result = Genesis.loadOrCreate(keys(), new SplittableRandom(SEED));

    assertThat(result.created()).isTrue();
    assertThat(Files.getPosixFilePermissions(keys()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    for (String file : new String[] {Genesis.NODE_KEY_FILE, Genesis.SUBNET_KEY_FILE}) {
      assertThat(Files.getPosixFilePermissions(keys().resolve(file)))
          .as(file)
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
    assertThat(Files.readString(keys().resolve(Genesis.NODE_KEY_FILE), StandardCharsets.US_ASCII))
        .startsWith("-----BEGIN PRIVATE KEY-----");
    try (var listing = Files.list(keys())) {
      assertThat(listing).hasSize(2); // no temporary file left behind
    }
  }

  @Test
  void laterStartsLoadTheSameKeys() {
    NodeKeys created = Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)).keys();
    Genesis.Result loaded = Genesis.loadOrCreate(keys(), new SplittableRandom(SEED + 1));

    assertThat(loaded.created()).isFalse();
    assertThat(loaded.keys().nodeId()).isEqualTo(created.nodeId());
    assertThat(loaded.keys().subnetId()).isEqualTo(created.subnetId());
    assertThat(loaded.keys().rootKeyDer()).isEqualTo(created.rootKeyDer());
    assertThat(loaded.keys().nodeSigningKey()).isEqualTo(created.nodeSigningKey());
    assertThat(loaded.keys().subnetKeyShare()).isEqualTo(created.subnetKeyShare());
  }

  @Test
  void theSubnetIsARootSubnetOfOneWhoseIdDerivesFromItsKey() {
    NodeKeys keys = Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)).keys();

    assertThat(keys.rootKeyDer()).hasSize(BlsPublicKey.DER_BYTES);
    assertThat(keys.subnetId().principal())
        .isEqualTo(Principal.selfAuthenticating(keys.rootKeyDer()));
    assertThat(keys.nodeId().principal())
        .isEqualTo(Principal.selfAuthenticating(keys.nodeSigningKey().publicKey().toDer()));
    assertThat(keys.subnetKeyParameters()).isEqualTo(new ThresholdBls.Parameters(1, 1));
    // The one share signs for the subnet: its signature verifies under the root key.
    byte[] message = "state root".getBytes(StandardCharsets.UTF_8);
    byte[] signature =
        ThresholdBls.combineSignatures(
            keys.subnetKeyParameters(),
            java.util.List.of(ThresholdBls.signShare(keys.subnetKeyShare(), message)));
    assertThat(keys.subnetPublicKey().isValidSignature(message, signature)).isTrue();
  }

  @Test
  void aKeyFileReadableByOthersIsRefusedWithTheFix() throws Exception {
    Genesis.loadOrCreate(keys(), new SplittableRandom(SEED));
    Path nodeKey = keys().resolve(Genesis.NODE_KEY_FILE);
    Files.setPosixFilePermissions(nodeKey, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)))
        .isInstanceOf(InsecureKeyFileException.class)
        .hasMessageStartingWith(
            "the key file " + nodeKey + " is accessible to group or others (mode 0644), so the key"
                + " may have leaked; make it owner-only with: chmod 600 " + nodeKey);
  }

  @Test
  void aKeyFileWritableByTheGroupIsRefused() throws Exception {
    Genesis.loadOrCreate(keys(), new SplittableRandom(SEED));
    Path subnetKey = keys().resolve(Genesis.SUBNET_KEY_FILE);
    Files.setPosixFilePermissions(subnetKey, PosixFilePermissions.fromString("rw--w----"));

    assertThatThrownBy(() -> Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)))
        .isInstanceOf(InsecureKeyFileException.class)
        .hasMessageContaining(subnetKey + " is accessible to group or others (mode 0620)");
  }

  @Test
  void anIncompleteKeySetIsRefusedRatherThanCompleted() throws Exception {
    Genesis.loadOrCreate(keys(), new SplittableRandom(SEED));
    Files.delete(keys().resolve(Genesis.SUBNET_KEY_FILE));

    assertThatThrownBy(() -> Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageContaining("is incomplete: node_signing_key.pem exists but")
        .hasMessageContaining(Genesis.SUBNET_KEY_FILE + " is missing");
  }

  @Test
  void aSubnetKeyFileThatDoesNotHangTogetherIsRefused() throws Exception {
    NodeKeys keys = Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)).keys();
    NodeKeys other = Genesis.create(new SplittableRandom(SEED + 7));
    // The share of one subnet key with the public key of another.
    NodeKeys mixed =
        new NodeKeys(
            keys.nodeSigningKey(),
            keys.subnetKeyParameters(),
            keys.subnetKeyShare(),
            other.subnetPublicKeyShares(),
            other.subnetPublicKey());
    Path subnetKey = keys().resolve(Genesis.SUBNET_KEY_FILE);
    Files.delete(subnetKey);
    KeyFiles.writeNew(subnetKey, Genesis.encodeSubnetKey(mixed));

    assertThatThrownBy(() -> Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)))
        .isInstanceOf(NodeStartupException.class)
        .hasMessage(
            "the subnet key file " + subnetKey + " is unusable: secret_key_share does not match"
                + " public key share 1");
  }

  @Test
  void aCorruptSubnetKeyFileIsATypedError() throws Exception {
    Genesis.loadOrCreate(keys(), new SplittableRandom(SEED));
    Path subnetKey = keys().resolve(Genesis.SUBNET_KEY_FILE);
    byte[] bytes = Files.readAllBytes(subnetKey);
    Files.delete(subnetKey);
    KeyFiles.writeNew(subnetKey, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    assertThatThrownBy(() -> Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageStartingWith("the subnet key file " + subnetKey + " is unusable: ");
  }

  @Test
  void keysNeverShowTheirSecretsInText() {
    NodeKeys keys = Genesis.loadOrCreate(keys(), new SplittableRandom(SEED)).keys();
    String text = keys.toString();

    assertThat(text).contains(keys.nodeId().toString()).contains(keys.subnetId().toString());
    assertThat(text)
        .doesNotContain(dev.canopy.types.Hex.encode(keys.nodeSigningKey().seed()))
        .doesNotContain(keys.subnetKeyShare().key().scalar().toString());
  }

  @Test
  void anExistingKeyFileIsNeverOverwritten() {
    Genesis.loadOrCreate(keys(), new SplittableRandom(SEED));
    Path nodeKey = keys().resolve(Genesis.NODE_KEY_FILE);

    assertThatThrownBy(() -> KeyFiles.writeNew(nodeKey, new byte[] {1}))
        .isInstanceOf(NodeStartupException.class)
        .hasMessage("refusing to overwrite the existing key file " + nodeKey);
  }
}
