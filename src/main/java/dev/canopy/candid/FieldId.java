package dev.canopy.candid;

import java.nio.charset.StandardCharsets;

/** Field ids of records and variants (spec "Shorthand: Symbolic Field Ids"). */
public final class FieldId {
  private FieldId() {}

  /** {@code hash(id) = (Sum utf8(id)[i] * 223^(k-i)) mod 2^32}, as an unsigned 32-bit value. */
  public static long hash(String name) {
    int h = 0;
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h = h * 223 + (b & 0xff);
    }
    return h & 0xFFFF_FFFFL;
  }
}
