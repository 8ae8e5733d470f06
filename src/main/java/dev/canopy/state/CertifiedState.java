package dev.canopy.state;

import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hex;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A height's certified state tree with the subnet's signature of its root: the source of every
 * certificate the node hands out (read_state, synchronous call responses, data certificates).
 */
public record CertifiedState(CertifiedStateTree tree, StateCertification certification) {
  private static final Label CERTIFIED_DATA = Label.of("certified_data");

  public CertifiedState {
    if (!Arrays.equals(tree.rootHash(), certification.rootHash())) {
      throw new IllegalArgumentException(
          "the certification signs root " + Hex.encode(certification.rootHash())
              + ", but the tree's root is " + Hex.encode(tree.rootHash()));
    }
  }

  public long height() {
    return certification.height();
  }

  /** The certificate for a read_state request that {@link ReadStateAccess} permitted. */
  public Certificate certificate(ReadStatePlan plan) {
    return certificate(tree.witness(plan));
  }

  /**
   * The certificate of a synchronous call's outcome: {@code /request_status/<rid>} and {@code
   * /time} (spec "Synchronous canister calling").
   */
  public Certificate requestStatusCertificate(RequestId requestId) {
    return certificate(
        tree.witness(
            List.of(
                List.of(CertifiedStateTree.REQUEST_STATUS, Label.of(requestId.toBytes())),
                List.of(CertifiedStateTree.TIME))));
  }

  /**
   * The data certificate a canister reads in a non-replicated query (System API "Certified
   * data"): it reveals {@code /canister/<cid>/certified_data} and {@code /time}.
   */
  public Certificate dataCertificate(CanisterId canisterId) {
    return certificate(
        tree.witness(
            List.of(
                List.of(CertifiedStateTree.CANISTER, Label.of(canisterId.toBytes()), CERTIFIED_DATA),
                List.of(CertifiedStateTree.TIME))));
  }

  private Certificate certificate(HashTree witness) {
    return new Certificate(witness, certification.signature(), Optional.empty());
  }
}
