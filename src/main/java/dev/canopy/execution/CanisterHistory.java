package dev.canopy.execution;

import java.util.ArrayList;
import java.util.List;

/**
 * The most recent changes of a canister and how many there were in total (spec "IC method
 * canister_info": at least the 20 most recent are kept). Immutable.
 */
public record CanisterHistory(List<CanisterChange> recentChanges, long totalChanges) {
  public static final int MAX_KEPT_CHANGES = 20;
  public static final CanisterHistory EMPTY = new CanisterHistory(List.of(), 0);

  public CanisterHistory {
    recentChanges = List.copyOf(recentChanges);
    if (recentChanges.size() > MAX_KEPT_CHANGES || totalChanges < recentChanges.size()) {
      throw new IllegalArgumentException("inconsistent canister history");
    }
  }

  public CanisterHistory add(CanisterChange change) {
    List<CanisterChange> l = new ArrayList<>(recentChanges);
    l.add(change);
    while (l.size() > MAX_KEPT_CHANGES) {
      l.remove(0);
    }
    return new CanisterHistory(l, totalChanges + 1);
  }
}
