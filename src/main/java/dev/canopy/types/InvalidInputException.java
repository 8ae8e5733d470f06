package dev.canopy.types;

/** Input from outside the replica (network, files, command line) that is not acceptable. */
public class InvalidInputException extends CanopyException {
  public InvalidInputException(String message) {
    super(message);
  }

  public InvalidInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
