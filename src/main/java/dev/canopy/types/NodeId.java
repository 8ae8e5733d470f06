package dev.canopy.types;

/** A replica node's id: the self-authenticating principal of its node signing key. */
public record NodeId(Principal principal) implements Comparable<NodeId> {
  public NodeId {
    if (principal == null) {
      throw new IllegalArgumentException("principal is null");
    }
  }

  public static NodeId fromText(String text) {
    return new NodeId(Principal.fromText(text));
  }

  public byte[] toBytes() {
    return principal.toBytes();
  }

  @Override
  public int compareTo(NodeId o) {
    return principal.compareTo(o.principal);
  }

  @Override
  public String toString() {
    return principal.toText();
  }
}
