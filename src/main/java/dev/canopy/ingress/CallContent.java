package dev.canopy.ingress;

import java.util.Objects;

/**
 * The content of a {@code request_type: "call"} request (spec "Request: Call").
 * Built by {@link EnvelopeDecoder}, which checks every field; {@link #fields()} is what was sent.
 * Two are equal when their fields are equal.
 */
public record CallContent(CanisterRequest request) implements CanisterRequestContent {
  public CallContent {
    Objects.requireNonNull(request, "request");
  }

  @Override
  public RequestType requestType() {
    return RequestType.CALL;
  }

  @Override
  public String toString() {
    return request.describe("CallContent");
  }
}
