package dev.canopy.types.hashtree;

import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A certificate ("Certification › Certificate", {@code certificates.cddl}):
 * {@code #6.55799({tree, signature, ? delegation})}. This is only the data; verifying the BLS
 * signature and the delegation chain belongs to the crypto layer.
 */
public record Certificate(HashTree tree, byte[] signature, Optional<Delegation> delegation) {
  public Certificate {
    Objects.requireNonNull(tree, "tree");
    Objects.requireNonNull(delegation, "delegation");
    signature = signature.clone();
  }

  /**
   * A subnet's delegation: the root subnet's certificate, as CBOR bytes, that reveals this subnet's
   * public key and canister ranges.
   */
  public record Delegation(SubnetId subnetId, byte[] certificate) {
    public Delegation {
      Objects.requireNonNull(subnetId, "subnetId");
      certificate = certificate.clone();
    }

    @Override
    public byte[] certificate() {
      return certificate.clone();
    }

    /** The delegating certificate, decoded (its own delegation, if any, is the verifier's concern). */
    public Certificate decodeCertificate() {
      return Certificate.decode(certificate);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Delegation d
          && subnetId.equals(d.subnetId)
          && Arrays.equals(certificate, d.certificate);
    }

    @Override
    public int hashCode() {
      return subnetId.hashCode() * 31 + Arrays.hashCode(certificate);
    }

    @Override
    public String toString() {
      return "Delegation(" + subnetId + ", " + certificate.length + " bytes)";
    }
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** Decodes a certificate with the default limits; the self-describe tag is optional. */
  public static Certificate decode(byte[] cbor) {
    return decode(cbor, CborDecoder.DEFAULT);
  }

  public static Certificate decode(byte[] cbor, CborDecoder decoder) {
    return fromCbor(decoder.decodeMap(cbor, "certificate"));
  }

  /** A certificate from its CBOR map; fields beyond the three known ones are ignored. */
  public static Certificate fromCbor(CborMap map) {
    HashTree tree = HashTree.fromCbor(map.require("tree"));
    byte[] signature = map.getBytes("signature");
    Optional<Delegation> delegation =
        map.findMap("delegation")
            .map(
                d ->
                    new Delegation(
                        new SubnetId(Principal.fromBytes(d.getBytes("subnet_id"))),
                        d.getBytes("certificate")));
    return new Certificate(tree, signature, delegation);
  }

  public CborMap toCbor() {
    CborMap.Builder b =
        CborMap.builder().put("tree", tree.toCbor()).put("signature", signature);
    delegation.ifPresent(
        d ->
            b.put(
                "delegation",
                CborMap.builder()
                    .put("subnet_id", d.subnetId().toBytes())
                    .put("certificate", d.certificate())
                    .build()));
    return b.build();
  }

  /** The canonical CBOR of this certificate with the self-describe tag, as agents receive it. */
  public byte[] encode() {
    return CborEncoder.encodeWithSelfDescribeTag(toCbor());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Certificate c
        && tree.equals(c.tree)
        && Arrays.equals(signature, c.signature)
        && delegation.equals(c.delegation);
  }

  @Override
  public int hashCode() {
    return (tree.hashCode() * 31 + Arrays.hashCode(signature)) * 31 + delegation.hashCode();
  }

  @Override
  public String toString() {
    return "Certificate(" + tree + ", signature " + Hex.encode(signature) + ", " + delegation + ")";
  }
}
