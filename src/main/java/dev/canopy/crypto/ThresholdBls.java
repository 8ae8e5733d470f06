package dev.canopy.crypto;

import dev.canopy.crypto.InvalidThresholdInputException.Reason;
import dev.canopy.types.Hex;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import supranational.blst.P1;
import supranational.blst.P2;

/**
 * Threshold BLS12-381 (min-sig) by Shamir sharing over the scalar field: any {@code t} of
 * {@code n} shares (indices 1..n) combine, by Lagrange interpolation at 0 in G1, into the group's
 * ordinary BLS signature; fewer reveal nothing. The distributed key generation builds on the
 * same interpolation for public keys.
 *
 * <p>Deterministic: the dealer's polynomial comes from the caller's random source, and
 * combination picks the {@code t} lowest indices given, so every replica combining the same
 * shares gets the same bytes (BLS signatures are unique anyway).
 */
public final class ThresholdBls {
  public static final BigInteger R = BlsSecretKey.GROUP_ORDER;

  private ThresholdBls() {}

  /** {@code t} of {@code n}, with {@code 1 ≤ t ≤ n ≤ MAX_SHARES}. */
  public record Parameters(int threshold, int shareCount) {
    public static final int MAX_SHARES = 1024;

    public Parameters {
      if (threshold < 1 || threshold > shareCount || shareCount > MAX_SHARES) {
        throw new InvalidThresholdInputException(
            Reason.BAD_PARAMETERS,
            "threshold " + threshold + " of " + shareCount + " shares: need 1 ≤ t ≤ n ≤ " + MAX_SHARES);
      }
    }

    void checkIndex(int index) {
      if (index < 1 || index > shareCount) {
        throw new InvalidThresholdInputException(
            Reason.INDEX_OUT_OF_RANGE, "share index " + index + " is outside 1.." + shareCount);
      }
    }
  }

  /** Share {@code index} of the secret key; its toString never shows the scalar. */
  public record SecretKeyShare(int index, BlsSecretKey key) {
    public SecretKeyShare {
      Objects.requireNonNull(key, "key");
    }
  }

  /** {@code g2^share}: what verifies share {@code index}'s signature shares. */
  public record PublicKeyShare(int index, BlsPublicKey key) {
    public PublicKeyShare {
      Objects.requireNonNull(key, "key");
    }
  }

  /** Share {@code index}'s signature: {@code share · H(m)}, a compressed G1 point of 48 bytes. */
  public record SignatureShare(int index, byte[] signature) {
    public SignatureShare {
      signature = Objects.requireNonNull(signature, "signature").clone();
    }

    @Override
    public byte[] signature() {
      return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof SignatureShare s && index == s.index && Arrays.equals(signature, s.signature);
    }

    @Override
    public int hashCode() {
      return 31 * index + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
      return "SignatureShare[" + index + ", " + Hex.encode(signature) + "]";
    }
  }

  /** A dealer's output: the group key, and share {@code i} at position {@code i-1} of each list. */
  public record Dealing(
      Parameters parameters,
      BlsPublicKey groupPublicKey,
      List<PublicKeyShare> publicKeyShares,
      List<SecretKeyShare> secretKeyShares) {
    public Dealing {
      publicKeyShares = List.copyOf(publicKeyShares);
      secretKeyShares = List.copyOf(secretKeyShares);
    }
  }

  /** Deals a fresh random group key; the polynomial comes from {@code random}. */
  public static Dealing deal(Parameters parameters, RandomGenerator random) {
    return deal(BlsSecretKey.fromScalar(randomNonZeroScalar(random)), parameters, random);
  }

  /**
   * Shares {@code secret}: {@code f(x) = secret + a1·x + … + a(t-1)·x^(t-1)} with {@code a_k} drawn
   * from {@code random}; share {@code i} is {@code f(i) mod r}.
   */
  public static Dealing deal(BlsSecretKey secret, Parameters parameters, RandomGenerator random) {
    BigInteger[] coefficients = new BigInteger[parameters.threshold()];
    coefficients[0] = secret.scalar();
    for (int k = 1; k < coefficients.length; k++) {
      coefficients[k] = randomScalar(random);
    }
    List<SecretKeyShare> secrets = new ArrayList<>(parameters.shareCount());
    List<PublicKeyShare> publics = new ArrayList<>(parameters.shareCount());
    for (int i = 1; i <= parameters.shareCount(); i++) {
      BigInteger x = BigInteger.valueOf(i);
      BigInteger y = BigInteger.ZERO;
      for (int k = coefficients.length - 1; k >= 0; k--) { // Horner
        y = y.multiply(x).add(coefficients[k]).mod(R);
      }
      if (y.signum() == 0) {
        // Probability 1/r per share; a zero share would have the identity as its public key.
        throw new IllegalStateException("share " + i + " is zero; deal again with other randomness");
      }
      BlsSecretKey share = BlsSecretKey.fromScalar(y);
      secrets.add(new SecretKeyShare(i, share));
      publics.add(new PublicKeyShare(i, share.publicKey()));
    }
    Arrays.fill(coefficients, BigInteger.ZERO);
    return new Dealing(parameters, secret.publicKey(), publics, secrets);
  }

