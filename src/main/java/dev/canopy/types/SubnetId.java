package dev.canopy.types;

/** A subnet's id: a principal (on the IC, self-authenticating from the subnet's initial key). */
public record SubnetId(Principal principal) implements Comparable<SubnetId> {
  public SubnetId {
    if (principal == null) {
      throw new IllegalArgumentException("principal is null");
    }
  }

  public static SubnetId fromText(String text) {
    return new SubnetId(Principal.fromText(text));
  }

  public byte[] toBytes() {
    return principal.toBytes();
  }

  @Override
  public int compareTo(SubnetId o) {
    return principal.compareTo(o.principal);
  }

  @Override
  public String toString() {
    return principal.toText();
  }
}
