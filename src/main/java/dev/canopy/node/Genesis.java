package dev.canopy.node;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.Ed25519PublicKey;
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
 * points). A subnet of several replicas adds node_public_keys (raw Ed25519 keys in node order),
 * beacon_threshold, beacon_secret_key_share, beacon_public_key_shares and beacon_public_key; a
 * file without them is a subnet of one, whose subnet key is also its beacon key.
 *
 * <p>Note (phase 1 of replicated subnets): the keys of a subnet of several replicas are dealt by
 * a trusted dealer ({@link #createSubnet}) in the process that writes every replica's files; each
 * file holds only its replica's own shares, but the dealer saw the whole secrets while dealing.
 * Distributed key generation replaces the dealer later.
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

  /**
   * New keys for the {@code replicas} nodes of a new subnet, dealt by a trusted dealer: each node's
   * Ed25519 key, the subnet's certification key with threshold {@code n − f} (= 2f + 1 when
   * n = 3f + 1) and the random beacon's key with threshold {@code f + 1}, as consensus expects.
   * A subnet of one gets exactly what {@link #create} gives.
   */
  public static List<NodeKeys> createSubnet(int replicas, RandomGenerator random) {
    if (replicas < 1 || replicas > ThresholdBls.Parameters.MAX_SHARES) {
      throw new IllegalArgumentException(
          "a subnet has 1 to " + ThresholdBls.Parameters.MAX_SHARES + " replicas, not " + replicas);
    }
    if (replicas == 1) {
      return List.of(create(random));
    }
    int f = (replicas - 1) / 3;
    List<Ed25519SigningKey> nodeKeys = new ArrayList<>();
    List<Ed25519PublicKey> publicNodeKeys = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      Ed25519SigningKey key = Ed25519SigningKey.generate(random);
      nodeKeys.add(key);
      publicNodeKeys.add(key.publicKey());
    }
    ThresholdBls.Dealing subnet =
        ThresholdBls.deal(new ThresholdBls.Parameters(replicas - f, replicas), random);
    ThresholdBls.Dealing beacon =
        ThresholdBls.deal(new ThresholdBls.Parameters(f + 1, replicas), random);
    List<NodeKeys> keys = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      keys.add(new NodeKeys(nodeKeys.get(i), subnet.parameters(),
          subnet.secretKeyShares().get(i), subnet.publicKeyShares(), subnet.groupPublicKey(),
          publicNodeKeys, beacon.secretKeyShares().get(i), beacon.publicKeyShares(),
          beacon.groupPublicKey()));
    }
    return keys;
  }

  /**
   * The keys of every replica of a subnet whose replica {@code i} keeps its keys in {@code
   * keysDirs[i]}: loaded when every directory has its files, dealt and written when none has.
   *
   * @throws NodeStartupException if only some directories have keys, or they are not one subnet's
   */
  public static List<NodeKeys> loadOrCreateSubnet(List<Path> keysDirs, RandomGenerator random) {
    int present = 0;
    for (Path dir : keysDirs) {
      try {
        Files.createDirectories(dir.toAbsolutePath().getParent());
      } catch (java.io.IOException e) {
        throw new NodeStartupException("cannot create the data directory of " + dir + ": " + e, e);
      }
      KeyFiles.ensureKeyDirectory(dir);
      if (Files.exists(dir.resolve(NODE_KEY_FILE), LinkOption.NOFOLLOW_LINKS)
          || Files.exists(dir.resolve(SUBNET_KEY_FILE), LinkOption.NOFOLLOW_LINKS)) {
        present++;
      }
    }
    if (present == 0) {
      List<NodeKeys> keys = createSubnet(keysDirs.size(), random);
      for (int i = 0; i < keys.size(); i++) {
        Path dir = keysDirs.get(i);
        KeyFiles.writeNew(dir.resolve(SUBNET_KEY_FILE), encodeSubnetKey(keys.get(i)));
        KeyFiles.writeNew(dir.resolve(NODE_KEY_FILE),
            keys.get(i).nodeSigningKey().toPem().getBytes(StandardCharsets.US_ASCII));
      }
      return keys;
    }
    if (present != keysDirs.size()) {
      throw new NodeStartupException("only " + present + " of the " + keysDirs.size()
          + " replicas' key directories hold keys; restore the missing ones from a backup, or"
          + " start a new subnet on an empty data directory");
    }
    List<NodeKeys> keys = new ArrayList<>();
    for (int i = 0; i < keysDirs.size(); i++) {
      NodeKeys loaded = loadOrCreate(keysDirs.get(i), random).keys();
      if (loaded.replicaCount() != keysDirs.size() || loaded.replicaIndex() != i
          || !loaded.subnetPublicKey().equals(keys.isEmpty()
              ? loaded.subnetPublicKey() : keys.get(0).subnetPublicKey())) {
        throw new NodeStartupException("the keys in " + keysDirs.get(i) + " are not those of replica "
            + i + " of a subnet of " + keysDirs.size() + " with the other replicas' subnet key");
      }
      keys.add(loaded);
    }
    return keys;
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
    CborMap.Builder map =
        CborMap.builder()
            .put("version", CborValue.UnsignedInt.of(FORMAT_VERSION))
            .put("threshold", CborValue.UnsignedInt.of(keys.subnetKeyParameters().threshold()))
            .put("share_count", CborValue.UnsignedInt.of(keys.subnetKeyParameters().shareCount()))
            .put("share_index", CborValue.UnsignedInt.of(keys.subnetKeyShare().index()))
            .put("secret_key_share", keys.subnetKeyShare().key().toBytes())
            .put("public_key_shares", new CborArray(publicShares))
            .put("subnet_public_key", keys.subnetPublicKey().rawBytes());
    if (keys.replicaCount() > 1) {
      List<CborValue> nodeKeys = new ArrayList<>();
      for (Ed25519PublicKey key : keys.memberNodeKeys()) {
        nodeKeys.add(new CborValue.ByteString(key.rawBytes()));
      }
      List<CborValue> beaconShares = new ArrayList<>();
      for (ThresholdBls.PublicKeyShare share : keys.beaconPublicKeyShares()) {
        beaconShares.add(new CborValue.ByteString(share.key().rawBytes()));
      }
      map.put("node_public_keys", new CborArray(nodeKeys))
          .put("beacon_threshold", CborValue.UnsignedInt.of(keys.membership().beaconParameters().threshold()))
          .put("beacon_secret_key_share", keys.beaconKeyShare().key().toBytes())
          .put("beacon_public_key_shares", new CborArray(beaconShares))
          .put("beacon_public_key", keys.beaconPublicKey().rawBytes());
    }
    return CborEncoder.encode(map.build());
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
    List<ThresholdBls.PublicKeyShare> publicShares =
        publicShares(map, "public_key_shares", (int) shareCount);
    BlsPublicKey subnetKey = BlsPublicKey.fromCompressed(map.getBytes("subnet_public_key"));
    checkSharing(parameters, secretShare, publicShares, subnetKey, "");
    if (shareCount == 1) {
      return new NodeKeys(nodeKey, parameters, secretShare, publicShares, subnetKey);
    }
    CborArray encodedNodeKeys = map.getArray("node_public_keys");
    if (encodedNodeKeys.size() != shareCount) {
      throw new InvalidInputException("node_public_keys has " + encodedNodeKeys.size()
          + " entries for " + shareCount + " replicas");
    }
    List<Ed25519PublicKey> nodeKeys = new ArrayList<>();
    for (int i = 0; i < encodedNodeKeys.size(); i++) {
      nodeKeys.add(Ed25519PublicKey.fromRaw(encodedNodeKeys.get(i).asBytes("node_public_keys")));
    }
    if (!nodeKeys.get((int) index - 1).equals(nodeKey.publicKey())) {
      throw new InvalidInputException(
          "node_public_keys[" + (index - 1) + "] is not this node's key");
    }
    long beaconThreshold = map.getLong("beacon_threshold");
    long expectedBeaconThreshold = (shareCount - 1) / 3 + 1;
    if (beaconThreshold != expectedBeaconThreshold) {
      throw new InvalidInputException("beacon_threshold is " + beaconThreshold
          + "; consensus needs f + 1 = " + expectedBeaconThreshold);
    }
    ThresholdBls.Parameters beaconParameters =
        new ThresholdBls.Parameters((int) beaconThreshold, (int) shareCount);
    ThresholdBls.SecretKeyShare beaconShare = new ThresholdBls.SecretKeyShare(
        (int) index, BlsSecretKey.fromBytes(map.getBytes("beacon_secret_key_share")));
    List<ThresholdBls.PublicKeyShare> beaconShares =
        publicShares(map, "beacon_public_key_shares", (int) shareCount);
    BlsPublicKey beaconKey = BlsPublicKey.fromCompressed(map.getBytes("beacon_public_key"));
    checkSharing(beaconParameters, beaconShare, beaconShares, beaconKey, "beacon_");
    try {
      return new NodeKeys(nodeKey, parameters, secretShare, publicShares, subnetKey, nodeKeys,
          beaconShare, beaconShares, beaconKey);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(e.getMessage());
    }
  }

  private static List<ThresholdBls.PublicKeyShare> publicShares(
      CborMap map, String field, int shareCount) {
    CborArray encodedShares = map.getArray(field);
    if (encodedShares.size() != shareCount) {
      throw new InvalidInputException(
          field + " has " + encodedShares.size() + " entries for " + shareCount + " shares");
    }
    List<ThresholdBls.PublicKeyShare> shares = new ArrayList<>();
    for (int i = 0; i < encodedShares.size(); i++) {
      shares.add(new ThresholdBls.PublicKeyShare(
          i + 1, BlsPublicKey.fromCompressed(encodedShares.get(i).asBytes(field))));
    }
    return shares;
  }

  /** A secret share must match its public share, and the public shares the group key. */
  private static void checkSharing(ThresholdBls.Parameters parameters,
      ThresholdBls.SecretKeyShare secretShare, List<ThresholdBls.PublicKeyShare> publicShares,
      BlsPublicKey groupKey, String prefix) {
    if (!secretShare.key().publicKey().equals(publicShares.get(secretShare.index() - 1).key())) {
      throw new InvalidInputException(
          prefix + "secret_key_share does not match public key share " + secretShare.index());
    }
    if (!ThresholdBls.combinePublicKeys(parameters, publicShares).equals(groupKey)) {
      throw new InvalidInputException(prefix + "public_key_shares do not combine into "
          + (prefix.isEmpty() ? "subnet_public_key" : prefix + "public_key"));
    }
  }
}
