package dev.canopy.ingress;

import dev.canopy.crypto.SignedDelegation;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A decoded request envelope (spec "Authentication"): the content and the optional sender key,
 * signature and delegation chain, plus the body's bytes as received, which the ingress pool keeps
 * for gossip and for block payloads (other replicas validate the signature themselves).
 *
 * @param <C> the kind of content
 */
public record Envelope<C extends RequestContent>(
    C content,
    Optional<byte[]> senderPubkey,
    Optional<byte[]> senderSig,
    Optional<List<SignedDelegation>> senderDelegation,
    byte[] encoded) {
  public Envelope {
    Objects.requireNonNull(content, "content");
    senderPubkey = Objects.requireNonNull(senderPubkey, "senderPubkey").map(byte[]::clone);
    senderSig = Objects.requireNonNull(senderSig, "senderSig").map(byte[]::clone);
    senderDelegation = Objects.requireNonNull(senderDelegation, "senderDelegation").map(List::copyOf);
    encoded = Objects.requireNonNull(encoded, "encoded").clone();
  }

  @Override
  public Optional<byte[]> senderPubkey() {
    return senderPubkey.map(byte[]::clone);
  }

  @Override
  public Optional<byte[]> senderSig() {
    return senderSig.map(byte[]::clone);
  }

  /** A copy of the body as received. */
  @Override
  public byte[] encoded() {
    return encoded.clone();
  }

  public int encodedSizeBytes() {
    return encoded.length;
  }

  /** Two envelopes are equal when they are the same bytes. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Envelope<?> e && java.util.Arrays.equals(encoded, e.encoded);
  }

  @Override
  public int hashCode() {
    return content.hashCode();
  }

  @Override
  public String toString() {
    return "Envelope[" + content + (senderPubkey.isPresent() ? ", signed" : ", anonymous")
        + senderDelegation.map(d -> ", " + d.size() + " delegations").orElse("") + "]";
  }
}
