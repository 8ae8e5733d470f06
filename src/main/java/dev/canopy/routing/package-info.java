/**
 * Routing: turns a finalized consensus batch into an execution round's batch. Consensus orders
 * opaque messages; {@link dev.canopy.routing.IngressPayload} fixes what those bytes are (a call
 * envelope and its effective id) and {@link dev.canopy.routing.BatchRouting} decodes them, in block
 * order, deterministically. Plain Java: no Pekko, no clock, no I/O.
 */
package dev.canopy.routing;
