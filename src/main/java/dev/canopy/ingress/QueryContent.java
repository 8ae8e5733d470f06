package dev.canopy.ingress;

import java.util.Objects;

/**
 * The content of a {@code request_type: "query"} request (spec "Request: Query call").
 * Built by {@link EnvelopeDecoder}, which checks every field; {@link #fields()} is what was sent.
 * Two are equal when their fields are equal.
 */
public record QueryContent(CanisterRequest request) implements CanisterRequestContent {
  public QueryContent {
    Objects.requireNonNull(request, "request");
  }

  @Override
  public RequestType requestType() {
    return RequestType.QUERY;
  }

  @Override
  public String toString() {
    return request.describe("QueryContent");
  }
}
