package dev.canopy.node;

import dev.canopy.types.InvalidInputException;

/**
 * The node cannot start because of something its operator controls: the configuration, the data
 * directory, a key file's permissions, a port in use. The message says what is wrong and how to fix
 * it; the command line prints it without a stack trace.
 */
public class NodeStartupException extends InvalidInputException {
  public NodeStartupException(String message) {
    super(message);
  }

  public NodeStartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