  public static SignatureShare signShare(SecretKeyShare share, byte[] message) {
    return new SignatureShare(share.index(), BlsSignatureScheme.sign(share.key(), message));
  }

  /** Whether {@code share} is the signature share of {@code publicKeyShare}'s holder on {@code message}. */
  public static boolean verifyShare(PublicKeyShare publicKeyShare, byte[] message, SignatureShare share) {
    return share.index() == publicKeyShare.index()
        && BlsSignatureScheme.verify(publicKeyShare.key(), message, share.signature);
  }

  /**
   * Combines at least {@code t} signature shares with distinct indices in 1..n into the group
   * signature (48 bytes). Uses the {@code t} lowest indices; shares should have been verified with
   * {@link #verifyShare} first, since one bad share spoils the result.
   */
  public static byte[] combineSignatures(Parameters parameters, List<SignatureShare> shares) {
    List<SignatureShare> chosen = choose(parameters, shares, SignatureShare::index, "signature");
    int[] indices = chosen.stream().mapToInt(SignatureShare::index).toArray();
    List<P1> points = new ArrayList<>(chosen.size());
    for (SignatureShare s : chosen) {
      points.add(BlsSignatureScheme.decodeSignature(s.signature).to_jacobian());
    }
    return interpolateG1(indices, points).compress();
  }

  /** The group public key from at least {@code t} public key shares (distinct indices in 1..n). */
  public static BlsPublicKey combinePublicKeys(Parameters parameters, List<PublicKeyShare> shares) {
    List<PublicKeyShare> chosen = choose(parameters, shares, PublicKeyShare::index, "public key");
    int[] indices = chosen.stream().mapToInt(PublicKeyShare::index).toArray();
    List<BigInteger> lambdas = lagrangeAtZero(indices);
    P2 sum = null;
    for (int j = 0; j < chosen.size(); j++) {
      P2 term = chosen.get(j).key().point().mult(lambdas.get(j));
      sum = sum == null ? term : sum.add(term);
    }
    return BlsPublicKey.fromPoint(sum);
  }

  /**
   * Lagrange interpolation at 0 of the given points of G1, whatever their number: with fewer than
   * {@code t} points the result is some point, but not the group signature. Indices must be
   * distinct and positive.
   */
  static P1 interpolateG1(int[] indices, List<P1> points) {
    BlsNative.ensureLoaded();
    List<BigInteger> lambdas = lagrangeAtZero(indices);
    P1 sum = null;
    for (int j = 0; j < points.size(); j++) {
      P1 term = points.get(j).dup().mult(lambdas.get(j));
      sum = sum == null ? term : sum.add(term);
    }
    return sum;
  }

  /**
   * {@code λ_j = Π_{m≠j} x_m / (x_m − x_j) mod r}, the coefficients that evaluate at 0 (also used by
   * the distributed key generation to combine dealings).
   */
  public static List<BigInteger> lagrangeAtZero(int[] indices) {
    List<BigInteger> lambdas = new ArrayList<>(indices.length);
    for (int j = 0; j < indices.length; j++) {
      BigInteger numerator = BigInteger.ONE;
      BigInteger denominator = BigInteger.ONE;
      BigInteger xj = BigInteger.valueOf(indices[j]);
      for (int m = 0; m < indices.length; m++) {
        if (m == j) {
          continue;
        }
        BigInteger xm = BigInteger.valueOf(indices[m]);
        numerator = numerator.multiply(xm).mod(R);
        denominator = denominator.multiply(xm.subtract(xj)).mod(R);
      }
      lambdas.add(numerator.multiply(denominator.modInverse(R)).mod(R));
    }
    return lambdas;
  }

  private static <S> List<S> choose(
      Parameters parameters, List<S> shares, java.util.function.ToIntFunction<S> index, String what) {
    List<S> sorted = new ArrayList<>(shares);
    sorted.sort(Comparator.comparingInt(index));
    for (int j = 0; j < sorted.size(); j++) {
      int i = index.applyAsInt(sorted.get(j));
      parameters.checkIndex(i);
      if (j > 0 && index.applyAsInt(sorted.get(j - 1)) == i) {
        throw new InvalidThresholdInputException(
            Reason.DUPLICATE_INDEX, "two " + what + " shares have index " + i);
      }
    }
    if (sorted.size() < parameters.threshold()) {
      throw new InvalidThresholdInputException(
          Reason.TOO_FEW_SHARES,
          "combining needs " + parameters.threshold() + " " + what + " shares, got " + sorted.size());
    }
    return sorted.subList(0, parameters.threshold());
  }

  /** Uniform in [0, r): 255 random bits, rejected when ≥ r (r > 2^254, so rarely). */
  static BigInteger randomScalar(RandomGenerator random) {
    byte[] bytes = new byte[32];
    while (true) {
      random.nextBytes(bytes);
      bytes[0] &= 0x7f;
      BigInteger candidate = new BigInteger(1, bytes);
      if (candidate.compareTo(R) < 0) {
        return candidate;
      }
    }
  }

  /** Uniform in [1, r), drawn as {@link #randomScalar} draws, rejecting zero. */
  public static BigInteger randomNonZeroScalar(RandomGenerator random) {
    while (true) {
      BigInteger s = randomScalar(random);
      if (s.signum() != 0) {
        return s;
      }
    }
  }
}
