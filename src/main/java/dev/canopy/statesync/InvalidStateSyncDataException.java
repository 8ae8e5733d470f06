package dev.canopy.statesync;

import dev.canopy.types.InvalidInputException;

/** A manifest or chunk from a peer that is malformed, beyond the limits, or not what was signed. */
public final class InvalidStateSyncDataException extends InvalidInputException {
  public InvalidStateSyncDataException(String message) {
    super(message);
  }

  public InvalidStateSyncDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
