package dev.canopy.agent;

import dev.canopy.types.CanopyException;
import java.net.URI;

/**
 * The node could not be reached, or answered with an HTTP error instead of the interface's
 * response. The message says what happened and what to do next.
 */
public final class AgentTransportException extends CanopyException {
  public enum Reason {
    /** Nothing listens at the URL (connection refused or unknown host). */
    NO_NODE,
    /** The node did not answer within the agent's timeout. */
    TIMEOUT,
    /** 4xx: the node refused the request; the body explains why. */
    CLIENT_ERROR,
    /** 5xx: the node failed; usually transient. */
    SERVER_ERROR,
    /** Any other I/O failure of the connection. */
    IO
  }

  private final Reason reason;
  private final URI uri;
  private final int httpStatus;

  public AgentTransportException(Reason reason, URI uri, int httpStatus, String message) {
    super(message);
    this.reason = reason;
    this.uri = uri;
    this.httpStatus = httpStatus;
  }

  public AgentTransportException(Reason reason, URI uri, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.uri = uri;
    this.httpStatus = 0;
  }

  public Reason reason() {
    return reason;
  }

  public URI uri() {
    return uri;
  }

  /** The HTTP status for {@link Reason#CLIENT_ERROR} and {@link Reason#SERVER_ERROR}, else 0. */
  public int httpStatus() {
    return httpStatus;
  }
}
