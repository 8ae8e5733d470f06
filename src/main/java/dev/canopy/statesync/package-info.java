/**
 * State sync: how a replica that is behind its subnet by more than its peers retain fetches the
 * replicated state of a checkpoint from them, in chunks, and trusts none of their bytes until they
 * match what the subnet signed in a {@link dev.canopy.consensus.CatchUpPackage catch-up package}.
 *
 * <p>A checkpoint's canonical bytes ({@code StateCodec}) are cut into chunks of {@link
 * dev.canopy.statesync.StateSyncManifest#CHUNK_BYTES}; the {@link
 * dev.canopy.statesync.StateSyncManifest manifest} lists each chunk's hash, and the catch-up package
 * signs the manifest's hash. So a fetched manifest is checked against the package, and each chunk
 * against the manifest as it arrives: a peer serving a corrupt chunk is found out at once and the
 * chunk is fetched from another ({@link dev.canopy.statesync.StateSync}).
 *
 * <p>Plain Java without Pekko: the planner takes the time as an argument and names peers by an
 * opaque key, so the node's catch-up actor drives it and the tests run it deterministically.
 */
package dev.canopy.statesync;
