package dev.canopy.types.hashtree;

import dev.canopy.types.Hex;
import java.util.Arrays;

/** The result of the spec's {@code lookup_path} ("Certification › Lookup"). */
public sealed interface LookupResult
    permits LookupResult.Found, LookupResult.Absent, LookupResult.Unknown, LookupResult.Error {
  Absent ABSENT = new Absent();
  Unknown UNKNOWN = new Unknown();
  Error ERROR = new Error();

  /** The path has the value {@code value}. */
  record Found(byte[] value) implements LookupResult {
    public Found {
      value = value.clone();
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Found f && Arrays.equals(value, f.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Found(" + Hex.encode(value) + ")";
    }
  }

  /** The tree proves the path is not there. */
  record Absent() implements LookupResult {}

  /** Pruning hides whether the path is there. */
  record Unknown() implements LookupResult {}

  /** The path is in the tree but leads to a subtree, not a value. */
  record Error() implements LookupResult {}
}
