package dev.canopy.consensus;

import dev.canopy.crypto.ThresholdBls;
import java.util.ArrayList;
import java.util.List;

/** One validly signed artifact of each kind, from a four-replica test subnet. */
final class SampleArtifacts {
  private SampleArtifacts() {}

  static List<Artifact> all(TestSubnet subnet) {
    SubnetConfig maker = subnet.configs.get(0);
    Block block = new Block(1, subnet.genesis.hash(), 2, maker.self(), 1_000,
        new Payload(List.of(TestIngressPool.message(new byte[] {1, 2, 3}), TestIngressPool.message(new byte[0]))));
    Hash hash = block.hash();
    List<NodeSignature> notarizers = new ArrayList<>();
    List<NodeSignature> finalizers = new ArrayList<>();
    for (SubnetConfig c : subnet.configs.subList(0, subnet.membership.quorum())) {
      notarizers.add(Artifact.NotarizationShare.sign(1, hash, c.self(), c.nodeKey()).signature());
      finalizers.add(Artifact.FinalizationShare.sign(1, hash, c.self(), c.nodeKey()).signature());
    }
    Hash parentBeacon = subnet.genesisBeacon.id();
    byte[] message = Artifact.RandomBeacon.signedMessage(1, parentBeacon);
    List<ThresholdBls.SignatureShare> shares = new ArrayList<>();
    for (SubnetConfig c : subnet.configs) {
      shares.add(ThresholdBls.signShare(c.beaconKeyShare(), message));
    }
    byte[] beacon = ThresholdBls.combineSignatures(subnet.membership.beaconParameters(), shares);
    return List.of(
        Artifact.BlockProposal.sign(block, maker.nodeKey()),
        Artifact.NotarizationShare.sign(1, hash, maker.self(), maker.nodeKey()),
        new Artifact.Notarization(1, hash, notarizers),
        Artifact.FinalizationShare.sign(1, hash, maker.self(), maker.nodeKey()),
        new Artifact.Finalization(1, hash, finalizers),
        new Artifact.RandomBeaconShare(1, parentBeacon, maker.self(), shares.get(0).signature()),
        new Artifact.RandomBeacon(1, parentBeacon, beacon));
  }
}
