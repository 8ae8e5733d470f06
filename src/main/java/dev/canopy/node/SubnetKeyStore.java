package dev.canopy.node;

import dev.canopy.consensus.KeyGenerationRecord;
import dev.canopy.consensus.SubnetKeys;
import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.ThresholdPublicKeys;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's shares of the subnet's threshold keys after its key generation, kept owner-only in
 * {@code keys/threshold_key_shares.cbor} so a restart loads them instead of decrypting them again
 * (and never generates new keys: the key generation's outcome is on the chain, in the state's
 * record). {@link #establish} is the one way in: given the closed record, it loads the file and
 * checks it against the record, or, when the file is missing, derives the shares from the record
 * with this node's DKG decryption key and writes the file.
 *
 * <p>File: canonical CBOR {@code {"version": 1, "last_bootstrap_height": uint, "beacon": key,
 * "certification": key}}, each key {@code {"threshold", "share_count", "public_key",
 * "public_key_shares": [bytes(96)…], "share_index", "secret_key_share"}}, the last two absent when
 * the transcript gave this replica no share. The public parts repeat what the record says, so a
 * file from another key generation is recognised and refused.
 *
 * <p>Thread-safe: the consensus actor and the state manager both reach the keys through it, and
 * whichever comes first writes the file.
 */
public final class SubnetKeyStore {
  public static final String FILE = "threshold_key_shares.cbor";
  private static final Logger log = LoggerFactory.getLogger(SubnetKeyStore.class);
  private static final long FORMAT_VERSION = 1;

  private final ReplicaIdentity identity;
  private final Path file;
  private SubnetKeys established;
  private String source = "";

  public SubnetKeyStore(ReplicaIdentity identity, Path keysDir) {
    if (!identity.generatesKeys()) {
      throw new IllegalArgumentException("a subnet of one keeps its key in " + Genesis.SUBNET_KEY_FILE);
    }
    this.identity = identity;
    this.file = keysDir.resolve(FILE);
  }

  /** The keys, once established. */
  public synchronized Optional<SubnetKeys> current() {
    return Optional.ofNullable(established);
  }

  /** How the keys came to this run: {@code "loaded"} from the file or {@code "derived"} from the record. */
  public synchronized String source() {
    return source;
  }

  /**
   * This replica's keys from the key generation {@code closed} records: from the file if it is
   * there (and matches), else derived from the record and written. Idempotent.
   *
   * @throws NodeStartupException if the file is unusable or belongs to another key generation
   */
  public synchronized SubnetKeys establish(KeyGenerationRecord closed) {
    if (!closed.isClosed()) {
      throw new IllegalArgumentException("the key generation has not closed");
    }
    SubnetKeys derivedPublic = publicKeys(closed);
    if (established != null) {
      if (!samePublic(established, derivedPublic)) {
        throw new IllegalStateException("the chain's key generation changed after it closed");
      }
      return established;
    }
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      SubnetKeys loaded = readFile();
      if (!samePublic(loaded, derivedPublic)) {
        throw new NodeStartupException("the key share file " + file + " belongs to another key generation (its"
            + " subnet key is " + loaded.certification().groupPublicKey() + ", the chain's is "
            + derivedPublic.certification().groupPublicKey() + "); move it away and restart to derive this"
            + " subnet's shares from the chain");
      }
      established = loaded;
      source = "loaded";
      log.info("loaded this replica's threshold key shares from {}", file);
      return established;
    }
    SubnetKeys derived = SubnetKeys.derive(closed, identity.replicaIndex(), identity.dkgKey().orElseThrow());
    if (derived.beaconShare().isEmpty() || derived.certificationShare().isEmpty()) {
      log.error("the key generation gave this replica (node {}) no share of the {} key: a dealer sent it a bad"
          + " share and its complaint did not reach the chain in time; it follows the chain but cannot sign"
          + " beacons or certify until the keys are dealt again", identity.nodeId(),
          derived.beaconShare().isEmpty() ? "beacon" : "certification");
    }
    KeyFiles.writeNew(file, encode(derived));
    established = derived;
    source = "derived";
    log.info("derived this replica's threshold key shares from the key generation that closed at height {};"
        + " kept in {}", derived.lastBootstrapHeight(), file);
    return established;
  }

  /**
   * This replica's keys as its key file holds them, before any record to check them against; empty
   * if there is no file. The file is the replica's own, owner-only, written when it established its
   * keys, so it is trusted as the node key is; it is checked against the genesis only (the
   * subnet's thresholds and size, this replica's share indexes, a closing height of the schedule).
   *
   * <p>It is the trust anchor for catch-up packages while the state holds no closed key generation
   * record (a replica whose database was lost): the keys are established only once a record is
   * installed, and {@link #establish} then checks the file against it.
   *
   * @throws NodeStartupException if the file is unusable or not this replica's keys of this subnet
   */
  public synchronized Optional<SubnetKeys> loadFile() {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    SubnetKeys loaded = readFile();
    SubnetGenesis genesis = identity.genesis().orElseThrow();
    if (!loaded.beacon().parameters().equals(identity.membership().beaconParameters())
        || !loaded.certification().parameters().equals(identity.membership().certificationParameters())
        || !genesis.schedule().isClosingHeight(loaded.lastBootstrapHeight())) {
      throw new NodeStartupException("the key share file " + file + " is not of this subnet's key generation"
          + " (it holds keys " + loaded.beacon().parameters() + " and " + loaded.certification().parameters()
          + " from height " + (loaded.lastBootstrapHeight() + 1) + "); restore this replica's own file");
    }
    return Optional.of(loaded);
  }

  /** The file's keys, well-formed and this replica's shares (the public parts still unchecked). */
  private SubnetKeys readFile() {
    byte[] bytes = KeyFiles.readOwnerOnly(file);
    SubnetKeys loaded;
    try {
      loaded = decode(bytes);
    } catch (InvalidInputException | IllegalArgumentException e) {
      throw new NodeStartupException("the key share file " + file + " is unusable: " + e.getMessage()
          + "; move it away and restart: the shares are derived again from the key generation's record", e);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
    int own = identity.replicaIndex() + 1;
    if (loaded.beaconShare().map(x -> x.index() != own).orElse(false)
        || loaded.certificationShare().map(x -> x.index() != own).orElse(false)) {
      throw new NodeStartupException("the key share file " + file + " holds another replica's shares, not"
          + " those of replica " + identity.replicaIndex() + "; restore this replica's own file, or move it"
          + " away and restart to derive the shares from the chain");
    }
    return loaded;
  }

  /** The public keys a closed record gives, without any share. */
  static SubnetKeys publicKeys(KeyGenerationRecord closed) {
    return new SubnetKeys(closed.closedAtHeight().getAsLong(),
        closed.transcript(dev.canopy.consensus.KeyGeneration.Key.BEACON).publicKeys(),
        closed.transcript(dev.canopy.consensus.KeyGeneration.Key.CERTIFICATION).publicKeys(),
        Optional.empty(), Optional.empty());
  }

  /** Whether {@code a} and {@code b} are the same public keys, from the same closing height. */
  static boolean samePublic(SubnetKeys a, SubnetKeys b) {
    return a.lastBootstrapHeight() == b.lastBootstrapHeight() && a.beacon().equals(b.beacon())
        && a.certification().equals(b.certification());
  }

  static byte[] encode(SubnetKeys keys) {
    return CborEncoder.encode(CborMap.builder()
        .put("version", CborValue.UnsignedInt.of(FORMAT_VERSION))
        .put("last_bootstrap_height", CborValue.UnsignedInt.of(keys.lastBootstrapHeight()))
        .put("beacon", encodeKey(keys.beacon(), keys.beaconShare()))
        .put("certification", encodeKey(keys.certification(), keys.certificationShare()))
        .build());
  }

  private static CborMap encodeKey(ThresholdPublicKeys key, Optional<ThresholdBls.SecretKeyShare> share) {
    List<CborValue> shares = new ArrayList<>();
    for (ThresholdBls.PublicKeyShare s : key.publicKeyShares()) {
      shares.add(new CborValue.ByteString(s.key().rawBytes()));
    }
    CborMap.Builder map = CborMap.builder()
        .put("threshold", CborValue.UnsignedInt.of(key.parameters().threshold()))
        .put("share_count", CborValue.UnsignedInt.of(key.parameters().shareCount()))
        .put("public_key", key.groupPublicKey().rawBytes())
        .put("public_key_shares", new CborArray(shares));
    share.ifPresent(s -> map.put("share_index", CborValue.UnsignedInt.of(s.index()))
        .put("secret_key_share", s.key().toBytes()));
    return map.build();
  }

  static SubnetKeys decode(byte[] bytes) {
    CborMap map = CborDecoder.DEFAULT.decodeMap(bytes, "threshold key shares");
    long version = map.getLong("version");
    if (version != FORMAT_VERSION) {
      throw new InvalidInputException("format version " + version + " is not supported");
    }
    KeyAndShare beacon = decodeKey(map.getMap("beacon"));
    KeyAndShare certification = decodeKey(map.getMap("certification"));
    return new SubnetKeys(map.getLong("last_bootstrap_height"), beacon.key(), certification.key(),
        beacon.share(), certification.share());
  }

  private record KeyAndShare(ThresholdPublicKeys key, Optional<ThresholdBls.SecretKeyShare> share) {}

  private static KeyAndShare decodeKey(CborMap map) {
    long threshold = map.getLong("threshold");
    long count = map.getLong("share_count");
    if (count < 1 || count > ThresholdBls.Parameters.MAX_SHARES || threshold < 1 || threshold > count) {
      throw new InvalidInputException("threshold " + threshold + " of " + count + " is not a key sharing");
    }
    CborArray encoded = map.getArray("public_key_shares");
    if (encoded.size() != count) {
      throw new InvalidInputException("public_key_shares has " + encoded.size() + " entries for " + count);
    }
    List<ThresholdBls.PublicKeyShare> shares = new ArrayList<>();
    for (int i = 0; i < encoded.size(); i++) {
      shares.add(new ThresholdBls.PublicKeyShare(i + 1,
          BlsPublicKey.fromCompressed(encoded.get(i).asBytes("public_key_shares"))));
    }
    ThresholdBls.Parameters parameters = new ThresholdBls.Parameters((int) threshold, (int) count);
    BlsPublicKey group = BlsPublicKey.fromCompressed(map.getBytes("public_key"));
    if (!ThresholdBls.combinePublicKeys(parameters, shares).equals(group)) {
      throw new InvalidInputException("the public key shares do not combine into the public key");
    }
    Optional<ThresholdBls.SecretKeyShare> share = Optional.empty();
    if (map.has("secret_key_share")) {
      long index = map.getLong("share_index");
      if (index < 1 || index > count) {
        throw new InvalidInputException("share_index " + index + " is outside 1.." + count);
      }
      share = Optional.of(new ThresholdBls.SecretKeyShare((int) index,
          BlsSecretKey.fromBytes(map.getBytes("secret_key_share"))));
    }
    return new KeyAndShare(new ThresholdPublicKeys(parameters, group, shares), share);
  }
}
