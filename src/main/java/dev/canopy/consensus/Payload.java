package dev.canopy.consensus;

import java.util.List;

/**
 * A block's payload: the ingress messages it orders, in the order execution will induct them, and,
 * in a block of the key generation's bootstrap interval, dealings and complaints instead.
 */
public record Payload(List<IngressMessage> messages, DkgPayload keyGeneration) {
  public static final Payload EMPTY = new Payload(List.of());

  public Payload {
    messages = List.copyOf(messages);
    if (keyGeneration == null) {
      throw new IllegalArgumentException("the key generation payload is required (DkgPayload.EMPTY for none)");
    }
  }

  /** Ingress messages only. */
  public Payload(List<IngressMessage> messages) {
    this(messages, DkgPayload.EMPTY);
  }

  /** The ingress messages' bytes (what {@code maxBlockPayloadBytes} bounds). */
  public int sizeBytes() {
    int total = 0;
    for (IngressMessage m : messages) {
      total += m.sizeBytes();
    }
    return total;
  }
}
