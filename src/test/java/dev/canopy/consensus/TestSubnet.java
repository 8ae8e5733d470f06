package dev.canopy.consensus;

import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.ArrayList;
import java.util.List;

/**
 * A subnet of n replicas with keys dealt from a seed: node keys, and a beacon key dealt by
 * {@link ThresholdBls#deal} (DKG is a later task). Each replica's {@link SubnetConfig} gets only its
 * own share.
 */
final class TestSubnet {
  final SubnetMembership membership;
  final List<SubnetConfig> configs;
  final Block genesis;
  final Artifact.RandomBeacon genesisBeacon;

  private TestSubnet(SubnetMembership membership, List<SubnetConfig> configs) {
    this.membership = membership;
    this.configs = configs;
    this.genesis = Block.genesis(membership.subnetId(), 0);
    this.genesisBeacon = Artifact.RandomBeacon.genesis(membership.subnetId());
  }

  static TestSubnet create(int n, long seed) {
    DeterministicRandom random = DeterministicRandom.fromSeed(seed);
    List<Ed25519SigningKey> nodeKeys = new ArrayList<>();
    List<Ed25519PublicKey> publicKeys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Ed25519SigningKey key = Ed25519SigningKey.generate(random);
      nodeKeys.add(key);
      publicKeys.add(key.publicKey());
    }
    int f = (n - 1) / 3;
    ThresholdBls.Dealing dealing = ThresholdBls.deal(new ThresholdBls.Parameters(f + 1, n), random);
    SubnetId subnet = new SubnetId(Principal.selfAuthenticating(dealing.groupPublicKey().toDer()));
    SubnetMembership membership =
        new SubnetMembership(subnet, publicKeys, dealing.groupPublicKey(), dealing.publicKeyShares());
    List<SubnetConfig> configs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      configs.add(new SubnetConfig(membership, nodeKeys.get(i), dealing.secretKeyShares().get(i)));
    }
    return new TestSubnet(membership, List.copyOf(configs));
  }

  ArtifactPool newPool(ConsensusParameters parameters) {
    return new ArtifactPool(genesis, genesisBeacon, parameters, 0);
  }
}
