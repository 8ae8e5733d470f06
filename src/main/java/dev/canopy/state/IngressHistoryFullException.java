package dev.canopy.state;

import dev.canopy.types.CanopyException;

/**
 * The request status history is at its bound and cannot take another call before older ones
 * expire; ingress should refuse new calls for now (the spec's "high load"), not crash.
 */
public final class IngressHistoryFullException extends CanopyException {
  public IngressHistoryFullException(String message) {
    super(message);
  }
}
