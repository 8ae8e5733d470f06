package dev.canopy.node;

import dev.canopy.consensus.KeyGeneration;
import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.DkgDecryptionKey;
import dev.canopy.types.CanisterIdRange;
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
 * <p>Files of a subnet of one: {@code node_signing_key.pem} (PKCS#8, as dfx writes Ed25519 keys)
 * and {@code subnet_key_share.cbor} (a canonical CBOR map: version, threshold, share_count,
 * share_index, secret_key_share, public_key_shares, subnet_public_key; BLS keys as compressed
 * points); its one key is also its beacon key.
 *
 * <p>A member of a subnet of several replicas has, instead of a subnet key share, {@code
 * dkg_decryption_key.cbor} (version, dkg_decryption_key: the 32-byte scalar) under {@code keys/}
 * and the shared public {@link SubnetGenesis} ({@code genesis.cbor}) in its data directory. The
 * replicas create the threshold keys themselves through consensus ({@link
 * dev.canopy.consensus.KeyGeneration}), after which each keeps its shares in {@link
 * SubnetKeyStore#FILE}; no process ever holds a whole threshold secret.
 */
public final class Genesis {
  public static final String NODE_KEY_FILE = "node_signing_key.pem";
  public static final String SUBNET_KEY_FILE = "subnet_key_share.cbor";
  public static final String DKG_KEY_FILE = "dkg_decryption_key.cbor";

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

  /** What {@link #loadIdentity} found. */
  public record IdentityResult(ReplicaIdentity identity, boolean created) {}

  /**
   * The identity of the node whose data directory is {@code dataDir} (keys under {@code
   * keysDir}): a member of a subnet of several when the directory holds a {@link SubnetGenesis}
   * ({@link #loadMember}), else the single node of its own subnet ({@link #loadOrCreate}).
   */
  public static IdentityResult loadIdentity(Path dataDir, Path keysDir, RandomGenerator random) {
    if (Files.exists(dataDir.resolve(SubnetGenesis.FILE), LinkOption.NOFOLLOW_LINKS)) {
      return new IdentityResult(loadMember(dataDir, keysDir), false);
    }
    Result single = loadOrCreate(keysDir, random);
    return new IdentityResult(ReplicaIdentity.dealt(single.keys()), single.created());
  }

  /**
   * The genesis of a new subnet of {@code dataDirs.size()} replicas, replica {@code i} keeping its
   * data in {@code dataDirs[i]}: loaded when every directory has it, created when none has. Each
   * directory gets only its own node's secrets (node signing key and DKG decryption key, under
   * {@code keys/}, owner-only) and the shared public {@link SubnetGenesis}; the subnet's threshold
   * keys do not exist yet (the replicas generate them when they first run).
   *
   * <p>Note: the process that creates the genesis draws every node's keys, as a provisioning tool
   * would; it never sees a threshold key or share, which exist only once the replicas have run
   * their key generation. Operators who must not trust it create each node's keys on its machine
   * and assemble the genesis from the public keys (not offered by this command yet).
   *
   * @throws NodeStartupException if only some directories have a genesis, or they are not one
   *     subnet's, or a directory without one already holds keys
   */
  public static SubnetGenesis loadOrCreateSubnetGenesis(List<Path> dataDirs, CanisterIdRange range,
      KeyGeneration.Schedule schedule, RandomGenerator random) {
    int present = 0;
    for (Path dir : dataDirs) {
      try {
        Files.createDirectories(dir);
      } catch (java.io.IOException e) {
        throw new NodeStartupException("cannot create the data directory " + dir + ": " + e, e);
      }
      KeyFiles.ensureKeyDirectory(dir.resolve(DataDirectory.KEYS_DIR));
      if (Files.exists(dir.resolve(SubnetGenesis.FILE), LinkOption.NOFOLLOW_LINKS)) {
        present++;
      }
    }
    if (present == 0) {
      for (Path dir : dataDirs) {
        for (String f : new String[] {NODE_KEY_FILE, DKG_KEY_FILE, SUBNET_KEY_FILE}) {
          if (Files.exists(dir.resolve(DataDirectory.KEYS_DIR).resolve(f), LinkOption.NOFOLLOW_LINKS)) {
            throw new NodeStartupException("the data directory " + dir + " holds keys but no subnet genesis ("
                + SubnetGenesis.FILE + "); a new subnet needs empty data directories");
          }
        }
      }
      return createSubnetGenesis(dataDirs, range, schedule, random);
    }
    if (present != dataDirs.size()) {
      throw new NodeStartupException("only " + present + " of the " + dataDirs.size()
          + " replicas' data directories hold the subnet genesis; restore the missing ones from a backup, or"
          + " start a new subnet on empty data directories");
    }
    SubnetGenesis first = null;
    for (int i = 0; i < dataDirs.size(); i++) {
      Path dir = dataDirs.get(i);
      ReplicaIdentity member = loadMember(dir, dir.resolve(DataDirectory.KEYS_DIR));
      SubnetGenesis genesis = member.genesis().orElseThrow();
      if (first == null) {
        first = genesis;
      }
      if (!genesis.equals(first) || genesis.size() != dataDirs.size() || member.replicaIndex() != i) {
        throw new NodeStartupException("the data directory " + dir + " is not that of replica " + i
            + " of the subnet of " + dataDirs.size() + " that the other directories describe");
      }
    }
    return first;
  }

  private static SubnetGenesis createSubnetGenesis(List<Path> dataDirs, CanisterIdRange range,
      KeyGeneration.Schedule schedule, RandomGenerator random) {
    List<Ed25519SigningKey> nodeKeys = new ArrayList<>();
    List<DkgDecryptionKey> dkgKeys = new ArrayList<>();
    for (int i = 0; i < dataDirs.size(); i++) {
      nodeKeys.add(Ed25519SigningKey.generate(random));
      dkgKeys.add(DkgDecryptionKey.generate(random));
    }
    SubnetGenesis genesis = new SubnetGenesis(
        nodeKeys.stream().map(Ed25519SigningKey::publicKey).toList(),
        dkgKeys.stream().map(DkgDecryptionKey::publicKey).toList(), range, schedule);
    byte[] encoded = genesis.encode();
    for (int i = 0; i < dataDirs.size(); i++) {
      Path keys = dataDirs.get(i).resolve(DataDirectory.KEYS_DIR);
      KeyFiles.writeNew(keys.resolve(DKG_KEY_FILE), encodeDkgKey(dkgKeys.get(i)));
      KeyFiles.writeNew(keys.resolve(NODE_KEY_FILE),
          nodeKeys.get(i).toPem().getBytes(StandardCharsets.US_ASCII));
      // Written last: a directory with a genesis has its keys.
      KeyFiles.writeNew(dataDirs.get(i).resolve(SubnetGenesis.FILE), encoded);
    }
    return genesis;
  }

  /**
   * The identity of the member of a subnet of several replicas whose data directory is {@code
   * dataDir}: the subnet genesis, its node key and its DKG decryption key.
   *
   * @throws NodeStartupException if a file is missing or unusable, or the keys are no member's
   */
  public static ReplicaIdentity loadMember(Path dataDir, Path keysDir) {
    Path genesisFile = dataDir.resolve(SubnetGenesis.FILE);
    SubnetGenesis genesis;
    try {
      byte[] bytes = Files.readAllBytes(genesisFile);
      genesis = SubnetGenesis.decode(bytes);
    } catch (java.io.IOException e) {
      throw new NodeStartupException("cannot read the subnet genesis " + genesisFile + ": " + e, e);
    } catch (InvalidInputException e) {
      throw new NodeStartupException("the subnet genesis " + genesisFile + " is unusable: " + e.getMessage(), e);
    }
    KeyFiles.ensureKeyDirectory(keysDir);
    Path nodeKeyFile = keysDir.resolve(NODE_KEY_FILE);
    Path dkgKeyFile = keysDir.resolve(DKG_KEY_FILE);
    for (Path f : new Path[] {nodeKeyFile, dkgKeyFile}) {
      if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
        throw new NodeStartupException("the data directory " + dataDir + " holds a subnet genesis but " + f
            + " is missing; restore it from a backup (a member's keys cannot be made again)");
      }
    }
    Ed25519SigningKey nodeKey = loadNodeKey(nodeKeyFile);
    byte[] dkgBytes = KeyFiles.readOwnerOnly(dkgKeyFile);
    DkgDecryptionKey dkgKey;
    try {
      dkgKey = decodeDkgKey(dkgBytes);
    } catch (InvalidInputException e) {
      throw new NodeStartupException("the DKG key file " + dkgKeyFile + " is unusable: " + e.getMessage(), e);
    } finally {
      Arrays.fill(dkgBytes, (byte) 0);
    }
    try {
      return ReplicaIdentity.member(genesis, nodeKey, dkgKey);
    } catch (IllegalArgumentException e) {
      throw new NodeStartupException("the keys in " + keysDir + " do not belong to the subnet genesis "
          + genesisFile + ": " + e.getMessage(), e);
    }
  }

  static byte[] encodeDkgKey(DkgDecryptionKey key) {
    byte[] scalar = key.toBytes();
    try {
      return CborEncoder.encode(CborMap.builder()
          .put("version", CborValue.UnsignedInt.of(FORMAT_VERSION))
          .put("dkg_decryption_key", scalar)
          .build());
    } finally {
      Arrays.fill(scalar, (byte) 0);
    }
  }

  static DkgDecryptionKey decodeDkgKey(byte[] bytes) {
    CborMap map = CborDecoder.DEFAULT.decodeMap(bytes, "DKG decryption key");
    long version = map.getLong("version");
    if (version != FORMAT_VERSION || map.size() != 2) {
      throw new InvalidInputException("format version " + version + " is not supported");
    }
    return DkgDecryptionKey.fromBytes(map.getBytes("dkg_decryption_key"));
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
    Ed25519SigningKey nodeKey = loadNodeKey(nodeKeyFile);
    byte[] subnet = KeyFiles.readOwnerOnly(subnetKeyFile);
    try {
      return decodeSubnetKey(nodeKey, subnet);
    } catch (InvalidInputException e) {
      throw new NodeStartupException(
          "the subnet key file " + subnetKeyFile + " is unusable: " + e.getMessage(), e);
    } finally {
      Arrays.fill(subnet, (byte) 0);
    }
  }

  private static Ed25519SigningKey loadNodeKey(Path nodeKeyFile) {
    byte[] pem = KeyFiles.readOwnerOnly(nodeKeyFile);
    try {
      SigningKey key = SigningKey.fromPem(new String(pem, StandardCharsets.US_ASCII));
      if (!(key instanceof Ed25519SigningKey ed25519)) {
        throw new NodeStartupException(
            "the node key file " + nodeKeyFile + " holds a " + key.publicKey().algorithm()
                + " key; a node key is Ed25519");
      }
      return ed25519;
    } catch (NodeStartupException e) {
      throw e;
    } catch (InvalidInputException e) {
      throw new NodeStartupException(
          "the node key file " + nodeKeyFile + " is unusable: " + e.getMessage(), e);
    } finally {
      Arrays.fill(pem, (byte) 0);
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
    if (shareCount != 1) {
      // Written by an earlier Canopy whose genesis dealt a subnet's keys with a trusted dealer.
      throw new InvalidInputException("it holds share " + index + " of a key dealt to " + shareCount
          + " replicas by a trusted dealer, which this version no longer does; create the subnet anew with"
          + " canopy start --replicas " + shareCount + " --genesis-only on empty data directories");
    }
    return new NodeKeys(nodeKey, parameters, secretShare, publicShares, subnetKey);
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
