/**
 * Consensus: the pure decision core of Internet Computer Consensus (Camenisch et al., PODC 2022,
 * arXiv 2109.05419) for one subnet.
 *
 * <p>Per round h, the random beacon of h (a threshold-BLS signature over the beacon of h − 1,
 * {@code f + 1} of n shares) ranks the nodes as block makers; the rank-r maker proposes a block
 * extending a notarized block of h − 1 after {@code r · unitDelayMs}; notaries support the
 * lowest-ranked valid blocks they have after the notary delay; {@code n − f} notarization shares
 * notarize a block and end the round; a replica that supported no other block of h then sends a
 * finalization share, and {@code n − f} of those finalize the block and its ancestors, which are
 * delivered as {@link dev.canopy.consensus.Batch batches} in height order. Safety holds with
 * {@code f < n/3} Byzantine replicas; liveness under partial synchrony. A subnet of one is the same
 * code with n = 1.
 *
 * <p>Entry points: {@link dev.canopy.consensus.ConsensusStep#onStateChange} decides, purely, from an
 * {@link dev.canopy.consensus.ArtifactPool}; the owner (an actor, or the test simulation) feeds
 * arrivals with {@link dev.canopy.consensus.ArtifactPool#receive}, applies the
 * {@link dev.canopy.consensus.PoolChanges}, sends, and hands batches to message routing. Artifacts
 * travel and persist as canonical CBOR ({@link dev.canopy.consensus.Artifact#toBytes},
 * {@link dev.canopy.consensus.ArtifactCodec#decode}).
 *
 * <p>A subnet of several replicas creates its beacon and certification keys itself: {@link
 * dev.canopy.consensus.KeyGeneration} (dealings and complaints on the chain of a bootstrap interval,
 * with a hash-chain beacon until the keys exist), {@link dev.canopy.consensus.KeyGenerationRecord}
 * (what the finalized chain holds, and when it closes), {@link dev.canopy.consensus.SubnetKeys}
 * (one replica's result).
 *
 * <p>A {@link dev.canopy.consensus.CatchUpPackage} lets a replica further behind than its peers
 * retain resume at a checkpoint height: the subnet signs that height's block, beacon and state
 * hash, and the pool starts anew from the block and beacon (the node's catch-up actor fetches the
 * state, package {@code statesync}).
 *
 * <p>Not here yet: resharing and key rotation, and a random tape. Certification lives in the
 * {@code state} package.
 */
package dev.canopy.consensus;
