package dev.canopy.consensus;

import java.util.Optional;
import java.util.Set;

/**
 * Where block makers get payloads and validators check them; the ingress pool implements it.
 * Consensus itself checks the limits and that no message repeats one of the block's ancestors.
 */
public interface PayloadSource {
  /**
   * Messages for a new block of {@code height}, within the limits, none of them in {@code
   * excludedMessageIds} (the messages of the blocks the new one extends).
   */
  Payload selectPayload(long height, long blockTimeMs, Set<Hash> excludedMessageIds, int maxMessages, int maxBytes);

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
}
