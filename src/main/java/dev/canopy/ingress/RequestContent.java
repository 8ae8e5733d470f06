package dev.canopy.ingress;

import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborMap;
import java.util.Optional;

/**
 * The {@code content} map of a request envelope, typed (spec "Authentication", {@code
 * requests.cddl}). {@link #fields()} keeps the map exactly as the client sent it, including fields
 * this version does not know, because the request id is the hash of all of them.
 *
 * <p>Two contents are equal when their fields are equal; everything else is derived from them.
 */
public sealed interface RequestContent permits CanisterRequestContent, ReadStateContent {
  /** Longest nonce the spec allows ("Authentication": "at most 32 bytes"). */
  int MAX_NONCE_BYTES = 32;

  RequestType requestType();

  /** {@code hash_of_map(content)}. */
  RequestId requestId();

  /** Every field as sent. */
  CborMap fields();

  Principal sender();

  /** {@code ingress_expiry} in nanoseconds since 1970, an unsigned 64-bit value. */
  long ingressExpiryNs();

  /** A copy of {@code nonce}, if present. */
  Optional<byte[]> nonce();
}
