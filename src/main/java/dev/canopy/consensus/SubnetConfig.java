package dev.canopy.consensus;

import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.DkgDecryptionKey;
import dev.canopy.types.NodeId;
import java.util.Objects;
import java.util.Optional;

/**
 * One replica's view of its subnet: the membership, its own node signing key, and the subnet's
 * threshold keys as far as they exist. Either the keys were dealt at genesis ({@link #dealt}), or
 * the replicas generate them ({@link #generating}): then the config carries the key generation's
 * record (the finalized chain's dealings and complaints up to some height), the replica's own DKG
 * decryption key, and, once the record is closed, the keys derived from it.
 *
 * <p>Immutable: as the chain's record moves on, the owner of the {@link ConsensusStep} replaces its
 * config ({@link #withRecord}), after persisting whatever it must.
 *
 * <p>{@code abstainThroughHeight}: the replica makes no dealing, block, notarization share or
 * finalization share at or below this height (0: none). See {@link #withAbstention}.
 */
public record SubnetConfig(
    SubnetMembership membership,
    Ed25519SigningKey nodeKey,
    Optional<DkgDecryptionKey> dkgKey,
    Optional<KeyGenerationRecord> keyGeneration,
    Optional<SubnetKeys> keys,
    long abstainThroughHeight) {

  /** What a beacon of some height is: made from the key generation's hash chain, threshold-signed, or not known yet. */
  enum BeaconMode { BOOTSTRAP, THRESHOLD, UNKNOWN }

  public SubnetConfig {
    Objects.requireNonNull(membership, "membership");
    Objects.requireNonNull(nodeKey, "nodeKey");
    Objects.requireNonNull(dkgKey, "dkgKey");
    Objects.requireNonNull(keyGeneration, "keyGeneration");
    Objects.requireNonNull(keys, "keys");
    if (abstainThroughHeight < 0) {
      throw new IllegalArgumentException("a negative abstention height");
    }
    int index = indexOf(membership, nodeKey);
    if (keyGeneration.isEmpty()) {
      if (keys.isEmpty() || keys.get().lastBootstrapHeight() != 0) {
        throw new IllegalArgumentException("a subnet without key generation needs keys dealt at genesis");
      }
    } else {
      KeyGenerationRecord record = keyGeneration.get();
      if (record.setup().membership() != membership && !record.setup().membership().nodeKeys().equals(membership.nodeKeys())) {
        throw new IllegalArgumentException("the key generation record belongs to another subnet");
      }
      if (dkgKey.isEmpty() || !membership.dkgKeys().get(index).equals(dkgKey.get().publicKey())) {
        throw new IllegalArgumentException("the DKG decryption key is not node " + index + "'s");
      }
      if (record.isClosed() != keys.isPresent()
          || keys.isPresent() && keys.get().lastBootstrapHeight() != record.closedAtHeight().getAsLong()) {
        throw new IllegalArgumentException("the keys must be those of the closed record, and only then");
      }
    }
    keys.flatMap(SubnetKeys::beaconShare).ifPresent(s -> {
      if (s.index() != index + 1) {
        throw new IllegalArgumentException("the beacon key share " + s.index() + " is not node " + index + "'s");
      }
    });
  }

  private static int indexOf(SubnetMembership membership, Ed25519SigningKey nodeKey) {
    for (int i = 0; i < membership.size(); i++) {
      if (membership.nodeKey(i).equals(nodeKey.publicKey())) {
        return i;
      }
    }
    throw new IllegalArgumentException("the node key is no member's key");
  }

  /** A replica of a subnet whose keys were dealt at genesis. */
  public static SubnetConfig dealt(SubnetMembership membership, Ed25519SigningKey nodeKey, SubnetKeys keys) {
    return new SubnetConfig(membership, nodeKey, Optional.empty(), Optional.empty(), Optional.of(keys), 0);
  }

  /**
   * A replica of a subnet whose replicas generate its keys, at {@code record} (the key generation's
   * start, or what its state recorded), with {@code keys} once the record is closed.
   */
  public static SubnetConfig generating(SubnetMembership membership, Ed25519SigningKey nodeKey,
      DkgDecryptionKey dkgKey, KeyGenerationRecord record, Optional<SubnetKeys> keys) {
    return new SubnetConfig(membership, nodeKey, Optional.of(dkgKey), Optional.of(record), keys, 0);
  }

  /** This config with the chain's record moved on, and the keys once it closed. */
  public SubnetConfig withRecord(KeyGenerationRecord record, Optional<SubnetKeys> keys) {
    return new SubnetConfig(membership, nodeKey, dkgKey, Optional.of(record), keys, abstainThroughHeight);
  }

  /**
   * This config for a replica that knows the subnet finalized every height up to {@code height}
   * without it: it deals nothing and makes no block, notarization share or finalization share
   * there, but still validates, finalizes and delivers what its peers made.
   *
   * <p>Note: a replica that lost its state while keeping its key share file knows from the file
   * that the key generation closed at {@code height}, so the chain up to there is finalized. Having
   * lost its memory of what it signed there, it must not sign again there (it could support a
   * block other than the one it supported before), nor deal for a key generation that is over.
   */
  public SubnetConfig withAbstention(long height) {
    return new SubnetConfig(membership, nodeKey, dkgKey, keyGeneration, keys, height);
  }

  /** Whether this replica makes nothing of its own at {@code height}. */
  public boolean abstainsAt(long height) {
    return height <= abstainThroughHeight;
  }

  public NodeId self() {
    return membership.node(selfIndex());
  }

  public int selfIndex() {
    return indexOf(membership, nodeKey);
  }

  /** This replica's share of the beacon key. */
  public ThresholdBls.SecretKeyShare beaconKeyShare() {
    return keys.flatMap(SubnetKeys::beaconShare).orElseThrow(() -> new IllegalStateException("no beacon key share"));
  }

  /** Whether the key generation is still open (blocks carry dealings and complaints). */
  public boolean isGeneratingKeys() {
    return keyGeneration.isPresent() && !keyGeneration.get().isClosed();
  }

  BeaconMode beaconMode(long height) {
    if (keyGeneration.isEmpty()) {
      return BeaconMode.THRESHOLD;
    }
    KeyGenerationRecord record = keyGeneration.get();
    if (height <= record.lastBootstrapHeightKnown()) {
      return BeaconMode.BOOTSTRAP;
    }
    return record.isClosed() ? BeaconMode.THRESHOLD : BeaconMode.UNKNOWN;
  }
}
