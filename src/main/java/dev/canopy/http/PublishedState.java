package dev.canopy.http;

import dev.canopy.execution.ReplicatedState;
import dev.canopy.state.CertifiedState;
import java.util.Objects;

/**
 * The latest height as the HTTP interface sees it: the replicated state after that height (for
 * queries and call pre-checks) and its certified tree with the subnet's signature (for
 * certificates). Both belong to the same height.
 */
public record PublishedState(ReplicatedState state, CertifiedState certified) {
  public PublishedState {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(certified, "certified");
    if (state.height() != certified.height()) {
      throw new IllegalArgumentException(
          "state of height " + state.height() + " with a certification of height "
              + certified.height());
    }
  }

  public long height() {
    return state.height();
  }
}
