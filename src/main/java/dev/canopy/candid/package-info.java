/**
 * Candid, the Internet Computer's interface description language: the binary codec with the
 * spec's coercion rules ({@link dev.canopy.candid.CandidDecoder}, {@link
 * dev.canopy.candid.CandidEncoder}), textual values ({@link dev.canopy.candid.CandidText}, {@link
 * dev.canopy.candid.CandidPrinter}), service descriptions ({@link dev.canopy.candid.DidFile}) and
 * subtyping ({@link dev.canopy.candid.Subtyping}). {@link dev.canopy.candid.CandidArgs} is the
 * entry point for encoding and decoding argument tuples.
 */
package dev.canopy.candid;
