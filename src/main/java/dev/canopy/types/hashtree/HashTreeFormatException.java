package dev.canopy.types.hashtree;

import dev.canopy.types.InvalidInputException;

/**
 * A hash tree or certificate whose CBOR is well-formed but whose structure is not a well-formed
 * hash tree ({@code certificates.cddl}; spec "Certification › Lookup", {@code well_formed}).
 */
public final class HashTreeFormatException extends InvalidInputException {
  public enum Reason {
    /** A node is not an array starting with a node tag 0-4 of the right arity. */
    MALFORMED_NODE,
    /** A label, leaf value or pruned hash is not a byte string. */
    NOT_BYTES,
    /** A pruned node's hash is not exactly 32 bytes. */
    PRUNED_HASH_LENGTH,
    /** Labels in a flattened fork forest are not strictly increasing. */
    LABELS_NOT_INCREASING,
    /** A leaf stands inside a fork (leaves may not be mixed with labeled nodes). */
    LEAF_IN_FORK,
    /** Nodes nest deeper than the limit. */
    TOO_DEEP
  }

  private final Reason reason;

  public HashTreeFormatException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
