package dev.canopy.node;

import dev.canopy.consensus.KeyGeneration;
import dev.canopy.consensus.SubnetMembership;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.dkg.DkgDecryptionKey;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a replica knows of itself and its subnet when it starts, before any threshold key: its
 * node signing key and the subnet's members. Either a subnet of one whose keys it made itself at
 * genesis ({@link #dealt}), or a member of a subnet whose replicas generate the keys ({@link
 * #member}: the shared {@link SubnetGenesis} and this node's DKG decryption key).
 *
 * <p>{@link #toString()} shows public parts only.
 */
public final class ReplicaIdentity {
  private final Ed25519SigningKey nodeSigningKey;
  private final Optional<NodeKeys> dealtKeys;
  private final Optional<SubnetGenesis> genesis;
  private final Optional<DkgDecryptionKey> dkgKey;
  private final int replicaIndex;
  private final SubnetMembership membership;
  private final Optional<KeyGeneration> keyGeneration;

  private ReplicaIdentity(Ed25519SigningKey nodeSigningKey, Optional<NodeKeys> dealtKeys,
      Optional<SubnetGenesis> genesis, Optional<DkgDecryptionKey> dkgKey, int replicaIndex, SubnetMembership membership) {
    this.nodeSigningKey = nodeSigningKey;
    this.dealtKeys = dealtKeys;
    this.genesis = genesis;
    this.dkgKey = dkgKey;
    this.replicaIndex = replicaIndex;
    this.membership = membership;
    this.keyGeneration = genesis.map(g -> new KeyGeneration(membership, g.schedule()));
  }

  /** The only replica of a subnet whose keys it holds from genesis (its 1-of-1 key). */
  public static ReplicaIdentity dealt(NodeKeys keys) {
    return new ReplicaIdentity(keys.nodeSigningKey(), Optional.of(keys), Optional.empty(), Optional.empty(),
        keys.replicaIndex(), keys.membership());
  }

  /**
   * Member {@code genesis.indexOf(nodeKey)} of a subnet that generates its keys.
   *
   * @throws IllegalArgumentException if the node key or the DKG key is not that member's
   */
  public static ReplicaIdentity member(SubnetGenesis genesis, Ed25519SigningKey nodeKey, DkgDecryptionKey dkgKey) {
    int index = genesis.indexOf(nodeKey.publicKey());
    if (index < 0) {
      throw new IllegalArgumentException("the node key is no member's key in the subnet genesis");
    }
    if (!genesis.dkgKeys().get(index).equals(dkgKey.publicKey())) {
      throw new IllegalArgumentException("the DKG decryption key is not member " + index + "'s");
    }
    return new ReplicaIdentity(nodeKey, Optional.empty(), Optional.of(genesis), Optional.of(dkgKey), index,
        genesis.membership());
  }

  public Ed25519SigningKey nodeSigningKey() {
    return nodeSigningKey;
  }

  /** The node's id: the self-authenticating principal of its signing key's DER public key. */
  public NodeId nodeId() {
    return new NodeId(Principal.selfAuthenticating(nodeSigningKey.publicKey().toDer()));
  }

  /**
   * The name the subnet has from genesis on (see the Note in {@link SubnetGenesis}): its genesis
   * id, or, for a subnet of one, its key's self-authenticating id.
   */
  public SubnetId genesisId() {
    return membership.subnetId();
  }

  /** Whether the replicas generate the subnet's threshold keys (a subnet of several). */
  public boolean generatesKeys() {
    return genesis.isPresent();
  }

  /** How the subnet's replicas generate its keys (the one instance every record refers to). */
  public Optional<KeyGeneration> keyGeneration() {
    return keyGeneration;
  }

  /** The keys a subnet of one made at genesis. */
  public Optional<NodeKeys> dealtKeys() {
    return dealtKeys;
  }

  public Optional<SubnetGenesis> genesis() {
    return genesis;
  }

  public Optional<DkgDecryptionKey> dkgKey() {
    return dkgKey;
  }

  public SubnetMembership membership() {
    return membership;
  }

  public int replicaCount() {
    return membership.size();
  }

  /** This node's place in the subnet (0-based). */
  public int replicaIndex() {
    return replicaIndex;
  }

  public List<Ed25519PublicKey> memberNodeKeys() {
    return membership.nodeKeys();
  }

  /** The subnet's canister range: the genesis record's, or, for a subnet of one, the configured one. */
  public CanisterIdRange canisterRange(ReplicaSettings settings) {
    return genesis.map(SubnetGenesis::canisterRange).orElseGet(() -> new CanisterIdRange(
        dev.canopy.types.CanisterId.fromIndex(settings.firstCanisterIndex()),
        dev.canopy.types.CanisterId.fromIndex(settings.lastCanisterIndex())));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReplicaIdentity r && nodeSigningKey.equals(r.nodeSigningKey)
        && genesisId().equals(r.genesisId());
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodeId(), genesisId());
  }

  @Override
  public String toString() {
    return "ReplicaIdentity[node " + nodeId() + ", replica " + replicaIndex + " of " + replicaCount()
        + " on " + genesisId() + "]";
  }
}
