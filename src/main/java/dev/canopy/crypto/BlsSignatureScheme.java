package dev.canopy.crypto;

import dev.canopy.types.Hashing;
import supranational.blst.BLST_ERROR;
import supranational.blst.P1;
import supranational.blst.P1_Affine;

/**
 * BLS12-381 in the min-signature-size variant the IC uses for certification (spec
 * "Certification"; draft-irtf-cfrg-bls-signature-04): 48-byte compressed G1 signatures, 96-byte
 * compressed G2 public keys, hash-to-G1 with {@link #DST}. Backed by blst.
 */
public final class BlsSignatureScheme {
  public static final String DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";
  public static final int SIGNATURE_BYTES = 48;
  public static final int PUBLIC_KEY_BYTES = 96;
  /** {@code "\x0Dic-state-root"}: the domain separator of a certificate's signed message. */
  public static final byte[] STATE_ROOT_DOMAIN = Hashing.domainSeparator("ic-state-root");

  private BlsSignatureScheme() {}

  /** The signature of {@code message}: {@code sk · H(message)} in G1, compressed. */
  public static byte[] sign(BlsSecretKey key, byte[] message) {
    return signPoint(key, message).compress();
  }

  static P1 signPoint(BlsSecretKey key, byte[] message) {
    BlsNative.ensureLoaded();
    return new P1().hash_to(message, DST).sign_with(key.blstKey());
  }

  /** Whether {@code signature} is {@code key}'s signature of {@code message}; never throws for bad input. */
  public static boolean verify(BlsPublicKey key, byte[] message, byte[] signature) {
    P1_Affine point = tryDecodeSignature(signature);
    return point != null
        && point.core_verify(key.affine(), true, message, DST) == BLST_ERROR.BLST_SUCCESS;
  }

  /** The message a subnet signs for a state root: {@code "\x0Dic-state-root" · rootHash}. */
  public static byte[] stateRootMessage(byte[] rootHash) {
    if (rootHash.length != 32) {
      throw new IllegalArgumentException("a root hash has 32 bytes, got " + rootHash.length);
    }
    return Bytes.concat(STATE_ROOT_DOMAIN, rootHash);
  }

  /**
   * Decodes a compressed G1 signature and checks it is in the prime-order subgroup and not the
   * identity; explains what is wrong otherwise.
   */
  static P1_Affine decodeSignature(byte[] signature) {
    BlsNative.ensureLoaded();
    if (signature.length != SIGNATURE_BYTES) {
      throw malformed("a BLS signature has " + SIGNATURE_BYTES + " bytes, got " + signature.length);
    }
    if ((signature[0] & 0x80) == 0) {
      throw malformed("a BLS signature must be a compressed G1 point (first bit set)");
    }
    P1_Affine point;
    try {
      point = new P1_Affine(signature);
    } catch (RuntimeException e) { // blst reports "BLST_ERROR: bad point encoding" and the like
      throw malformed("the BLS signature is not a point of G1 (" + e.getMessage() + ")");
    }
    if (point.is_inf()) {
      throw malformed("the BLS signature is the point at infinity");
    }
    if (!point.in_group()) {
      throw malformed("the BLS signature is not in the prime-order subgroup of G1");
    }
    return point;
  }

  static P1_Affine tryDecodeSignature(byte[] signature) {
    try {
      return decodeSignature(signature);
    } catch (InvalidSignatureException e) {
      return null;
    }
  }

  private static InvalidSignatureException malformed(String message) {
    return new InvalidSignatureException(InvalidSignatureException.Reason.MALFORMED, message);
  }
}
