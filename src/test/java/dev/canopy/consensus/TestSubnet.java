package dev.canopy.consensus;

import dev.canopy.crypto.BlsPublicKey;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.DkgDecryptionKey;
import dev.canopy.crypto.dkg.DkgEncryptionPublicKey;
import dev.canopy.crypto.dkg.ThresholdPublicKeys;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A subnet of n replicas with keys from a seed: node keys, and either threshold keys dealt by
 * {@link ThresholdBls#deal} ({@link #create}) or DKG encryption keys with which the replicas
 * generate them through consensus ({@link #generatingKeys}). Each replica's {@link SubnetConfig}
 * gets only its own shares and its own decryption key.
 */
final class TestSubnet {
  final SubnetMembership membership;
  final List<SubnetConfig> configs;
  final Block genesis;
  final Artifact.RandomBeacon genesisBeacon;
  /** The dealt beacon key's public key; null when the replicas generate their keys. */
  final BlsPublicKey beaconPublicKey;
  final List<Ed25519SigningKey> nodeKeys;
  final List<DkgDecryptionKey> dkgKeys;
  final Optional<KeyGeneration> keyGeneration;

  private TestSubnet(SubnetMembership membership, List<SubnetConfig> configs, BlsPublicKey beaconPublicKey,
      List<Ed25519SigningKey> nodeKeys, List<DkgDecryptionKey> dkgKeys, Optional<KeyGeneration> keyGeneration) {
    this.membership = membership;
    this.configs = configs;
    this.genesis = Block.genesis(membership.subnetId(), 0);
    this.genesisBeacon = Artifact.RandomBeacon.genesis(membership.subnetId());
    this.beaconPublicKey = beaconPublicKey;
    this.nodeKeys = nodeKeys;
    this.dkgKeys = dkgKeys;
    this.keyGeneration = keyGeneration;
  }

  static TestSubnet create(int n, long seed) {
    DeterministicRandom random = DeterministicRandom.fromSeed(seed);
    List<Ed25519SigningKey> nodeKeys = nodeKeys(n, random);
    int f = (n - 1) / 3;
    ThresholdBls.Dealing beacon = ThresholdBls.deal(new ThresholdBls.Parameters(f + 1, n), random);
    ThresholdBls.Dealing certification = ThresholdBls.deal(new ThresholdBls.Parameters(n - f, n), random);
    SubnetId subnet = new SubnetId(Principal.selfAuthenticating(certification.groupPublicKey().toDer()));
    SubnetMembership membership = new SubnetMembership(subnet, publicKeys(nodeKeys));
    List<SubnetConfig> configs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SubnetKeys keys = new SubnetKeys(0,
          new ThresholdPublicKeys(beacon.parameters(), beacon.groupPublicKey(), beacon.publicKeyShares()),
          new ThresholdPublicKeys(certification.parameters(), certification.groupPublicKey(),
              certification.publicKeyShares()),
          Optional.of(beacon.secretKeyShares().get(i)), Optional.of(certification.secretKeyShares().get(i)));
      configs.add(SubnetConfig.dealt(membership, nodeKeys.get(i), keys));
    }
    return new TestSubnet(membership, List.copyOf(configs), beacon.groupPublicKey(), nodeKeys, List.of(),
        Optional.empty());
  }

  /** A subnet whose replicas start without threshold keys and generate them on the chain. */
  static TestSubnet generatingKeys(int n, long seed, KeyGeneration.Schedule schedule) {
    DeterministicRandom random = DeterministicRandom.fromSeed(seed);
    List<Ed25519SigningKey> nodeKeys = nodeKeys(n, random);
    List<DkgDecryptionKey> dkgKeys = new ArrayList<>();
    List<DkgEncryptionPublicKey> encryptionKeys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      DkgDecryptionKey k = DkgDecryptionKey.generate(random);
      dkgKeys.add(k);
      encryptionKeys.add(k.publicKey());
    }
    byte[] name = new byte[28];
    random.nextBytes(name);
    SubnetId subnet = new SubnetId(Principal.fromBytes(java.util.Arrays.copyOf(name, 29)));
    SubnetMembership membership = new SubnetMembership(subnet, publicKeys(nodeKeys), encryptionKeys);
    KeyGeneration keyGeneration = new KeyGeneration(membership, schedule);
    List<SubnetConfig> configs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      configs.add(SubnetConfig.generating(membership, nodeKeys.get(i), dkgKeys.get(i), keyGeneration.start(),
          Optional.empty()));
    }
    return new TestSubnet(membership, List.copyOf(configs), null, nodeKeys, List.copyOf(dkgKeys),
        Optional.of(keyGeneration));
  }

  private static List<Ed25519SigningKey> nodeKeys(int n, DeterministicRandom random) {
    List<Ed25519SigningKey> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys.add(Ed25519SigningKey.generate(random));
    }
    return List.copyOf(keys);
  }

  private static List<Ed25519PublicKey> publicKeys(List<Ed25519SigningKey> keys) {
    return keys.stream().map(Ed25519SigningKey::publicKey).toList();
  }

  ArtifactPool newPool(ConsensusParameters parameters) {
    return new ArtifactPool(genesis, genesisBeacon, parameters, 0);
  }
}
