/**
 * CBOR as the Internet Computer's interface uses it: the value model
 * ({@link dev.canopy.types.cbor.CborValue}), a strict bounded decoder and the canonical encoder
 * for signed and hashed data.
 */
package dev.canopy.types.cbor;
