package dev.canopy.crypto.dkg;

import dev.canopy.types.Hex;
import java.util.Arrays;
import supranational.blst.P1_Affine;

/**
 * A receiver's DKG encryption key: {@code D = g1^d}, a compressed G1 point of 48 bytes, valid by
 * construction (in the prime-order subgroup, not the identity). Separate from the node's signing
 * key; the registry publishes it beside the node key.
 */
public final class DkgEncryptionPublicKey {
  public static final int BYTES = Group.G1_BYTES;

  private final byte[] compressed;
  private final P1_Affine point;

  private DkgEncryptionPublicKey(byte[] compressed, P1_Affine point) {
    this.compressed = compressed;
    this.point = point;
  }

  /** The key from its 48 bytes; anything but a valid subgroup point is a {@link DkgException}. */
  public static DkgEncryptionPublicKey fromBytes(byte[] bytes) {
    byte[] copy = bytes.clone();
    return new DkgEncryptionPublicKey(copy, Group.decodeG1(copy, "a DKG encryption key"));
  }

  static DkgEncryptionPublicKey fromPoint(P1_Affine point) {
    return new DkgEncryptionPublicKey(point.compress(), point);
  }

  public byte[] toBytes() {
    return compressed.clone();
  }

  P1_Affine point() {
    return point;
  }

  byte[] raw() {
    return compressed;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DkgEncryptionPublicKey k && Arrays.equals(compressed, k.compressed);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(compressed);
  }

  @Override
  public String toString() {
    return "DkgEncryptionPublicKey[" + Hex.encode(compressed) + "]";
  }
}
