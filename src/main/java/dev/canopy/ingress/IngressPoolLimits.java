package dev.canopy.ingress;

/**
 * Bounds of an {@link IngressPool}.
 *
 * @param maxMessages most messages held at once
 * @param maxTotalBytes most envelope bytes held at once
 * @param maxIngressTtlNs a message is put in a block only while {@code blockTime <= expiry <=
 *     blockTime + maxIngressTtlNs}, as the reference replica's payload validation demands; a
 *     message accepted with up to 30 s of drift waits until the block time catches up
 */
public record IngressPoolLimits(int maxMessages, long maxTotalBytes, long maxIngressTtlNs) {
  public static final IngressPoolLimits DEFAULT =
      new IngressPoolLimits(10_000, 256L * 1024 * 1024, IngressExpiry.MAX_INGRESS_TTL_NS);

  public IngressPoolLimits {
    if (maxMessages < 1) {
      throw new IllegalArgumentException("maxMessages must be positive: " + maxMessages);
    }
    if (maxTotalBytes < EnvelopeLimits.INGRESS_MAX_BODY_SIZE_BYTES) {
      throw new IllegalArgumentException(
          "maxTotalBytes must hold at least one largest message ("
              + EnvelopeLimits.INGRESS_MAX_BODY_SIZE_BYTES + " bytes): " + maxTotalBytes);
    }
    if (maxIngressTtlNs < 0) {
      throw new IllegalArgumentException("maxIngressTtlNs must be non-negative: " + maxIngressTtlNs);
    }
  }
}
