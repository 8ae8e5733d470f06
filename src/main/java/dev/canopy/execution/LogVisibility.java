package dev.canopy.execution;

import dev.canopy.types.Principal;
import java.util.List;

/** Who may read a canister's logs (or status, or snapshots): {@code log_visibility} in ic.did. */
public sealed interface LogVisibility {
  LogVisibility CONTROLLERS = new Controllers();
  LogVisibility PUBLIC = new Public();

  record Controllers() implements LogVisibility {}

  record Public() implements LogVisibility {}

  /** The controllers and these principals (at most {@link #MAX_VIEWERS}). */
  record AllowedViewers(List<Principal> viewers) implements LogVisibility {
    public static final int MAX_VIEWERS = 10;

    public AllowedViewers {
      viewers = List.copyOf(viewers);
      if (viewers.size() > MAX_VIEWERS) {
        throw new IllegalArgumentException("at most " + MAX_VIEWERS + " allowed viewers");
      }
    }
  }

  /** Whether {@code p} may read, given the canister's controllers. */
  default boolean allows(Principal p, List<Principal> controllers) {
    if (this instanceof Public) {
      return true;
    }
    if (controllers.contains(p)) {
      return true;
    }
    return this instanceof AllowedViewers a && a.viewers().contains(p);
  }
}
