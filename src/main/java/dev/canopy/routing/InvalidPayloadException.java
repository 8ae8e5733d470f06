package dev.canopy.routing;

import dev.canopy.types.InvalidInputException;

/** A consensus message or persisted batch whose bytes are not what this layer writes. */
public final class InvalidPayloadException extends InvalidInputException {
  public InvalidPayloadException(String message) {
    super(message);
  }

  public InvalidPayloadException(String message, Throwable cause) {
    super(message, cause);
  }
}
