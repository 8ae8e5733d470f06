package dev.canopy.consensus;

import java.util.List;

/**
 * Everything one consensus step decided; the pool's owner applies it (STYLE.md "Decide purely,
 * apply in one place").
 *
 * @param toAdd artifacts this replica made, straight into the validated section
 * @param toValidate ids of unvalidated artifacts found valid
 * @param toReject unvalidated artifacts found invalid or useless, with why
 * @param purgeBelowHeight drop everything below this height (no change if not above the current)
 * @param toSend artifacts to send to the other replicas
 * @param toDeliver finalized batches, in increasing height order, starting at the next expected
 */
public record PoolChanges(
    List<Artifact> toAdd,
    List<Hash> toValidate,
    List<Rejection> toReject,
    long purgeBelowHeight,
    List<Artifact> toSend,
    List<Batch> toDeliver) {

  /** An unvalidated artifact dropped by the validator or purger. */
  public record Rejection(Hash artifactId, String reason) {}

  public PoolChanges {
    toAdd = List.copyOf(toAdd);
    toValidate = List.copyOf(toValidate);
    toReject = List.copyOf(toReject);
    toSend = List.copyOf(toSend);
    toDeliver = List.copyOf(toDeliver);
  }

  /** Whether applying this changes the pool or the outside world (a purge alone counts only if it rises). */
  public boolean isEmpty(long currentPurgeBelowHeight) {
    return toAdd.isEmpty() && toValidate.isEmpty() && toReject.isEmpty() && toSend.isEmpty() && toDeliver.isEmpty()
        && purgeBelowHeight <= currentPurgeBelowHeight;
  }
}
