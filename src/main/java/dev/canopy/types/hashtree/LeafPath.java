package dev.canopy.types.hashtree;

import dev.canopy.types.Hex;
import java.util.Arrays;
import java.util.List;

/** A revealed value and the labels that lead to it. */
public record LeafPath(List<Label> path, byte[] value) {
  public LeafPath {
    path = List.copyOf(path);
    value = value.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LeafPath p && path.equals(p.path) && Arrays.equals(value, p.value);
  }

  @Override
  public int hashCode() {
    return path.hashCode() * 31 + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return path + " = " + Hex.encode(value);
  }
}
