package dev.canopy.ingress;

/**
 * Bounds {@link EnvelopeDecoder} enforces.
 *
 * @param maxBodySizeBytes the largest body accepted (HTTP 413 beyond it); 2 MiB for ingress, as
 *     the Internet Computer's application subnets allow ({@code max_ingress_bytes_per_message})
 * @param maxNonceBytes longest {@code nonce}; the spec fixes 32
 * @param maxPaths most {@code paths} of a read_state request; the spec fixes 1000
 * @param maxLabelsPerPath most labels of one path; the spec fixes 127
 * @param requireSelfDescribeTag whether the body must start with CBOR tag 55799. Note: the spec
 *     says requests carry it ("CBOR encoding of requests and responses") and every agent sends
 *     it, but the reference replica also accepts an untagged body, so the default is lenient.
 */
public record EnvelopeLimits(
    int maxBodySizeBytes,
    int maxNonceBytes,
    int maxPaths,
    int maxLabelsPerPath,
    boolean requireSelfDescribeTag) {
  public static final int INGRESS_MAX_BODY_SIZE_BYTES = 2 * 1024 * 1024;

  public static final EnvelopeLimits DEFAULT =
      new EnvelopeLimits(
          INGRESS_MAX_BODY_SIZE_BYTES,
          RequestContent.MAX_NONCE_BYTES,
          ReadStateContent.MAX_PATHS,
          ReadStateContent.MAX_LABELS_PER_PATH,
          false);

  public EnvelopeLimits {
    if (maxBodySizeBytes < 1 || maxNonceBytes < 0 || maxPaths < 0 || maxLabelsPerPath < 0) {
      throw new IllegalArgumentException(
          "limits must be non-negative (and the body size positive): " + maxBodySizeBytes + ", "
              + maxNonceBytes + ", " + maxPaths + ", " + maxLabelsPerPath);
    }
  }

  public EnvelopeLimits withMaxBodySizeBytes(int value) {
    return new EnvelopeLimits(value, maxNonceBytes, maxPaths, maxLabelsPerPath, requireSelfDescribeTag);
  }

  public EnvelopeLimits withRequireSelfDescribeTag(boolean value) {
    return new EnvelopeLimits(maxBodySizeBytes, maxNonceBytes, maxPaths, maxLabelsPerPath, value);
  }
}
