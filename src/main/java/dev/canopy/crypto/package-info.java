/**
 * Signatures and keys: Ed25519 and ECDSA (P-256, secp256k1) with BouncyCastle, BLS12-381 min-sig
 * and threshold BLS with blst, DER public keys, private-key PEM files, delegation chains and
 * request signatures (spec "Signatures", "Authentication").
 *
 * <p>Plain Java, free of I/O and of hidden randomness: key generation and share dealing take the
 * caller's random source, and time is passed in.
 */
package dev.canopy.crypto;
