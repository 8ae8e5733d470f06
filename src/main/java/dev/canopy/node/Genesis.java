package dev.canopy.node;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The node's keys at genesis and after: the first start creates the node's Ed25519 key and the
 * subnet's threshold BLS key (a dev node is a subnet of one, so one share of a 1-of-1 key) and
 * stores them owner-only under {@code keys/}; later starts load them.
 *
 * <p>Files: {@code node_signing_key.pem} (PKCS#8, as dfx writes Ed25519 keys) and
 * {@code subnet_key_share.cbor} (a canonical CBOR map: version, threshold, share_count,
 * share_index, secret_key_share, public_key_shares, subnet_public_key; BLS keys as compressed
 * points).
 */
public final class Genesis {
  public static final String NODE_KEY_FILE = "node_signing_key.pem";
  public static final String SUBNET_KEY_FILE = "subnet_key_share.cbor";

  private static final long FORMAT_VERSION = 1;
  private static final int MAX_SHARES = 1024;

  private Genesis() {}

  /** What {@link #loadOrCreate} found. */
  public record Result(NodeKeys keys, boolean created) {}

  /**
   * Loads the keys from {@code keysDir}, or creates them when neither file exists.
   *
   * @param random the source of new keys: a {@link java.security.SecureRandom} in production
   * @throws InsecureKeyFileException if a key file is open to group or others
   * @throws NodeStartupException if only one of the two files exists, or a file is unusable
   */
  public static Result loadOrCreate(Path keysDir, RandomGenerator random) {
    KeyFiles.ensureKeyDirectory(keysDir);
    Path nodeKeyFile = keysDir.resolve(NODE_KEY_FILE);
    Path subnetKeyFile = keysDir.resolve(SUBNET_KEY_FILE);
    boolean hasNodeKey = Files.exists(nodeKeyFile, LinkOption.NOFOLLOW_LINKS);
    boolean hasSubnetKey = Files.exists(subnetKeyFile, LinkOption.NOFOLLOW_LINKS);
    if (hasNodeKey && hasSubnetKey) {
      return new Result(load(nodeKeyFile, subnetKeyFile), false);
    }
    if (hasNodeKey || hasSubnetKey) {
      Path present = hasNodeKey ? nodeKeyFile : subnetKeyFile;
      Path missing = hasNodeKey ? subnetKeyFile : nodeKeyFile;
      throw new NodeStartupException(
          "the key set in "
              + keysDir
              + " is incomplete: "
              + present.getFileName()
              + " exists but "
              + missing
              + " is missing; restore it from a backup, or start a new node on an empty data"
              + " directory");
    }
    NodeKeys keys = create(random);
    // The subnet key first: a node key without it is refused above, never silently completed.
    KeyFiles.writeNew(subnetKeyFile, encodeSubnetKey(keys));
    KeyFiles.writeNew(
        nodeKeyFile, keys.nodeSigningKey().toPem().getBytes(StandardCharsets.US_ASCII));
    return new Result(keys, true);
  }

  /** New keys for the single node of a new subnet. */
  static NodeKeys create(RandomGenerator random) {
    Ed25519SigningKey nodeKey = Ed25519SigningKey.generate(random);
    ThresholdBls.Parameters parameters = new ThresholdBls.Parameters(1, 1);
    ThresholdBls.Dealing dealing = ThresholdBls.deal(parameters, random);
    return new NodeKeys(
        nodeKey,
        parameters,
        dealing.secretKeyShares().get(0),
        dealing.publicKeyShares(),
        dealing.groupPublicKey());
  }

  static NodeKeys load(Path nodeKeyFile, Path subnetKeyFile) {
    byte[] pem = KeyFiles.readOwnerOnly(nodeKeyFile);
    byte[] subnet = KeyFiles.readOwnerOnly(subnetKeyFile);
    Ed25519SigningKey nodeKey;
    try {
      SigningKey key = SigningKey.fromPem(new String(pem, StandardCharsets.US_ASCII));
      if (!(key instanceof Ed25519SigningKey ed25519)) {
        throw new NodeStartupException(
            "the node key file " + nodeKeyFile + " holds a " + key.publicKey().algorithm()
                + " key; a node key is Ed25519");
      }
      nodeKey = ed25519;
    } catch (NodeStartupException e) {
      throw e;
    } catch (InvalidInputException e) {
      throw new NodeStartupException(
          "the node key file " + nodeKeyFile + " is unusable: " + e.getMessage(), e);
    } finally {
      Arrays.fill(pem, (byte) 0);
    }
    try {
      return decodeSubnetKey(nodeKey, subnet);
    } catch (InvalidInputException e) {
      throw new NodeStartupException(
          "the subnet key file " + subnetKeyFile + " is unusable: " + e.getMessage(), e);
    } finally {
      Arrays.fill(subnet, (byte) 0);
    }
  }

  static byte[] encodeSubnetKey(NodeKeys keys) {
    List<CborValue> publicShares = new ArrayList<>();
    for (ThresholdBls.PublicKeyShare share : keys.subnetPublicKeyShares()) {
      publicShares.add(new CborValue.ByteString(share.key().rawBytes()));
    }
    CborMap map =
        CborMap.builder()
            .put("version", CborValue.UnsignedInt.of(FORMAT_VERSION))
            .put("threshold", CborValue.UnsignedInt.of(keys.subnetKeyParameters().threshold()))
            .put("share_count", CborValue.UnsignedInt.of(keys.subnetKeyParameters().shareCount()))
            .put("share_index", CborValue.UnsignedInt.of(keys.subnetKeyShare().index()))
            .put("secret_key_share", keys.subnetKeyShare().key().toBytes())
            .put("public_key_shares", new CborArray(publicShares))
            .put("subnet_public_key", keys.subnetPublicKey().rawBytes())
            .build();
    return CborEncoder.encode(map);
  }

  /** Decodes and cross-checks the share: a file that does not hang together is refused. */
  static NodeKeys decodeSubnetKey(Ed25519SigningKey nodeKey, byte[] bytes) {
    CborMap map = CborDecoder.DEFAULT.decodeMap(bytes, "subnet key share");
    long version = map.getLong("version");
    if (version != FORMAT_VERSION) {
      throw new InvalidInputException(
          "format version " + version + " is not supported (this node reads " + FORMAT_VERSION
              + ")");
    }
    long threshold = map.getLong("threshold");
    long shareCount = map.getLong("share_count");
    long index = map.getLong("share_index");
    if (shareCount < 1 || shareCount > MAX_SHARES || threshold < 1 || threshold > shareCount) {
      throw new InvalidInputException(
          "threshold " + threshold + " of " + shareCount + " shares is not a valid key sharing");
    }
    if (index < 1 || index > shareCount) {
      throw new InvalidInputException(
          "share_index " + index + " is outside 1.." + shareCount);
    }
    ThresholdBls.Parameters parameters =
        new ThresholdBls.Parameters((int) threshold, (int) shareCount);
    ThresholdBls.SecretKeyShare secretShare =
        new ThresholdBls.SecretKeyShare(
            (int) index, BlsSecretKey.fromBytes(map.getBytes("secret_key_share")));
    CborArray encodedShares = map.getArray("public_key_shares");
    if (encodedShares.size() != shareCount) {
      throw new InvalidInputException(
          "public_key_shares has " + encodedShares.size() + " entries for " + shareCount
              + " shares");
    }
    List<ThresholdBls.PublicKeyShare> publicShares = new ArrayList<>();
    for (int i = 0; i < encodedShares.size(); i++) {
      publicShares.add(
          new ThresholdBls.PublicKeyShare(
              i + 1,
              BlsPublicKey.fromCompressed(encodedShares.get(i).asBytes("public_key_shares"))));
    }
    BlsPublicKey subnetKey = BlsPublicKey.fromCompressed(map.getBytes("subnet_public_key"));
    if (!secretShare.key().publicKey().equals(publicShares.get((int) index - 1).key())) {
      throw new InvalidInputException(
          "secret_key_share does not match public key share " + index);
    }
    if (!ThresholdBls.combinePublicKeys(parameters, publicShares).equals(subnetKey)) {
      throw new InvalidInputException(
          "the public key shares do not combine into subnet_public_key");
    }
    return new NodeKeys(nodeKey, parameters, secretShare, publicShares, subnetKey);
  }
}
