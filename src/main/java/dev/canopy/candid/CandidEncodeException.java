package dev.canopy.candid;

import dev.canopy.types.InvalidInputException;

/** A value that does not fit the type it is to be encoded at; the message names the path. */
public final class CandidEncodeException extends InvalidInputException {
  public CandidEncodeException(String message) {
    super(message);
  }
}
