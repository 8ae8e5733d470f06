package dev.canopy.consensus;

import java.util.List;

/** A block's payload: the ingress messages it orders, in the order execution will induct them. */
public record Payload(List<IngressMessage> messages) {
  public static final Payload EMPTY = new Payload(List.of());

  public Payload {
    messages = List.copyOf(messages);
  }

  public int sizeBytes() {
    int total = 0;
    for (IngressMessage m : messages) {
      total += m.sizeBytes();
    }
    return total;
  }
}
