package dev.canopy.types.hashtree;

import dev.canopy.types.Hex;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A label of the certified tree: an arbitrary blob, ordered by unsigned byte-lexicographic order
 * as the spec's well-formedness and lookup rules compare them ("Certification › Lookup").
 */
public final class Label implements Comparable<Label> {
  private final byte[] bytes;

  private Label(byte[] bytes) {
    this.bytes = bytes;
  }

  public static Label of(byte[] bytes) {
    return new Label(bytes.clone());
  }

  /** A label from text, UTF-8 encoded ({@code "time"}, {@code "canister"}, …). */
  public static Label of(String text) {
    return new Label(text.getBytes(StandardCharsets.UTF_8));
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  public int length() {
    return bytes.length;
  }

  byte[] rawBytes() {
    return bytes;
  }

  @Override
  public int compareTo(Label o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Label l && Arrays.equals(bytes, l.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Printable ASCII labels print as text, others as hex. */
  @Override
  public String toString() {
    for (byte b : bytes) {
      if (b < 0x20 || b > 0x7e) {
        return "0x" + Hex.encode(bytes);
      }
    }
    return new String(bytes, StandardCharsets.US_ASCII);
  }
}
