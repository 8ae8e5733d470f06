package dev.canopy.execution.management;

import dev.canopy.execution.management.ManagementTypes.Change;
import java.util.ArrayList;
import java.util.List;

/**
 * A canister's history (spec "IC method canister_info"): the most recent changes, at least 20 of
 * them, and the number of changes ever recorded. Immutable.
 */
public final class CanisterHistory {
  /** The spec guarantees that at least 20 changes remain. */
  public static final int MIN_RETAINED_CHANGES = 20;

  private final int maxRetainedChanges;
  private final long totalNumChanges;
  private final List<Change> changes;

  private CanisterHistory(int maxRetainedChanges, long totalNumChanges, List<Change> changes) {
    this.maxRetainedChanges = maxRetainedChanges;
    this.totalNumChanges = totalNumChanges;
    this.changes = List.copyOf(changes);
  }

  public static CanisterHistory empty() {
    return empty(MIN_RETAINED_CHANGES);
  }

  public static CanisterHistory empty(int maxRetainedChanges) {
    if (maxRetainedChanges < MIN_RETAINED_CHANGES) {
      throw new IllegalArgumentException("the spec keeps at least 20 changes");
    }
    return new CanisterHistory(maxRetainedChanges, 0, List.of());
  }

  /** This history with {@code change} appended, dropping the oldest beyond the limit. */
  public CanisterHistory with(Change change) {
    List<Change> next = new ArrayList<>(changes.size() + 1);
    int drop = Math.max(0, changes.size() + 1 - maxRetainedChanges);
    next.addAll(changes.subList(drop, changes.size()));
    next.add(change);
    return new CanisterHistory(maxRetainedChanges, totalNumChanges + 1, next);
  }

  public long totalNumChanges() {
    return totalNumChanges;
  }

  /** The retained changes, oldest first. */
  public List<Change> changes() {
    return changes;
  }

  /** The most recent {@code n} retained changes (all of them if fewer), oldest first. */
  public List<Change> recent(long n) {
    int k = (int) Math.min(Math.max(n, 0), changes.size());
    return changes.subList(changes.size() - k, changes.size());
  }

  /**
   * An estimate of the memory the history takes, for {@code memory_metrics}: the encoded size of
   * each change.
   */
  public long memoryBytes() {
    long total = 0;
    for (Change c : changes) {
      total += ManagementTypes.encodedSize(c);
    }
    return total;
  }
}
