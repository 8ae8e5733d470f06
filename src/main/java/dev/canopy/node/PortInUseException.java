package dev.canopy.node;

/** A port the node must listen on is taken by another process. */
public final class PortInUseException extends NodeStartupException {
  private final int port;

  public PortInUseException(
      String what, String host, int port, String howToChoose, Throwable cause) {
    super(
        what
            + " cannot listen on "
            + host
            + ":"
            + port
            + " because the port is already in use; stop the process that uses it, or pick another"
            + " port with "
            + howToChoose,
        cause);
    this.port = port;
  }

  public int port() {
    return port;
  }
}
