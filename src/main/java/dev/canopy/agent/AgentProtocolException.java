package dev.canopy.agent;

import dev.canopy.types.InvalidInputException;

/**
 * The node answered, but not as the interface requires, or with something the agent must not
 * trust: a malformed body, a certificate that does not verify, a query response without a valid
 * node signature, or a request status that never settles.
 */
public final class AgentProtocolException extends InvalidInputException {
  public AgentProtocolException(String message) {
    super(message);
  }

  public AgentProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
