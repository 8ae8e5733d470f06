package dev.canopy.bench;

import static dev.canopy.bench.BenchTiming.check;
import static dev.canopy.bench.BenchTiming.compare;

import dev.canopy.bench.BenchTiming.Comparison;
import dev.canopy.bench.BenchTiming.Op;
import dev.canopy.crypto.BlsSecretKey;
import dev.canopy.crypto.BlsSignatureScheme;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.EcdsaCurve;
import dev.canopy.crypto.EcdsaSigningKey;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.crypto.PublicKey;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import dev.canopy.types.Principal;
import dev.canopy.types.RepresentationIndependentHash;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Throughput of the crypto the ingress and certification paths run per message, each beside a
 * baseline measured in the same run:
 *
 * <ul>
 *   <li>request id (hash_of_map of a call's content) against one SHA-256 of 32 bytes;
 *   <li>Ed25519 verify (BouncyCastle) against the JDK's own Ed25519 verify;
 *   <li>ECDSA P-256 and secp256k1 verify (BouncyCastle) against the JDK's P-256 verify (the JDK has
 *       no secp256k1 any more);
 *   <li>BLS verify (blst) against Ed25519 verify (BouncyCastle): what a certificate costs beside a
 *       request signature;
 *   <li>threshold combination of t signature shares against one BLS verify.
 * </ul>
 *
 * Timed by {@link BenchTiming}: each row runs a warm-up round of both, then three timed rounds of
 * fixed iteration counts, alternating baseline and operation; the best round of each counts (the
 * machine is shared, so slow rounds are interference).
 */
public final class CryptoBench {
  private CryptoBench() {}

  public static void main(String[] args) throws Exception {
    DeterministicRandom random = DeterministicRandom.fromSeed(1);
    List<Comparison> rows = new ArrayList<>();

    // Request id of a realistic call.
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("request_type", "call");
    content.put("sender", Principal.selfAuthenticating(Ed25519SigningKey.generate(random).publicKey().toDer()));
    content.put("ingress_expiry", 1_763_685_000_000_000_000L);
    content.put("canister_id", CanisterId.fromIndex(1234).toBytes());
    content.put("method_name", "transfer");
    byte[] arg = new byte[120];
    random.nextBytes(arg);
    content.put("arg", arg);
    byte[] nonce = new byte[16];
    random.nextBytes(nonce);
    content.put("nonce", nonce);
    byte[] thirtyTwo = new byte[32];
    rows.add(compare("request id (hash_of_map, 7 fields)", 100_000, () -> RepresentationIndependentHash.hashOfMap(content),
        "SHA-256 of 32 bytes", 300_000, () -> Hashing.sha256(thirtyTwo)));

    byte[] message = Hashing.sha256(new byte[] {1});
    // Ed25519: ours against the JDK's.
    Ed25519SigningKey ed = Ed25519SigningKey.generate(random);
    byte[] edSig = ed.sign(message);
    PublicKey edKey = PublicKey.fromDer(ed.publicKey().toDer());
    Signature jdkEd = Signature.getInstance("Ed25519");
    java.security.PublicKey jdkEdKey =
        KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(ed.publicKey().toDer()));
    Op jdkEdVerify = () -> {
      jdkEd.initVerify(jdkEdKey);
      jdkEd.update(message);
      return check(jdkEd.verify(edSig));
    };
    Op edVerify = () -> check(edKey.isValidSignature(message, edSig));
    rows.add(compare("Ed25519 verify (BouncyCastle)", 10_000, edVerify, "JDK Ed25519 verify", 2_000, jdkEdVerify));

    // ECDSA: ours against the JDK's P-256.
    EcdsaSigningKey p256 = EcdsaSigningKey.generate(EcdsaCurve.P256, random);
    byte[] p256Sig = p256.sign(message);
    PublicKey p256Key = PublicKey.fromDer(p256.publicKey().toDer());
    Signature jdkEc = Signature.getInstance("SHA256withECDSAinP1363Format");
    java.security.PublicKey jdkEcKey =
        KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(p256.publicKey().toDer()));
    Op jdkP256 = () -> {
      jdkEc.initVerify(jdkEcKey);
      jdkEc.update(message);
      return check(jdkEc.verify(p256Sig));
    };
    rows.add(compare("ECDSA P-256 verify (BouncyCastle)", 4_000, () -> check(p256Key.isValidSignature(message, p256Sig)),
        "JDK P-256 verify", 1_500, jdkP256));
    EcdsaSigningKey k1 = EcdsaSigningKey.generate(EcdsaCurve.SECP256K1, random);
    byte[] k1Sig = k1.sign(message);
    PublicKey k1Key = PublicKey.fromDer(k1.publicKey().toDer());
    rows.add(compare("ECDSA secp256k1 verify (BouncyCastle)", 4_000, () -> check(k1Key.isValidSignature(message, k1Sig)),
        "JDK P-256 verify", 1_500, jdkP256));

    // BLS verify against Ed25519 verify.
    BlsSecretKey bls = BlsSecretKey.fromSeed(Hashing.sha256(new byte[] {2}));
    byte[] stateRoot = BlsSignatureScheme.stateRootMessage(message);
    byte[] blsSig = bls.sign(stateRoot);
    dev.canopy.crypto.BlsPublicKey blsKey = bls.publicKey();
    Op blsVerify = () -> check(BlsSignatureScheme.verify(blsKey, stateRoot, blsSig));
    rows.add(compare("BLS12-381 verify (blst)", 800, blsVerify, "Ed25519 verify (BouncyCastle)", 10_000, edVerify));

    // Threshold combination against one BLS verify.
    for (int[] tn : new int[][] {{3, 4}, {9, 13}}) {
      ThresholdBls.Parameters parameters = new ThresholdBls.Parameters(tn[0], tn[1]);
      ThresholdBls.Dealing dealing = ThresholdBls.deal(parameters, random);
      List<ThresholdBls.SignatureShare> shares = new ArrayList<>();
      for (int i = tn[1] - tn[0]; i < tn[1]; i++) {
        shares.add(ThresholdBls.signShare(dealing.secretKeyShares().get(i), stateRoot));
      }
      byte[] combined = ThresholdBls.combineSignatures(parameters, shares);
      check(BlsSignatureScheme.verify(dealing.groupPublicKey(), stateRoot, combined));
      rows.add(compare("threshold combine t=" + tn[0] + " of n=" + tn[1], tn[0] > 3 ? 400 : 1_000,
          () -> ThresholdBls.combineSignatures(parameters, shares), "BLS12-381 verify (blst)", 800, blsVerify));
    }

    BenchTiming.print(rows, 0, 2);
  }
}
