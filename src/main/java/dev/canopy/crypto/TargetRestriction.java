package dev.canopy.crypto;

import dev.canopy.types.Principal;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/** Which canisters a (delegated) request may be sent to. */
public sealed interface TargetRestriction {
  /** No delegation restricted the targets. */
  record AllCanisters() implements TargetRestriction {
    @Override
    public boolean permits(Principal canister) {
      return true;
    }
  }

  /** Only these canisters: the intersection of every delegation's targets (possibly empty). */
  record OnlyCanisters(SortedSet<Principal> canisters) implements TargetRestriction {
    public OnlyCanisters {
      canisters = Collections.unmodifiableSortedSet(new TreeSet<>(canisters));
    }

    @Override
    public boolean permits(Principal canister) {
      return canisters.contains(canister);
    }
  }

  TargetRestriction ALL = new AllCanisters();

  boolean permits(Principal canister);

  /** This restriction narrowed by one more delegation's {@code targets}. */
  default TargetRestriction intersect(Collection<Principal> targets) {
    TreeSet<Principal> next = new TreeSet<>(targets);
    if (this instanceof OnlyCanisters only) {
      next.retainAll(only.canisters());
    }
    return new OnlyCanisters(next);
  }
}
