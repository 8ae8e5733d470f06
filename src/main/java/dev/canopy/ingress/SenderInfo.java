package dev.canopy.ingress;

import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import java.util.Arrays;
import java.util.Objects;

/**
 * The optional {@code sender_info} of a call or query: information about the sender that a
 * signing canister vouches for with a canister signature under {@code "\x0Eic-sender-info"}.
 */
public record SenderInfo(byte[] info, Principal signer, byte[] sig) {
  public SenderInfo {
    info = Objects.requireNonNull(info, "info").clone();
    Objects.requireNonNull(signer, "signer");
    sig = Objects.requireNonNull(sig, "sig").clone();
  }

  @Override
  public byte[] info() {
    return info.clone();
  }

  @Override
  public byte[] sig() {
    return sig.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SenderInfo s
        && Arrays.equals(info, s.info)
        && signer.equals(s.signer)
        && Arrays.equals(sig, s.sig);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(info), signer, Arrays.hashCode(sig));
  }

  @Override
  public String toString() {
    return "SenderInfo[info=" + Hex.encode(info) + ", signer=" + signer + ", sig=" + sig.length + " bytes]";
  }
}
