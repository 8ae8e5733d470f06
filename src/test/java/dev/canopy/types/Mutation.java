package dev.canopy.types;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * A small corruption of a valid encoding, for property tests of decoders: a bit flip, a
 * truncation, an inserted, deleted or overwritten byte. Positions are taken modulo the input
 * length, so one mutation applies to any input.
 */
public record Mutation(Kind kind, int position, byte value) {
  public enum Kind {
    FLIP_BIT,
    TRUNCATE,
    INSERT,
    DELETE,
    OVERWRITE
  }

  public static Arbitrary<Mutation> arbitrary() {
    return Combinators.combine(
            Arbitraries.of(Kind.class),
            Arbitraries.integers().between(0, 1 << 20),
            Arbitraries.bytes())
        .as(Mutation::new);
  }

  /** One to three mutations, applied in order. */
  public static Arbitrary<List<Mutation>> some() {
    return arbitrary().list().ofMinSize(1).ofMaxSize(3);
  }

  public static byte[] applyAll(byte[] input, List<Mutation> mutations) {
    byte[] out = input;
    for (Mutation m : mutations) {
      out = m.apply(out);
    }
    return out;
  }

  public byte[] apply(byte[] input) {
    int n = input.length;
    switch (kind) {
      case FLIP_BIT:
        {
          if (n == 0) {
            return new byte[] {value};
          }
          byte[] out = input.clone();
          out[position % n] ^= (byte) (1 << (position % 8));
          return out;
        }
      case TRUNCATE:
        return Arrays.copyOf(input, n == 0 ? 0 : position % n);
      case INSERT:
        {
          int at = position % (n + 1);
          byte[] out = new byte[n + 1];
          System.arraycopy(input, 0, out, 0, at);
          out[at] = value;
          System.arraycopy(input, at, out, at + 1, n - at);
          return out;
        }
      case DELETE:
        {
          if (n == 0) {
            return input;
          }
          int at = position % n;
          byte[] out = new byte[n - 1];
          System.arraycopy(input, 0, out, 0, at);
          System.arraycopy(input, at + 1, out, at, n - at - 1);
          return out;
        }
      default:
        {
          if (n == 0) {
            return new byte[] {value};
          }
          byte[] out = input.clone();
          out[position % n] = value;
          return out;
        }
    }
  }
}
