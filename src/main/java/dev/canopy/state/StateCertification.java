package dev.canopy.state;

import dev.canopy.types.Hex;
import java.util.Arrays;

/**
 * The subnet's signature of one height's state: the threshold BLS signature over {@code
 * "\x0Dic-state-root" · rootHash} (spec "Certification › Certificate").
 */
public record StateCertification(long height, byte[] rootHash, byte[] signature) {
  public StateCertification {
    if (height < 0) {
      throw new IllegalArgumentException("height cannot be negative: " + height);
    }
    if (rootHash.length != 32) {
      throw new IllegalArgumentException("a root hash has 32 bytes, got " + rootHash.length);
    }
    rootHash = rootHash.clone();
    signature = signature.clone();
  }

  @Override
  public byte[] rootHash() {
    return rootHash.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StateCertification c
        && height == c.height
        && Arrays.equals(rootHash, c.rootHash)
        && Arrays.equals(signature, c.signature);
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(height) * 31 + Arrays.hashCode(rootHash)) * 31 + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "StateCertification(height " + height + ", root " + Hex.encode(rootHash) + ")";
  }
}
