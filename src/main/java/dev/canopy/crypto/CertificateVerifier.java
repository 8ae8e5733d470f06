package dev.canopy.crypto;

import dev.canopy.crypto.CertificateVerifier.InvalidCertificateException.Reason;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LeafPath;
import dev.canopy.types.hashtree.LookupResult;
import dev.canopy.types.hashtree.SubtreeLookup;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a client does with a certificate (spec "Certification"): {@code verify_cert} with its
 * delegation, the scope check of the delegation, and the freshness of {@code /time}.
 *
 * <ul>
 *   <li>Without a delegation the signature must verify under the root key.
 *   <li>With one, the delegation's certificate must carry no delegation itself, verify under the
 *       root key, and reveal {@code /subnet/<sid>/public_key}; the certificate must verify under
 *       that key. For a canister scope the canister must lie in the subnet's ranges, read from
 *       {@code /canister_ranges/<sid>/…} (v3) or else {@code /subnet/<sid>/canister_ranges} (v2);
 *       for a subnet scope the delegation must be for that subnet.
 *   <li>{@code /time} must be within {@code maxTimeSkewNanos} of the verifier's {@code now}.
 * </ul>
 *
 * <p>Note: as in agent-js, only the outer certificate's time is checked; a delegation is
 * typically older than the certificate it vouches for.
 */
public final class CertificateVerifier {
  /** Agents accept certificates whose time is within 5 minutes of their clock. */
  public static final long DEFAULT_MAX_TIME_SKEW_NANOS = 5L * 60 * 1_000_000_000L;

  private static final Label SUBNET = Label.of("subnet");
  private static final Label PUBLIC_KEY = Label.of("public_key");
  private static final Label CANISTER_RANGES = Label.of("canister_ranges");
  private static final Label TIME = Label.of("time");
  /** A u64 in LEB128 has at most 10 bytes. */
  private static final int MAX_TIME_BYTES = 10;

  /** What the certificate is expected to speak for. */
  public sealed interface Scope permits Scope.Canister, Scope.Subnet, Scope.Unscoped {
    static Scope canister(Principal effectiveCanisterId) {
      return new Canister(effectiveCanisterId);
    }

    static Scope subnet(Principal effectiveSubnetId) {
      return new Subnet(effectiveSubnetId);
    }

    static Scope unscoped() {
      return new Unscoped();
    }

    /** A delegation must cover this canister id. */
    record Canister(Principal id) implements Scope {
      public Canister {
        Objects.requireNonNull(id, "id");
      }
    }

    /** A delegation must be for this subnet. */
    record Subnet(Principal id) implements Scope {
      public Subnet {
        Objects.requireNonNull(id, "id");
      }
    }

    /** No scope check (only the signatures and the time). */
    record Unscoped() implements Scope {}
  }

  /** A certificate that passed: its time, and the subnet that signed it if delegated. */
  public record VerifiedCertificate(
      Certificate certificate, long timeNanos, Optional<SubnetId> delegatedSubnet) {}

  private final BlsPublicKey rootKey;
  private final long maxTimeSkewNanos;

  private CertificateVerifier(BlsPublicKey rootKey, long maxTimeSkewNanos) {
    this.rootKey = rootKey;
    this.maxTimeSkewNanos = maxTimeSkewNanos;
  }

  /**
   * A verifier trusting the root key {@code rootKeyDer} (a DER BLS12-381 key, 133 bytes); any
   * other key is an {@link InvalidPublicKeyException}.
   */
  public static CertificateVerifier forRootKey(byte[] rootKeyDer) {
    PublicKey key = PublicKey.fromDer(rootKeyDer);
    if (!(key instanceof BlsPublicKey bls)) {
      throw new InvalidPublicKeyException(
          InvalidPublicKeyException.Reason.UNSUPPORTED_ALGORITHM,
          null,
          "a root key is a BLS12-381 key, got " + key.algorithm());
    }
    return new CertificateVerifier(bls, DEFAULT_MAX_TIME_SKEW_NANOS);
  }

