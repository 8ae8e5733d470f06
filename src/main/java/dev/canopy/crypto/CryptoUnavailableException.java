package dev.canopy.crypto;

import dev.canopy.types.CanopyException;

/** A cryptographic backend cannot run on this machine (e.g. blst's native library did not load). */
public final class CryptoUnavailableException extends CanopyException {
  public CryptoUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
