package dev.canopy.types;

import java.util.List;
import java.util.Objects;

/**
 * A closed interval {@code [start, end]} of canister ids in the principals' unsigned
 * byte-lexicographic order, as in a subnet's {@code canister_ranges} and the routing table (spec
 * "Subnet information": {@code canister_range = [principal principal]}).
 */
public record CanisterIdRange(CanisterId start, CanisterId end) {
  public CanisterIdRange {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (start.compareTo(end) > 0) {
      throw new IllegalArgumentException("range start " + start + " is after its end " + end);
    }
  }

  public boolean contains(Principal id) {
    return start.principal().compareTo(id) <= 0 && id.compareTo(end.principal()) <= 0;
  }

  public boolean contains(CanisterId id) {
    return contains(id.principal());
  }

  /** Checks that {@code ranges} are sorted and disjoint, as the state tree requires. */
  public static List<CanisterIdRange> checkSortedDisjoint(List<CanisterIdRange> ranges) {
    for (int i = 1; i < ranges.size(); i++) {
      if (ranges.get(i - 1).end().compareTo(ranges.get(i).start()) >= 0) {
        throw new IllegalArgumentException(
            "canister ranges must be sorted and disjoint: " + ranges.get(i - 1) + " then "
                + ranges.get(i));
      }
    }
    return List.copyOf(ranges);
  }

  /** Whether any of the sorted, disjoint {@code ranges} contains {@code id} (binary search). */
  public static boolean anyContains(List<CanisterIdRange> ranges, Principal id) {
    int lo = 0;
    int hi = ranges.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      CanisterIdRange r = ranges.get(mid);
      if (id.compareTo(r.start().principal()) < 0) {
        hi = mid - 1;
      } else if (id.compareTo(r.end().principal()) > 0) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "[" + start + ", " + end + "]";
  }
}
