package dev.canopy.node;

import dev.canopy.consensus.KeyGeneration;
import dev.canopy.consensus.SubnetMembership;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.dkg.DkgEncryptionPublicKey;
import dev.canopy.types.CanisterId;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.types.Hashing;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The public record a subnet of several replicas starts from, the same bytes in every replica's
 * data directory ({@code genesis.cbor}): each node's Ed25519 key and DKG encryption key (in node
 * order), the subnet's canister range and the key generation's schedule. No secret, and no
 * threshold key: the replicas create those themselves ({@link KeyGeneration}).
 *
 * <p>Wire form: canonical CBOR {@code {"version": 1, "node_public_keys": [bytes(32)…],
 * "dkg_encryption_keys": [bytes(48)…], "canister_range": [first index, last index],
 * "key_generation": [interval heights, complaint window heights]}}.
 *
 * <p>Note: the subnet is named, before its key exists, by its genesis id, an opaque principal
 * hashed from this record ({@link #genesisId}); a subnet of one is named by its key, as before,
 * since that key exists at genesis. The genesis id names what must not change when the key appears
 * (the persistence id, the consensus actors' service key, the genesis block and beacon, the key
 * generation's instance ids). Clients never see it: once the key exists the subnet's id is
 * {@code selfAuthenticating(root key)}, which agents assume of a root subnet without delegation
 * (when they verify query signatures they look the node keys up under that id).
 */
public record SubnetGenesis(
    List<Ed25519PublicKey> nodeKeys,
    List<DkgEncryptionPublicKey> dkgKeys,
    CanisterIdRange canisterRange,
    KeyGeneration.Schedule schedule) {
  public static final String FILE = "genesis.cbor";
  private static final long FORMAT_VERSION = 1;
  private static final byte[] GENESIS_ID_DOMAIN = Hashing.domainSeparator("canopy-subnet-genesis-id");
  private static final byte OPAQUE_SUFFIX = 0x01;

  public SubnetGenesis {
    nodeKeys = List.copyOf(nodeKeys);
    dkgKeys = List.copyOf(dkgKeys);
    if (nodeKeys.size() < 2 || nodeKeys.size() > LocalSubnet.MAX_REPLICAS || dkgKeys.size() != nodeKeys.size()) {
      throw new IllegalArgumentException("a subnet genesis has 2 to " + LocalSubnet.MAX_REPLICAS
          + " nodes, each with a node key and a DKG encryption key");
    }
  }

  public int size() {
    return nodeKeys.size();
  }

  /** The subnet's name before its key exists: {@code SHA-224(domain · record) · 0x01}. */
  public SubnetId genesisId() {
    byte[] hash = Hashing.sha224(Hashing.sha256(GENESIS_ID_DOMAIN, encode()));
    byte[] id = Arrays.copyOf(hash, hash.length + 1);
    id[hash.length] = OPAQUE_SUFFIX;
    return new SubnetId(Principal.fromBytes(id));
  }

  public SubnetMembership membership() {
    return new SubnetMembership(genesisId(), nodeKeys, dkgKeys);
  }

  public KeyGeneration keyGeneration() {
    return new KeyGeneration(membership(), schedule);
  }

  /** The index of the node with this key, or -1. */
  public int indexOf(Ed25519PublicKey nodeKey) {
    return nodeKeys.indexOf(nodeKey);
  }

  public byte[] encode() {
    List<CborValue> nodes = new ArrayList<>();
    for (Ed25519PublicKey k : nodeKeys) {
      nodes.add(new CborValue.ByteString(k.rawBytes()));
    }
    List<CborValue> dkg = new ArrayList<>();
    for (DkgEncryptionPublicKey k : dkgKeys) {
      dkg.add(new CborValue.ByteString(k.toBytes()));
    }
    return CborEncoder.encode(CborMap.builder()
        .put("version", CborValue.UnsignedInt.of(FORMAT_VERSION))
        .put("node_public_keys", new CborArray(nodes))
        .put("dkg_encryption_keys", new CborArray(dkg))
        .put("canister_range", CborArray.of(CborValue.UnsignedInt.of(canisterRange.start().index()),
            CborValue.UnsignedInt.of(canisterRange.end().index())))
        .put("key_generation", CborArray.of(CborValue.UnsignedInt.of(schedule.intervalHeights()),
            CborValue.UnsignedInt.of(schedule.complaintWindowHeights())))
        .build());
  }

  /**
   * The record {@link #encode} wrote; anything else (another encoding included) is an {@link
   * InvalidInputException}, so every replica that accepts the file computes the same genesis id.
   */
  public static SubnetGenesis decode(byte[] bytes) {
    CborMap map = CborDecoder.DEFAULT.decodeMap(bytes, "subnet genesis");
    long version = map.getLong("version");
    if (version != FORMAT_VERSION) {
      throw new InvalidInputException("subnet genesis version " + version + " is not supported");
    }
    List<Ed25519PublicKey> nodes = new ArrayList<>();
    for (CborValue v : map.getArray("node_public_keys").items()) {
      nodes.add(Ed25519PublicKey.fromRaw(v.asBytes("node_public_keys")));
    }
    List<DkgEncryptionPublicKey> dkg = new ArrayList<>();
    for (CborValue v : map.getArray("dkg_encryption_keys").items()) {
      dkg.add(DkgEncryptionPublicKey.fromBytes(v.asBytes("dkg_encryption_keys")));
    }
    CborArray range = map.getArray("canister_range");
    CborArray schedule = map.getArray("key_generation");
    if (range.size() != 2 || schedule.size() != 2 || map.size() != 5) {
      throw new InvalidInputException("a subnet genesis has a canister range [first, last] and a key generation"
          + " schedule [interval, complaint window], and nothing else");
    }
    SubnetGenesis genesis;
    try {
      genesis = new SubnetGenesis(nodes, dkg,
          new CanisterIdRange(CanisterId.fromIndex(index(range.get(0))), CanisterId.fromIndex(index(range.get(1)))),
          new KeyGeneration.Schedule(small(schedule.get(0)), small(schedule.get(1))));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("not a usable subnet genesis: " + e.getMessage());
    }
    if (!Arrays.equals(genesis.encode(), bytes)) {
      throw new InvalidInputException("the subnet genesis is not in canonical CBOR");
    }
    return genesis;
  }

  private static long index(CborValue v) {
    if (!(v instanceof CborValue.UnsignedInt u) || u.value().bitLength() > 63) {
      throw new InvalidInputException("a canister index is an unsigned 63-bit integer");
    }
    return u.value().longValueExact();
  }

  private static int small(CborValue v) {
    long value = index(v);
    if (value > 1_000_000) {
      throw new InvalidInputException("a key generation schedule value above 1000000");
    }
    return (int) value;
  }
}
