package dev.canopy.consensus;

import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.NodeId;

/**
 * One replica's view of its subnet: the membership, its own node signing key and its own share of
 * the beacon key. It never holds the beacon's whole secret key (which, after DKG, nobody does).
 */
public record SubnetConfig(
    SubnetMembership membership, Ed25519SigningKey nodeKey, ThresholdBls.SecretKeyShare beaconKeyShare) {

  public SubnetConfig {
    if (membership == null || nodeKey == null || beaconKeyShare == null) {
      throw new IllegalArgumentException("membership, node key and beacon key share are required");
    }
    int index = beaconKeyShare.index() - 1;
    if (index < 0 || index >= membership.size()) {
      throw new IllegalArgumentException("beacon key share index " + beaconKeyShare.index() + " is outside the subnet");
    }
    if (!membership.nodeKey(index).equals(nodeKey.publicKey())) {
      throw new IllegalArgumentException("the node key is not node " + index + "'s key");
    }
    if (!membership.beaconKeyShare(index).key().equals(beaconKeyShare.key().publicKey())) {
      throw new IllegalArgumentException("the beacon key share does not match node " + index + "'s public share");
    }
  }

  public NodeId self() {
    return membership.node(selfIndex());
  }

  public int selfIndex() {
    return beaconKeyShare.index() - 1;
  }
}
