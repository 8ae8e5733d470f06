package dev.canopy.agent;

import dev.canopy.types.InvalidInputException;

/** An identity that cannot be created, found, imported or read; the message says what to do. */
public final class IdentityException extends InvalidInputException {
  public IdentityException(String message) {
    super(message);
  }

  public IdentityException(String message, Throwable cause) {
    super(message, cause);
  }
}
