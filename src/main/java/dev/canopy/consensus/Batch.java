package dev.canopy.consensus;

import java.util.Arrays;
import java.util.List;

/**
 * What a finalized block hands to message routing: batch {@code height} (delivered once, in
 * height order), the block's time, its ingress messages and randomness from the beacon of its
 * round; in the key generation's bootstrap interval, the block's dealings and complaints instead
 * of messages, which the state keeps so that a restarted replica knows what the chain holds.
 */
public record Batch(long height, Hash blockHash, long timeMs, byte[] randomness, List<IngressMessage> messages,
    DkgPayload keyGeneration) {
  public Batch {
    messages = List.copyOf(messages);
    randomness = randomness.clone();
    if (keyGeneration == null) {
      throw new IllegalArgumentException("the key generation payload is required (DkgPayload.EMPTY for none)");
    }
  }

  public Batch(long height, Hash blockHash, long timeMs, byte[] randomness, List<IngressMessage> messages) {
    this(height, blockHash, timeMs, randomness, messages, DkgPayload.EMPTY);
  }

  @Override
  public byte[] randomness() {
    return randomness.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Batch b
        && height == b.height
        && blockHash.equals(b.blockHash)
        && timeMs == b.timeMs
        && Arrays.equals(randomness, b.randomness)
        && messages.equals(b.messages)
        && keyGeneration.equals(b.keyGeneration);
  }

  @Override
  public int hashCode() {
    return blockHash.hashCode();
  }

  @Override
  public String toString() {
    return "Batch[h=" + height + " " + blockHash.shortHex() + " " + messages.size() + " messages]";
  }
}
