package dev.canopy.consensus;

import dev.canopy.types.InvalidInputException;

/** Bytes that do not decode to a well-formed consensus artifact (wrong kind, field or size). */
public final class InvalidArtifactException extends InvalidInputException {
  public InvalidArtifactException(String message) {
    super(message);
  }

  public InvalidArtifactException(String message, Throwable cause) {
    super(message, cause);
  }
}
