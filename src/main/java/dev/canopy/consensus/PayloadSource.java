package dev.canopy.consensus;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where block makers get payloads and validators check them; the ingress pool implements it.
 * Consensus itself checks the limits and that no message repeats one of the block's ancestors.
 */
public interface PayloadSource {
  /**
   * Messages for a new block of {@code height}, within the limits, none of whose ids {@code
   * inChain} holds (the messages of the blocks the new one extends).
   */
  Payload selectPayload(long height, long blockTimeMs, Predicate<Hash> inChain, int maxMessages, int maxBytes);

  /**
   * Why another replica's payload is unacceptable (a message id that does not match its content,
   * an expired or malformed message), or empty if it is acceptable.
   */
  Optional<String> invalidity(Payload payload, long blockTimeMs);

  /**
   * Whether this replica can judge a payload with messages now; while it cannot (its own checks of
   * calls need keys it does not have yet), another replica's block with messages waits instead of
   * being refused.
   */
  default boolean readyToValidateMessages() {
    return true;
  }

  /**
   * Whether messages wait here that a block might carry (some may already be in the chain the
   * block extends). A block maker with busy rounds asks this before it assembles a payload early;
   * when in doubt, say true.
   */
  default boolean hasPendingMessages() {
    return true;
  }
}
