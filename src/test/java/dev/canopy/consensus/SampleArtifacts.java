package dev.canopy.consensus;

import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.DishonestDealings;
import dev.canopy.crypto.dkg.Dkg;
import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgConfig;
import dev.canopy.crypto.dkg.DkgDealing;
import java.util.ArrayList;
import java.util.List;

/** One validly signed artifact of each kind, from a four-replica test subnet. */
final class SampleArtifacts {
  private SampleArtifacts() {}

  /**
   * A dealing, and a complaint about another dealing that gives receiver 1 a bad share, in a
   * subnet of {@code n} that generates its keys.
   */
  static List<Artifact> keyGeneration(int n) {
    TestSubnet subnet = TestSubnet.generatingKeys(n, 5, KeyGeneration.Schedule.defaults());
    KeyGeneration setup = subnet.keyGeneration.orElseThrow();
    Artifact.KeyDealing dealing = setup.deal(0, subnet.nodeKeys.get(0), DeterministicRandom.fromSeed(1)).get(0);
    Artifact.KeyDealing other = setup.deal(1, subnet.nodeKeys.get(1), DeterministicRandom.fromSeed(2)).get(0);
    DkgConfig config = setup.config(KeyGeneration.Key.BEACON);
    DkgDealing bad = DishonestDealings.withWrongShareFor(config, other.dealing(), 1, subnet.nodeKeys.get(1));
    DkgComplaint complaint = Dkg.checkShare(config, bad, 1, subnet.dkgKeys.get(0), DeterministicRandom.fromSeed(3))
        .orElseThrow();
    return List.of(dealing, Artifact.KeyComplaint.sign(complaint, subnet.configs.get(0).self(), subnet.nodeKeys.get(0)));
  }

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
    List<Artifact> keyGeneration = keyGeneration(subnet.membership.size());
    Block bootstrap = new Block(1, subnet.genesis.hash(), 0, maker.self(), 1_000, new Payload(List.of(),
        new DkgPayload(List.of((Artifact.KeyDealing) keyGeneration.get(0)), List.of((Artifact.KeyComplaint) keyGeneration.get(1)))));
    return List.of(
        keyGeneration.get(0),
        keyGeneration.get(1),
        Artifact.BlockProposal.sign(bootstrap, maker.nodeKey()),
        Artifact.BlockProposal.sign(block, maker.nodeKey()),
        Artifact.NotarizationShare.sign(1, hash, maker.self(), maker.nodeKey()),
        new Artifact.Notarization(1, hash, notarizers),
        Artifact.FinalizationShare.sign(1, hash, maker.self(), maker.nodeKey()),
        new Artifact.Finalization(1, hash, finalizers),
        new Artifact.RandomBeaconShare(1, parentBeacon, maker.self(), shares.get(0).signature()),
        new Artifact.RandomBeacon(1, parentBeacon, beacon));
  }
}
