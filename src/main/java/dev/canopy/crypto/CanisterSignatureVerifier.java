package dev.canopy.crypto;

import dev.canopy.crypto.CertificateVerifier.InvalidCertificateException;
import dev.canopy.crypto.CertificateVerifier.Scope;
import dev.canopy.crypto.CertificateVerifier.VerifiedCertificate;
import dev.canopy.crypto.InvalidSignatureException.Reason;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.hashtree.Certificate;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import dev.canopy.types.hashtree.LookupResult;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Verifies canister signatures (spec "Canister signatures") against a root key. A signature by
 * the key of canister {@code c} and seed {@code s} on a payload {@code m} is valid iff
 *
 * <ul>
 *   <li>its certificate is valid under the root key ({@code verify_cert}), and if it carries a
 *       subnet delegation, {@code c} lies in the delegated subnet's canister ranges and the
 *       delegation reveals the subnet's type, which is not {@code cloud_engine};
 *   <li>the certificate reveals {@code /canister/<c>/certified_data} and it equals the root hash
 *       ({@code reconstruct}) of the signature's tree;
 *   <li>the tree is well formed and {@code lookup_path(["sig", H(s), H(m)], tree) = Found ""}.
 * </ul>
 *
 * <p>Note: the certificate's {@code /time} is not checked against any clock. The spec's rule for
 * canister signatures has no freshness condition (and the Internet Computer's verifier has none:
 * its published test vector carries a 2022 certificate); how long a signature counts is the
 * signing canister's choice, expressed by the expiration of the delegation it signs, which the
 * delegation chain checks, or by the request's own expiry.
 *
 * <p>Note: on Canopy the root key is the replica's own (its subnet is the root subnet), so a
 * certificate that this subnet issued, without a delegation, verifies; the delegation case is the
 * spec's for certificates of other subnets.
 */
public final class CanisterSignatureVerifier {
  private static final Label CANISTER = Label.of("canister");
  private static final Label CERTIFIED_DATA = Label.of("certified_data");
  private static final Label SUBNET = Label.of("subnet");
  private static final Label TYPE = Label.of("type");
  static final String CLOUD_ENGINE = "cloud_engine";

  private final CertificateVerifier certificates;

  public CanisterSignatureVerifier(CertificateVerifier certificates) {
    this.certificates = Objects.requireNonNull(certificates, "certificates");
  }

  /** A verifier trusting {@code rootKeyDer}, a DER BLS12-381 key. */
  public static CanisterSignatureVerifier forRootKey(byte[] rootKeyDer) {
    return new CanisterSignatureVerifier(CertificateVerifier.forRootKey(rootKeyDer));
  }

  /** Throws an {@link InvalidSignatureException} unless {@code signatureCbor} signs {@code payload}. */
  public void verify(CanisterSignaturePublicKey key, byte[] payload, byte[] signatureCbor) {
    CanisterSignature signature = CanisterSignature.decode(signatureCbor);
    Certificate certificate;
    try {
      certificate = Certificate.decode(signature.certificate());
    } catch (InvalidInputException e) {
      throw new InvalidSignatureException(Reason.MALFORMED,
          "the canister signature's certificate cannot be decoded: " + e.getMessage(), e);
    }
    VerifiedCertificate verified;
    try {
      verified = certificates.verifyIgnoringTime(certificate, Scope.canister(key.signingCanister()));
    } catch (InvalidCertificateException | InvalidPublicKeyException e) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "the canister signature's certificate is not valid under the root key: " + e.getMessage(), e);
    }
    if (verified.delegatedSubnet().isPresent()) {
      checkSubnetType(certificate.delegation().orElseThrow());
    }
    String canister = key.signingCanister().toText();
    LookupResult certified = certificate.lookup(
        List.of(CANISTER, Label.of(key.signingCanister().toBytes()), CERTIFIED_DATA));
    if (!(certified instanceof LookupResult.Found found)) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "the canister signature's certificate does not reveal /canister/" + canister
              + "/certified_data (it is " + describe(certified) + "); the certificate must be one of the signing"
              + " canister's certified data");
    }
    HashTree tree = signature.tree();
    byte[] root = tree.digest();
    if (!Arrays.equals(found.value(), root)) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "canister " + canister + " certified 0x" + Hex.encode(found.value())
              + ", but the signature's tree hashes to 0x" + Hex.encode(root)
              + ": the tree is not the one the canister certified");
    }
    List<Label> path = CanisterSignature.signaturePath(key.seed(), payload);
    LookupResult leaf = tree.lookup(path);
    if (!(leaf instanceof LookupResult.Found f) || f.value().length != 0) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "the signature's tree does not hold an empty leaf at sig/" + Hex.encode(path.get(1).toBytes())
              + "/" + Hex.encode(path.get(2).toBytes()) + " (it is " + describe(leaf) + "): canister " + canister
              + " did not sign this payload for this key's seed");
    }
  }

  private static String describe(LookupResult r) {
    if (r instanceof LookupResult.Found f) {
      return f.value().length == 0 ? "an empty value" : "the value 0x" + Hex.encode(f.value());
    }
    if (r instanceof LookupResult.Absent) {
      return "absent";
    }
    if (r instanceof LookupResult.Unknown) {
      return "pruned away";
    }
    return "a subtree, not a value";
  }

  /** Spec: with a delegation, the subnet's type must be revealed and must not be cloud_engine. */
  private static void checkSubnetType(Certificate.Delegation delegation) {
    Certificate inner;
    try {
      inner = delegation.decodeCertificate();
    } catch (InvalidInputException e) {
      throw new InvalidSignatureException(Reason.MALFORMED,
          "the certificate's delegation cannot be decoded: " + e.getMessage(), e);
    }
    LookupResult type = inner.lookup(List.of(SUBNET, Label.of(delegation.subnetId().toBytes()), TYPE));
    if (!(type instanceof LookupResult.Found found)) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "the canister signature's certificate is delegated to subnet " + delegation.subnetId()
              + ", but the delegation does not reveal /subnet/" + delegation.subnetId()
              + "/type, which canister signatures require");
    }
    if (new String(found.value(), StandardCharsets.UTF_8).equals(CLOUD_ENGINE)) {
      throw new InvalidSignatureException(Reason.DOES_NOT_VERIFY,
          "the canister signature's certificate comes from subnet " + delegation.subnetId()
              + " of type cloud_engine, whose canister signatures are not accepted");
    }
  }
}
