/**
 * A client for the Internet Computer's public HTTP interface (spec "HTTPS Interface"): signed
 * envelopes in canonical CBOR, update calls (v4, v3, v2 with polling), queries with node-signature
 * checks, certified {@code read_state}, and identities kept on disk as dfx keeps them.
 *
 * <p>It talks to a node only over HTTP, so it works against any replica that speaks the interface.
 */
package dev.canopy.agent;
