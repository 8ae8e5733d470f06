package dev.canopy.state;

import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.hashtree.Label;
import java.util.Arrays;

/**
 * A request id: the 32-byte SHA-256 {@code hash_of_map} of a call's content (spec "Request ids").
 * Ordered as the state tree orders labels (unsigned byte-lexicographic).
 */
public final class RequestId implements Comparable<RequestId> {
  public static final int LENGTH_BYTES = 32;
  private final byte[] bytes;

  private RequestId(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The id from its 32 bytes; any other length is an {@link InvalidInputException}. */
  public static RequestId fromBytes(byte[] bytes) {
    if (bytes.length != LENGTH_BYTES) {
      throw new InvalidInputException(
          "a request id has " + LENGTH_BYTES + " bytes, got " + bytes.length);
    }
    return new RequestId(bytes.clone());
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  public Label toLabel() {
    return Label.of(bytes);
  }

  @Override
  public int compareTo(RequestId o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RequestId r && Arrays.equals(bytes, r.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return Hex.encode(bytes);
  }
}
