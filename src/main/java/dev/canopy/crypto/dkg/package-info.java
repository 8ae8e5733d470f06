/**
 * Distributed key generation for a subnet's threshold-BLS key: the replicas create the key among
 * themselves, and no process ever holds the whole secret.
 *
 * <ul>
 *   <li>{@link dev.canopy.crypto.dkg.DkgConfig} fixes a run (instance id, threshold, dealers by
 *       node key, receivers by {@link dev.canopy.crypto.dkg.DkgEncryptionPublicKey});
 *   <li>{@link dev.canopy.crypto.dkg.Dkg} deals, verifies dealings, checks one's own share,
 *       verifies complaints and builds the {@link dev.canopy.crypto.dkg.DkgTranscript};
 *   <li>{@link dev.canopy.crypto.dkg.DkgDealing} and {@link dev.canopy.crypto.dkg.DkgComplaint}
 *       are the artifacts consensus carries, in canonical CBOR;
 *   <li>{@link dev.canopy.crypto.dkg.ThresholdKeyMaterial} is a replica's result: its key share
 *       for {@link dev.canopy.crypto.ThresholdBls} and every public key, the group key in DER as
 *       {@code /api/v2/status} serves it.
 * </ul>
 *
 * <p>Plain Java, deterministic given the caller's random sources, free of I/O. A subnet of several
 * replicas runs it through consensus ({@code dev.canopy.consensus.KeyGeneration}).
 */
package dev.canopy.crypto.dkg;
