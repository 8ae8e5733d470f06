package dev.canopy.ingress;

/**
 * The outcome of validating a call or query that is well-formed and authentic: accepted, or
 * rejected by the system with reject semantics (answered 200, not 4xx). Malformed or
 * unauthenticated requests never get a verdict; they raise an {@link IngressRejection}.
 *
 * @param <C> the kind of content
 */
public sealed interface IngressVerdict<C extends RequestContent> {
  record Accepted<C extends RequestContent>(ValidatedRequest<C> request) implements IngressVerdict<C> {}

  record Rejected<C extends RequestContent>(NonReplicatedRejection rejection) implements IngressVerdict<C> {}
}
