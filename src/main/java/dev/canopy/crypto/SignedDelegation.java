package dev.canopy.crypto;

import java.util.Arrays;
import java.util.Objects;

/** One element of {@code sender_delegation}: a delegation and the previous key's signature on it. */
public record SignedDelegation(Delegation delegation, byte[] signature) {
  public SignedDelegation {
    Objects.requireNonNull(delegation, "delegation");
    signature = Objects.requireNonNull(signature, "signature").clone();
  }

  /** Signs {@code delegation} with {@code signer}, the key being delegated from. */
  public static SignedDelegation sign(Delegation delegation, SigningKey signer) {
    return new SignedDelegation(delegation, signer.sign(delegation.signedBytes()));
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedDelegation s
        && delegation.equals(s.delegation)
        && Arrays.equals(signature, s.signature);
  }

  @Override
  public int hashCode() {
    return 31 * delegation.hashCode() + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "SignedDelegation[" + delegation + ", signature=" + dev.canopy.types.Hex.encode(signature) + "]";
  }
}
