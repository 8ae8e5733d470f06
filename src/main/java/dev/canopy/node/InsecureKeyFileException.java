package dev.canopy.node;

/** A key file or the key directory is open to other users, so the key may have leaked. */
public final class InsecureKeyFileException extends NodeStartupException {
  public InsecureKeyFileException(String message) {
    super(message);
  }
}