  public CertificateVerifier withMaxTimeSkewNanos(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("the time skew cannot be negative");
    }
    return new CertificateVerifier(rootKey, value);
  }

  /** Decodes and verifies a certificate's CBOR bytes (self-describe tag optional). */
  public VerifiedCertificate verify(byte[] certificateCbor, Scope scope, long nowNanos) {
    return verify(decode(certificateCbor, "certificate"), scope, nowNanos);
  }

  public VerifiedCertificate verify(Certificate certificate, Scope scope, long nowNanos) {
    VerifiedCertificate verified = verifyIgnoringTime(certificate, scope);
    long time = verified.timeNanos();
    long skew = Math.abs(Math.subtractExact(time, nowNanos));
    if (skew > maxTimeSkewNanos) {
      throw new InvalidCertificateException(
          Reason.STALE_OR_FUTURE_TIME,
          "the certificate's time " + time + " is " + (time < nowNanos ? "behind" : "ahead of")
              + " the verifier's clock " + nowNanos + " by " + skew + " ns, more than "
              + maxTimeSkewNanos + " ns");
    }
    return verified;
  }

  /**
   * {@code verify_cert} with the delegation's scope, but not the freshness of {@code /time} (which
   * must still be present): for certificates that are evidence rather than news, such as the one
   * inside a canister signature, whose spec section sets no bound on the certificate's age.
   */
  public VerifiedCertificate verifyIgnoringTime(Certificate certificate, Scope scope) {
    Objects.requireNonNull(scope, "scope");
    BlsPublicKey key = rootKey;
    Optional<SubnetId> delegated = Optional.empty();
    if (certificate.delegation().isPresent()) {
      Certificate.Delegation d = certificate.delegation().get();
      key = checkDelegation(d, scope);
      delegated = Optional.of(d.subnetId());
    }
    checkSignature(certificate, key, "certificate");
    return new VerifiedCertificate(certificate, time(certificate), delegated);
  }

  /** Checks the delegation and returns the subnet key it vouches for. */
  private BlsPublicKey checkDelegation(Certificate.Delegation d, Scope scope) {
    Certificate inner = decode(d.certificate(), "delegation certificate");
    if (inner.delegation().isPresent()) {
      throw new InvalidCertificateException(
          Reason.NESTED_DELEGATION, "the delegation's certificate carries a delegation itself");
    }
    checkSignature(inner, rootKey, "delegation certificate");
    Label sid = Label.of(d.subnetId().toBytes());
    LookupResult keyLookup = inner.lookup(List.of(SUBNET, sid, PUBLIC_KEY));
    if (!(keyLookup instanceof LookupResult.Found found)) {
      throw new InvalidCertificateException(
          Reason.MISSING_SUBNET_KEY,
          "the delegation does not reveal /subnet/" + d.subnetId() + "/public_key");
    }
    BlsPublicKey subnetKey = blsKey(found.value(), "the delegated subnet key");
    if (scope instanceof Scope.Subnet s && !s.id().equals(d.subnetId().principal())) {
      throw new InvalidCertificateException(
          Reason.SUBNET_MISMATCH,
          "the delegation is for subnet " + d.subnetId() + ", not " + s.id());
    }
    if (scope instanceof Scope.Canister c && !inRanges(inner, sid, c.id())) {
      throw new InvalidCertificateException(
          Reason.CANISTER_NOT_IN_RANGES,
          "canister " + c.id() + " is not in the canister ranges of subnet " + d.subnetId());
    }
    return subnetKey;
  }

  private static boolean inRanges(Certificate inner, Label sid, Principal canister) {
    SubtreeLookup shards = inner.tree().lookupSubtree(List.of(CANISTER_RANGES, sid));
    if (shards instanceof SubtreeLookup.Found f) {
      for (LeafPath shard : f.subtree().listPaths()) {
        if (rangesContain(shard.value(), canister)) {
          return true;
        }
      }
      return false;
    }
    LookupResult flat = inner.lookup(List.of(SUBNET, sid, CANISTER_RANGES));
    if (flat instanceof LookupResult.Found f) {
      return rangesContain(f.value(), canister);
    }
    throw new InvalidCertificateException(
        Reason.CANISTER_NOT_IN_RANGES,
        "the delegation reveals neither /canister_ranges/" + sid + " nor /subnet/" + sid
            + "/canister_ranges");
  }

  /** Whether the CBOR {@code #6.55799([* [principal principal]])} ranges contain {@code id}. */
  private static boolean rangesContain(byte[] cbor, Principal id) {
    try {
      CborArray ranges = CborDecoder.DEFAULT.decode(cbor).asArray("canister_ranges");
      for (CborValue item : ranges.items()) {
        CborArray range = item.asArray("canister_range");
        if (range.size() != 2) {
          throw new InvalidCertificateException(
              Reason.MALFORMED, "a canister range has 2 principals, got " + range.size());
        }
        Principal start = Principal.fromBytes(range.get(0).asBytes("range start"));
        Principal end = Principal.fromBytes(range.get(1).asBytes("range end"));
        if (start.compareTo(id) <= 0 && id.compareTo(end) <= 0) {
          return true;
        }
      }
      return false;
    } catch (InvalidCertificateException e) {
      throw e;
    } catch (InvalidInputException e) {
      throw new InvalidCertificateException(
          Reason.MALFORMED, "the delegation's canister ranges are malformed: " + e.getMessage(), e);
    }
  }

  private static void checkSignature(Certificate certificate, BlsPublicKey key, String what) {
    byte[] message = BlsSignatureScheme.stateRootMessage(certificate.tree().digest());
    if (!BlsSignatureScheme.verify(key, message, certificate.signature())) {
      throw new InvalidCertificateException(
          Reason.BAD_SIGNATURE, "the " + what + "'s signature does not verify under " + key);
    }
  }

  /** The LEB128 nat at {@code /time}. */
  static long time(Certificate certificate) {
    LookupResult r = certificate.lookup(List.of(TIME));
    if (!(r instanceof LookupResult.Found f)) {
      throw new InvalidCertificateException(Reason.MISSING_TIME, "the certificate does not reveal /time");
    }
    byte[] v = f.value();
    if (v.length == 0 || v.length > MAX_TIME_BYTES || (v[v.length - 1] & 0x80) != 0) {
      throw new InvalidCertificateException(
          Reason.MALFORMED, "/time is not a LEB128 nat of at most " + MAX_TIME_BYTES + " bytes");
    }
    long value = 0;
    for (int i = 0; i < v.length; i++) {
      long bits = v[i] & 0x7fL;
      if (i == 9 && bits > 0) { // bit 63 and beyond: no time before the year 2262 needs them
        throw new InvalidCertificateException(Reason.MALFORMED, "/time does not fit 63 bits");
      }
      value |= bits << (7 * i);
    }
    return value;
  }

  private static Certificate decode(byte[] cbor, String what) {
    try {
      return Certificate.decode(cbor);
    } catch (InvalidInputException e) {
      throw new InvalidCertificateException(
          Reason.MALFORMED, "the " + what + " cannot be decoded: " + e.getMessage(), e);
    }
  }

  private static BlsPublicKey blsKey(byte[] der, String what) {
    PublicKey key;
    try {
      key = PublicKey.fromDer(der);
    } catch (InvalidInputException e) {
      throw new InvalidCertificateException(
          Reason.MISSING_SUBNET_KEY, what + " is not a valid DER public key: " + e.getMessage(), e);
    }
    if (!(key instanceof BlsPublicKey bls)) {
      throw new InvalidCertificateException(
          Reason.MISSING_SUBNET_KEY, what + " is a " + key.algorithm() + " key, not BLS12-381");
    }
    return bls;
  }

  /** A certificate that a client must not trust (spec "Certification", "Delegation"). */
  public static final class InvalidCertificateException extends InvalidInputException {
    public enum Reason {
      /** Not a certificate, or a delegation or value in it that cannot be decoded. */
      MALFORMED,
      /** The BLS signature (of the certificate or of its delegation) does not verify. */
      BAD_SIGNATURE,
      /** The delegation's certificate itself carries a delegation. */
      NESTED_DELEGATION,
      /** The delegation does not reveal the subnet's public key (or it is not a BLS key). */
      MISSING_SUBNET_KEY,
      /** The delegation does not reveal the subnet's canister ranges, or they miss the canister. */
      CANISTER_NOT_IN_RANGES,
      /** The delegation is for another subnet than the effective subnet id. */
      SUBNET_MISMATCH,
      /** The certificate does not reveal {@code /time}. */
      MISSING_TIME,
      /** {@code /time} is further from the verifier's clock than the allowed skew. */
      STALE_OR_FUTURE_TIME
    }

    private final Reason reason;

    public InvalidCertificateException(Reason reason, String message) {
      super(message);
      this.reason = reason;
    }

    public InvalidCertificateException(Reason reason, String message, Throwable cause) {
      super(message, cause);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }
}
