package dev.canopy.ingress;

import dev.canopy.types.Principal;
import java.util.Optional;

/** The content of a request to a canister method: a call or a query. */
public sealed interface CanisterRequestContent extends RequestContent
    permits CallContent, QueryContent {
  Principal canisterId();

  String methodName();

  /** A copy of {@code arg}. */
  byte[] arg();

  int argSizeBytes();

  Optional<SenderInfo> senderInfo();
}
