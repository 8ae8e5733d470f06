package dev.canopy.node;

/**
 * Marker for internal actor messages, events and snapshots that Pekko serializes with Jackson-CBOR
 * (bound in conf/application.conf). Note: nothing that is signed or hashed may rely on it; those
 * use the canonical encoder in {@code dev.canopy.types.cbor} (ARCHITECTURE.md §3).
 */
public interface CborSerializable {}
