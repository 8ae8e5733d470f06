/**
 * Signatures and keys (spec "Signatures", "Authentication", "Certification").
 *
 * <ul>
 *   <li>{@link dev.canopy.crypto.PublicKey#fromDer} parses DER public keys (Ed25519, ECDSA P-256
 *       and secp256k1, the IC's BLS12-381 key) and verifies with them;
 *   <li>{@link dev.canopy.crypto.SigningKey} generates, signs, and reads/writes dfx's PEM files;
 *   <li>{@link dev.canopy.crypto.UserPublicKey#fromDer} parses the keys that may sign requests
 *       and delegations (plain, WebAuthn, canister signature) and {@link
 *       dev.canopy.crypto.UserSignatureVerifier} verifies their signatures, dispatching by key type;
 *   <li>{@link dev.canopy.crypto.RequestAuthentication} and {@link dev.canopy.crypto.DelegationChain}
 *       check a request's sender, delegations and signature;
 *   <li>{@link dev.canopy.crypto.BlsSignatureScheme} and {@link dev.canopy.crypto.ThresholdBls}
 *       are the min-sig BLS of certification and its threshold variant.
 * </ul>
 *
 * <p>Plain Java, free of I/O and of hidden randomness: key generation and share dealing take the
 * caller's random source, and time is passed in.
 */
package dev.canopy.crypto;
