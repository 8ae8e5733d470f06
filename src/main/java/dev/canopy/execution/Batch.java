package dev.canopy.execution;

import java.util.List;

/**
 * What a finalized block gives execution: its height, the batch time, the random beacon's
 * randomness and the ingress messages in block order.
 */
public record Batch(long height, long timeNs, byte[] randomness, List<IngressMessage> ingress) {
  public static final int RANDOMNESS_BYTES = 32;

  public Batch {
    if (randomness.length != RANDOMNESS_BYTES) {
      throw new IllegalArgumentException("a batch has " + RANDOMNESS_BYTES + " random bytes");
    }
    randomness = randomness.clone();
    ingress = List.copyOf(ingress);
  }

  @Override
  public byte[] randomness() {
    return randomness.clone();
  }
}
