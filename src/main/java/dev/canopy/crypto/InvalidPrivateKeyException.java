package dev.canopy.crypto;

import dev.canopy.types.InvalidInputException;

/**
 * A private key (or PEM file) that cannot be used. The message never contains key material: it
 * names the structure that is wrong, not its bytes.
 */
public final class InvalidPrivateKeyException extends InvalidInputException {
  public InvalidPrivateKeyException(String message) {
    super(message);
  }
}
