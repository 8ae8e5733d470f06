package dev.canopy.consensus;

import dev.canopy.types.NodeId;
import java.util.Arrays;

/** One node's Ed25519 signature, as a share carries it and a notarization or finalization collects it. */
public record NodeSignature(NodeId signer, byte[] signature) {
  public NodeSignature {
    if (signer == null || signature == null) {
      throw new IllegalArgumentException("signer and signature are required");
    }
    signature = signature.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeSignature s && signer.equals(s.signer) && Arrays.equals(signature, s.signature);
  }

  @Override
  public int hashCode() {
    return signer.hashCode() * 31 + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "NodeSignature[" + signer + "]";
  }
}
