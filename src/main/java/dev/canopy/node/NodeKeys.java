package dev.canopy.node;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.List;

/**
 * A node's secret keys: its Ed25519 node signing key (which signs query responses and names the
 * node) and its share of the subnet's threshold BLS key (which signs certified state).
 *
 * <p>{@link #toString()} shows public parts only.
 */
public record NodeKeys(
    Ed25519SigningKey nodeSigningKey,
    ThresholdBls.Parameters subnetKeyParameters,
    ThresholdBls.SecretKeyShare subnetKeyShare,
    List<ThresholdBls.PublicKeyShare> subnetPublicKeyShares,
    BlsPublicKey subnetPublicKey) {

  public NodeKeys {
    subnetPublicKeyShares = List.copyOf(subnetPublicKeyShares);
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

  @Override
  public String toString() {
    return "NodeKeys[node " + nodeId() + ", subnet " + subnetId() + ", share "
        + subnetKeyShare.index() + " of " + subnetKeyParameters.shareCount() + "]";
  }
}
