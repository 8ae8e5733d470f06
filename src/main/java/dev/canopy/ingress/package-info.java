/**
 * Ingress: from request bytes to a validated, typed request, and the pool of accepted calls.
 *
 * <ul>
 *   <li>{@link dev.canopy.ingress.EnvelopeDecoder} decodes a body into an {@link
 *       dev.canopy.ingress.Envelope} of {@link dev.canopy.ingress.CallContent}, {@link
 *       dev.canopy.ingress.QueryContent} or {@link dev.canopy.ingress.ReadStateContent};
 *   <li>{@link dev.canopy.ingress.IngressValidator} checks expiry, authentication and the effective
 *       canister id, given the node's time;
 *   <li>{@link dev.canopy.ingress.IngressPool} holds accepted calls until a finalized block
 *       includes them.
 * </ul>
 *
 * <p>Failures the client must fix are {@link dev.canopy.ingress.IngressRejection}s carrying the
 * HTTP status to answer; refusals the spec calls rejections are {@link
 * dev.canopy.ingress.NonReplicatedRejection}s. Plain Java: no Pekko, no clock, no I/O.
 */
package dev.canopy.ingress;
