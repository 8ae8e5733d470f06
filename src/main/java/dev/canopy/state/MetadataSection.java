package dev.canopy.state;

import java.util.Arrays;
import java.util.Objects;

/**
 * A custom section {@code icp:public <name>} or {@code icp:private <name>} of a canister's module,
 * shown at {@code /canister/<cid>/metadata/<name>} (spec "Canister information").
 */
public record MetadataSection(Visibility visibility, byte[] content) {
  public enum Visibility {
    PUBLIC,
    /** Readable through read_state only by a controller. */
    PRIVATE
  }

  public MetadataSection {
    Objects.requireNonNull(visibility, "visibility");
    content = content.clone();
  }

  public static MetadataSection publicSection(byte[] content) {
    return new MetadataSection(Visibility.PUBLIC, content);
  }

  public static MetadataSection privateSection(byte[] content) {
    return new MetadataSection(Visibility.PRIVATE, content);
  }

  @Override
  public byte[] content() {
    return content.clone();
  }

  byte[] rawContent() {
    return content;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MetadataSection m
        && visibility == m.visibility
        && Arrays.equals(content, m.content);
  }

  @Override
  public int hashCode() {
    return visibility.hashCode() * 31 + Arrays.hashCode(content);
  }

  @Override
  public String toString() {
    return "MetadataSection(" + visibility + ", " + content.length + " bytes)";
  }
}
