package dev.canopy.ingress;

import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.hashtree.Label;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The content of a {@code request_type: "read_state"} request (spec "Request: Read state"). Only
 * the shape of {@link #paths()} is checked here; which paths a sender may read is decided where
 * the state tree is.
 */
public record ReadStateContent(
    RequestId requestId,
    CborMap fields,
    Principal sender,
    long ingressExpiryNs,
    Optional<byte[]> nonce,
    List<List<Label>> paths)
    implements RequestContent {
  /** Spec "Request: Read state": "a list of at most 1000 paths". */
  public static final int MAX_PATHS = 1000;
  /** Spec "Request: Read state": "a path is itself a sequence of at most 127 blobs". */
  public static final int MAX_LABELS_PER_PATH = 127;

  public ReadStateContent {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(fields, "fields");
    Objects.requireNonNull(sender, "sender");
    nonce = Objects.requireNonNull(nonce, "nonce").map(byte[]::clone);
    paths = paths.stream().map(List::copyOf).toList();
  }

  @Override
  public RequestType requestType() {
    return RequestType.READ_STATE;
  }

  @Override
  public Optional<byte[]> nonce() {
    return nonce.map(byte[]::clone);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadStateContent c && fields.equals(c.fields);
  }

  @Override
  public int hashCode() {
    return requestId.hashCode();
  }

  @Override
  public String toString() {
    return "ReadStateContent[" + requestId + ": " + sender + ", " + paths.size() + " paths]";
  }
}
