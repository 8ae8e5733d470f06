package dev.canopy.crypto;

import dev.canopy.types.Hashing;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.hashtree.HashTree;
import dev.canopy.types.hashtree.Label;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a canister signature carries (spec "Canister signatures"): CBOR {@code #6.55799({certificate:
 * blob, tree: hash-tree})}, a certificate of the signing canister's certified data and the tree
 * whose root hash that certified data is. The canister signs a payload for a seed by putting the
 * path {@code sig/SHA-256(seed)/SHA-256(payload)} with an empty leaf into that tree. This is only
 * the data; {@link CanisterSignatureVerifier} judges it.
 *
 * <p>Note: the self-describe tag is required, as the spec says and the Internet Computer's
 * verifier insists.
 */
public record CanisterSignature(byte[] certificate, HashTree tree) {
  /**
   * A certificate of one canister's certified data and a witness into the canister's signature
   * tree take a few KiB (Internet Identity's, with a subnet delegation, about 3 KiB).
   */
  public static final int MAX_ENCODED_BYTES = 64 * 1024;
  /** Forks nest about twice log2 of the number of live signatures deep; far below this. */
  public static final int MAX_TREE_DEPTH = 128;

  private static final byte[] SELF_DESCRIBE_TAG = {(byte) 0xd9, (byte) 0xd9, (byte) 0xf7};
  private static final Label SIG = Label.of("sig");
  private static final CborDecoder DECODER =
      CborDecoder.builder()
          .limits(new CborLimits(MAX_ENCODED_BYTES, MAX_TREE_DEPTH + 2, MAX_ENCODED_BYTES))
          .build();

  public CanisterSignature {
    certificate = Objects.requireNonNull(certificate, "certificate").clone();
    Objects.requireNonNull(tree, "tree");
  }

  /** The path that signs {@code payload} for the key with {@code seed}: {@code sig/H(seed)/H(payload)}. */
  public static List<Label> signaturePath(byte[] seed, byte[] payload) {
    return List.of(SIG, Label.of(Hashing.sha256(seed)), Label.of(Hashing.sha256(payload)));
  }

  /**
   * Decodes a canister signature; one that is not the tagged CBOR map above with a well-formed
   * tree, or exceeds the bounds of this class, is an {@link InvalidSignatureException} (MALFORMED).
   */
  public static CanisterSignature decode(byte[] cbor) {
    if (cbor.length < SELF_DESCRIBE_TAG.length
        || !Arrays.equals(cbor, 0, SELF_DESCRIBE_TAG.length, SELF_DESCRIBE_TAG, 0, SELF_DESCRIBE_TAG.length)) {
      throw malformed("a canister signature is CBOR that starts with the self-describe tag 55799"
          + " (d9 d9 f7)", null);
    }
    try {
      CborMap map = DECODER.decodeMap(cbor, "canister signature");
      byte[] certificate = map.getBytes("certificate");
      HashTree tree = HashTree.fromCbor(map.require("tree"), MAX_TREE_DEPTH);
      return new CanisterSignature(certificate, tree);
    } catch (InvalidInputException e) {
      throw malformed("a canister signature is CBOR {certificate: blob, tree: hash-tree} with a"
          + " well-formed tree: " + e.getMessage(), e);
    }
  }

  private static InvalidSignatureException malformed(String message, Throwable cause) {
    return new InvalidSignatureException(InvalidSignatureException.Reason.MALFORMED, message, cause);
  }

  /** The spec's encoding, with the self-describe tag. */
  public byte[] encode() {
    return CborEncoder.encodeWithSelfDescribeTag(
        CborMap.builder().put("certificate", certificate).put("tree", tree.toCbor()).build());
  }

  @Override
  public byte[] certificate() {
    return certificate.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CanisterSignature c
        && Arrays.equals(certificate, c.certificate)
        && tree.equals(c.tree);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(certificate) + tree.hashCode();
  }

  @Override
  public String toString() {
    return "CanisterSignature[certificate " + certificate.length + " bytes, " + tree + "]";
  }
}
