package dev.canopy.types;

import java.util.HexFormat;

/** Lower-case hexadecimal, for logs, tests and the command line. */
public final class Hex {
  private static final HexFormat HEX = HexFormat.of();

  private Hex() {}

  public static String encode(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  /** Parses hexadecimal; the input comes from people, so errors are {@link InvalidInputException}. */
  public static byte[] decode(String hex) {
    try {
      return HEX.parseHex(hex);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("not hexadecimal: " + e.getMessage(), e);
    }
  }
}
