package dev.canopy.node;

/** A configuration value is missing or invalid; the message names the key. */
public final class NodeConfigException extends NodeStartupException {
  private final String key;

  public NodeConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  NodeConfigException(String key, String message, Throwable cause) {
    super(message, cause);
    this.key = key;
  }

  /** The configuration path at fault, e.g. {@code canopy.node.http.port}. */
  public String key() {
    return key;
  }
}
