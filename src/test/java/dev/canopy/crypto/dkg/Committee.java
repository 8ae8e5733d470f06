package dev.canopy.crypto.dkg;

import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** n test nodes with seeded node keys and DKG encryption keys, and helpers to run a DKG among them. */
final class Committee {
  final List<Ed25519SigningKey> nodeKeys = new ArrayList<>();
  final List<DkgDecryptionKey> decryptionKeys = new ArrayList<>();
  final long seed;

  Committee(int n, long seed) {
    this.seed = seed;
    for (int i = 0; i < n; i++) {
      nodeKeys.add(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(seed * 7919 + i)));
      decryptionKeys.add(DkgDecryptionKey.generate(DeterministicRandom.fromSeed(seed * 7919 + 5000 + i)));
    }
  }

  int size() {
    return nodeKeys.size();
  }

  List<Ed25519PublicKey> nodePublicKeys() {
    return nodeKeys.stream().map(Ed25519SigningKey::publicKey).toList();
  }

  List<DkgEncryptionPublicKey> encryptionKeys() {
    return decryptionKeys.stream().map(DkgDecryptionKey::publicKey).toList();
  }

  static DeterministicRandom random(long seed) {
    return DeterministicRandom.fromSeed(seed);
  }

  static byte[] instance(String name) {
    return name.getBytes(StandardCharsets.UTF_8);
  }

  /** A fresh DKG among this committee (dealers = receivers). */
  DkgConfig freshConfig(String instance, int threshold) {
    return DkgConfig.fresh(instance(instance), threshold, nodePublicKeys(), encryptionKeys());
  }

  DeterministicRandom dealerRandom(int dealerIndex) {
    return DeterministicRandom.fromSeed(seed * 104729 + dealerIndex);
  }

  /** Every member deals, in index order. */
  List<DkgDealing> dealAll(DkgConfig config) {
    List<DkgDealing> dealings = new ArrayList<>();
    for (int i = 1; i <= size(); i++) {
      dealings.add(Dkg.deal(config, i, nodeKeys.get(i - 1), dealerRandom(i)));
    }
    return dealings;
  }

  /** Every receiver checks every dealing; returns the complaints. */
  List<DkgComplaint> checkAll(DkgConfig config, List<DkgDealing> dealings) {
    List<DkgComplaint> complaints = new ArrayList<>();
    for (DkgDealing d : dealings) {
      for (int j = 1; j <= config.receiverCount(); j++) {
        Optional<DkgComplaint> c =
            Dkg.checkShare(config, d, j, decryptionKeys.get(j - 1), DeterministicRandom.fromSeed(seed + j));
        c.ifPresent(complaints::add);
      }
    }
    return complaints;
  }

  ThresholdKeyMaterial material(DkgTranscript transcript, int index) {
    return transcript.keyMaterial(index, decryptionKeys.get(index - 1));
  }
}
