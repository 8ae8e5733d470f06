package dev.canopy.node;

import dev.canopy.consensus.SubnetConfig;
import dev.canopy.consensus.SubnetKeys;
import dev.canopy.consensus.SubnetMembership;
import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.ThresholdPublicKeys;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.List;

/**
 * A node's secret keys once its subnet's threshold keys exist, and the public description of its
 * subnet: its Ed25519 node signing key (which signs query responses and consensus artifacts and
 * names the node), its share of the subnet's threshold BLS key (which signs certified state), its
 * share of the random beacon's threshold key, and every member's public node key and public key
 * shares. A subnet of one makes its 1-of-1 key at genesis; a subnet of several generates both keys
 * through consensus ({@link #of}).
 *
 * <p>Replica {@code i} (0-based) holds share {@code i + 1} of both threshold keys and is node
 * {@code i} of {@link #memberNodeKeys}. A subnet of one uses its 1-of-1 subnet key as the beacon
 * key too.
 *
 * <p>{@link #toString()} shows public parts only.
 */
public record NodeKeys(
    Ed25519SigningKey nodeSigningKey,
    ThresholdBls.Parameters subnetKeyParameters,
    ThresholdBls.SecretKeyShare subnetKeyShare,
    List<ThresholdBls.PublicKeyShare> subnetPublicKeyShares,
    BlsPublicKey subnetPublicKey,
    List<Ed25519PublicKey> memberNodeKeys,
    ThresholdBls.SecretKeyShare beaconKeyShare,
    List<ThresholdBls.PublicKeyShare> beaconPublicKeyShares,
    BlsPublicKey beaconPublicKey) {

  public NodeKeys {
    subnetPublicKeyShares = List.copyOf(subnetPublicKeyShares);
    memberNodeKeys = List.copyOf(memberNodeKeys);
    beaconPublicKeyShares = List.copyOf(beaconPublicKeyShares);
    int n = subnetKeyParameters.shareCount();
    if (memberNodeKeys.size() != n || beaconPublicKeyShares.size() != n
        || subnetPublicKeyShares.size() != n) {
      throw new IllegalArgumentException(
          "a subnet of " + n + " replicas needs " + n + " node keys and public key shares");
    }
    if (beaconKeyShare.index() != subnetKeyShare.index()) {
      throw new IllegalArgumentException("the beacon and subnet key shares belong to different nodes");
    }
    if (!memberNodeKeys.get(subnetKeyShare.index() - 1).equals(nodeSigningKey.publicKey())) {
      throw new IllegalArgumentException(
          "member " + subnetKeyShare.index() + "'s node key is not this node's key");
    }
  }

  /** The keys of the only node of a subnet of one: the subnet key is the beacon key too. */
  public NodeKeys(
      Ed25519SigningKey nodeSigningKey,
      ThresholdBls.Parameters subnetKeyParameters,
      ThresholdBls.SecretKeyShare subnetKeyShare,
      List<ThresholdBls.PublicKeyShare> subnetPublicKeyShares,
      BlsPublicKey subnetPublicKey) {
    this(nodeSigningKey, subnetKeyParameters, subnetKeyShare, subnetPublicKeyShares,
        subnetPublicKey, List.of(nodeSigningKey.publicKey()), subnetKeyShare,
        subnetPublicKeyShares, subnetPublicKey);
  }

  /**
   * The keys of replica {@code identity} once the key generation gave it both shares.
   *
   * @throws IllegalArgumentException if a share is missing
   */
  public static NodeKeys of(ReplicaIdentity identity, SubnetKeys keys) {
    ThresholdPublicKeys cert = keys.certification();
    ThresholdPublicKeys beacon = keys.beacon();
    return new NodeKeys(identity.nodeSigningKey(), cert.parameters(),
        keys.certificationShare().orElseThrow(() -> new IllegalArgumentException("no certification key share")),
        cert.publicKeyShares(), cert.groupPublicKey(), identity.memberNodeKeys(),
        keys.beaconShare().orElseThrow(() -> new IllegalArgumentException("no beacon key share")),
        beacon.publicKeyShares(), beacon.groupPublicKey());
  }

  /** The node's id: the self-authenticating principal of its signing key's DER public key. */
  public NodeId nodeId() {
    return new NodeId(Principal.selfAuthenticating(nodeSigningKey.publicKey().toDer()));
  }

  /**
   * The subnet's id. Note: a root subnet without delegation must have the id
   * {@code selfAuthenticating(root_key_DER)}, which agents assume (digest §12, item 2).
   */
  public SubnetId subnetId() {
    return new SubnetId(Principal.selfAuthenticating(subnetPublicKey.toDer()));
  }

  /** The root key as {@code /api/v2/status} reports it: the subnet key in DER (133 bytes). */
  public byte[] rootKeyDer() {
    return subnetPublicKey.toDer();
  }

  /** How many replicas the subnet has. */
  public int replicaCount() {
    return subnetKeyParameters.shareCount();
  }

  /** This node's place in the subnet (0-based). */
  public int replicaIndex() {
    return subnetKeyShare.index() - 1;
  }

  /** The subnet as consensus sees it when its keys are dealt at genesis: members and node keys. */
  public SubnetMembership membership() {
    return new SubnetMembership(subnetId(), memberNodeKeys);
  }

  /** Both threshold keys as consensus holds them, dealt at genesis (so from height 1 on). */
  public SubnetKeys subnetKeys() {
    return new SubnetKeys(0,
        new ThresholdPublicKeys(membership().beaconParameters(), beaconPublicKey, beaconPublicKeyShares),
        new ThresholdPublicKeys(subnetKeyParameters, subnetPublicKey, subnetPublicKeyShares),
        java.util.Optional.of(beaconKeyShare), java.util.Optional.of(subnetKeyShare));
  }

  /** The consensus configuration of the replica of a subnet whose keys were dealt at genesis. */
  public SubnetConfig consensusConfig() {
    return SubnetConfig.dealt(membership(), nodeSigningKey, subnetKeys());
  }

  @Override
  public String toString() {
    return "NodeKeys[node " + nodeId() + ", subnet " + subnetId() + ", share "
        + subnetKeyShare.index() + " of " + subnetKeyParameters.shareCount() + "]";
  }
}
