package dev.canopy.types;

/**
 * Root of Canopy's short, unchecked exception hierarchy.
 *
 * <p>Expected failures of input from outside (a malformed principal, bad CBOR, a bad signature) are
 * {@link InvalidInputException}s and carry a reason a person can act on; anything else that throws
 * is a broken invariant and should crash the component loudly.
 */
public class CanopyException extends RuntimeException {
  public CanopyException(String message) {
    super(message);
  }

  public CanopyException(String message, Throwable cause) {
    super(message, cause);
  }
}
