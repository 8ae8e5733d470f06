package dev.canopy.ingress;

import dev.canopy.types.Principal;
import java.util.Objects;

/**
 * A closed range {@code [start, end]} of canister ids, ordered as the routing table orders them
 * (unsigned byte-lexicographic), as in a subnet's {@code canister_ranges}.
 */
public record CanisterIdRange(Principal start, Principal end) {
  public CanisterIdRange {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (start.compareTo(end) > 0) {
      throw new IllegalArgumentException("range start " + start + " is after its end " + end);
    }
  }

  public boolean contains(Principal p) {
    return start.compareTo(p) <= 0 && p.compareTo(end) <= 0;
  }

  @Override
  public String toString() {
    return "[" + start + ", " + end + "]";
  }
}
