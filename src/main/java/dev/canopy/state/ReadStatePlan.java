package dev.canopy.state;

import dev.canopy.types.hashtree.Label;
import java.util.List;

/**
 * What a permitted read_state request's certificate reveals: the requested paths plus {@code
 * /time}, except the excluded subtrees, which stay pruned.
 */
public record ReadStatePlan(List<List<Label>> paths, List<List<Label>> excludedPaths) {
  public ReadStatePlan {
    paths = paths.stream().map(List::copyOf).toList();
    excludedPaths = excludedPaths.stream().map(List::copyOf).toList();
  }
}
