package dev.canopy.bench;

import static dev.canopy.bench.BenchTiming.check;
import static dev.canopy.bench.BenchTiming.compare;

import dev.canopy.bench.BenchTiming.Comparison;
import dev.canopy.bench.BenchTiming.Op;
import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519PublicKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.Dkg;
import dev.canopy.crypto.dkg.DkgConfig;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.crypto.dkg.DkgDecryptionKey;
import dev.canopy.crypto.dkg.DkgEncryptionPublicKey;
import dev.canopy.crypto.dkg.DkgTranscript;
import dev.canopy.types.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What one replica spends on a DKG run, step by step, for a 3-of-4 and a 9-of-13 subnet:
 *
 * <ul>
 *   <li>dealing, against a trusted dealer's {@link ThresholdBls#deal} of the same parameters (what
 *       the DKG replaces);
 *   <li>verifying a dealing (shape, signature), checking one's own share, building the transcript
 *       from {@code t} dealings (all public key shares), and computing one's key share, each
 *       against one BLS signature verification.
 * </ul>
 *
 * Timed by {@link BenchTiming}: a warm-up round of each, three timed rounds alternating baseline
 * and operation, best round counts.
 */
public final class DkgBench {
  private DkgBench() {}

  public static void main(String[] args) throws Exception {
    List<Comparison> rows = new ArrayList<>();
    BlsSecretKey bls = BlsSecretKey.fromSeed(Hashing.sha256(new byte[] {2}));
    byte[] message = BlsSignatureScheme.stateRootMessage(Hashing.sha256(new byte[] {1}));
    byte[] blsSig = bls.sign(message);
    Op blsVerify = () -> check(BlsSignatureScheme.verify(bls.publicKey(), message, blsSig));

    for (int[] tn : new int[][] {{3, 4}, {9, 13}}) {
      int t = tn[0];
      int n = tn[1];
      String size = " t=" + t + " n=" + n;
      List<Ed25519SigningKey> nodeKeys = new ArrayList<>();
      List<DkgDecryptionKey> decryptionKeys = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        nodeKeys.add(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(i)));
        decryptionKeys.add(DkgDecryptionKey.generate(DeterministicRandom.fromSeed(1000 + i)));
      }
      List<Ed25519PublicKey> dealers = nodeKeys.stream().map(Ed25519SigningKey::publicKey).toList();
      List<DkgEncryptionPublicKey> receivers = decryptionKeys.stream().map(DkgDecryptionKey::publicKey).toList();
      DkgConfig config = DkgConfig.fresh("bench".getBytes(StandardCharsets.UTF_8), t, dealers, receivers);
      List<DkgDealing> dealings = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        dealings.add(Dkg.deal(config, i, nodeKeys.get(i - 1), DeterministicRandom.fromSeed(2000 + i)));
      }
      DeterministicRandom random = DeterministicRandom.fromSeed(7);
      ThresholdBls.Parameters parameters = new ThresholdBls.Parameters(t, n);
      int dealIterations = n > 4 ? 30 : 100;
      rows.add(compare("DKG deal" + size, dealIterations, () -> Dkg.deal(config, 1, nodeKeys.get(0), random),
          "trusted dealer (ThresholdBls.deal)", dealIterations, () -> ThresholdBls.deal(parameters, random)));
      DkgDealing dealing = dealings.get(0);
      rows.add(compare("verify dealing" + size, 2_000, () -> {
        Dkg.verifyDealing(config, dealing);
        return dealing;
      }, "BLS12-381 verify (blst)", 500, blsVerify));
      rows.add(compare("check own share" + size, 300,
          () -> Dkg.checkShare(config, dealing, n, decryptionKeys.get(n - 1), random),
          "BLS12-381 verify (blst)", 500, blsVerify));
      rows.add(compare("transcript from " + t + " dealings" + size, n > 4 ? 20 : 60,
          () -> Dkg.transcript(config, dealings.subList(0, t), List.of()),
          "BLS12-381 verify (blst)", 500, blsVerify));
      DkgTranscript transcript = Dkg.transcript(config, dealings.subList(0, t), List.of());
      rows.add(compare("own key share" + size, n > 4 ? 40 : 100,
          () -> transcript.keyMaterial(n, decryptionKeys.get(n - 1)),
          "BLS12-381 verify (blst)", 500, blsVerify));
    }

    BenchTiming.print(rows, 1, 3);
  }
}
