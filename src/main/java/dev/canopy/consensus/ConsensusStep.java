package dev.canopy.consensus;

import dev.canopy.consensus.Artifact.BlockProposal;
import dev.canopy.consensus.Artifact.Finalization;
import dev.canopy.consensus.Artifact.FinalizationShare;
import dev.canopy.consensus.Artifact.Notarization;
import dev.canopy.consensus.Artifact.NotarizationShare;
import dev.canopy.consensus.Artifact.RandomBeacon;
import dev.canopy.consensus.Artifact.RandomBeaconShare;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.types.Hashing;
import dev.canopy.types.NodeId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The consensus decision function of one replica (IC consensus, arXiv 2109.05419; the components
 * of the IC's rs/consensus): validator, random beacon maker, block maker, notary, share
 * aggregator, finalizer, batch delivery and purger, all reading the same pool snapshot.
 *
 * <p>Pure: the same pool, time and next batch height give the same changes; it keeps no state of
 * its own. The owner applies the changes and calls again until they are empty (a component sees
 * its peers' decisions at the next call).
 *
 * <p>Note (safety): a replica sends a finalization share for block B of height h only if it
 * notarization-shared no block of h other than B, and only once h has a notarized block; the
 * notary only works at the height above the highest notarized one, so it never shares at h
 * afterwards. With quorum n − f, two quorums meet in an honest replica, so no two blocks of a
 * height can both be finalized, nor a block be finalized next to another notarized one.
 */
public final class ConsensusStep {
  private final SubnetConfig config;
  private final SubnetMembership membership;
  private final ConsensusParameters parameters;
  private final PayloadSource payloads;
  private final Validator validator;

  public ConsensusStep(SubnetConfig config, ConsensusParameters parameters, PayloadSource payloads, SignatureVerifier verifier) {
    this.config = config;
    this.membership = config.membership();
    this.parameters = parameters;
    this.payloads = payloads;
    this.validator = new Validator(membership, parameters, payloads, verifier);
  }

  public NodeId self() {
    return config.self();
  }

  /**
   * What to change after looking at {@code pool} at this replica's time {@code nowMs}, given that
   * message routing expects batch {@code nextBatchHeight} next.
   */
  public PoolChanges onStateChange(ArtifactPool pool, long nowMs, long nextBatchHeight) {
    List<Artifact> toAdd = new ArrayList<>();
    List<Hash> toValidate = new ArrayList<>();
    List<PoolChanges.Rejection> toReject = new ArrayList<>();
    validator.validate(pool, nowMs, nextBatchHeight, toValidate, toReject);
    makeBeaconShare(pool, toAdd);
    makeBlock(pool, nowMs, toAdd);
    notarize(pool, nowMs, toAdd);
    aggregate(pool, toAdd);
    finalize(pool, toAdd);
    List<Batch> toDeliver = deliver(pool, nextBatchHeight);
    long purgeBelow = Math.min(pool.finalizedHeight(), nextBatchHeight - 1) - parameters.retainHeights();
    // Everything this replica makes goes to its peers as well.
    return new PoolChanges(toAdd, toValidate, toReject, Math.max(purgeBelow, 0), toAdd, toDeliver);
  }

  // ---- random beacon maker ----

  /** Share the beacon of round h once round h − 1 has a notarized block, and not before. */
  private void makeBeaconShare(ArtifactPool pool, List<Artifact> out) {
    long h = pool.beaconHeight() + 1;
    if (pool.notarizedHeight() < h - 1 || pool.beaconShares(h).containsKey(self())) {
      return;
    }
    Hash parent = pool.beaconHash(h - 1).orElseThrow();
    ThresholdBls.SignatureShare share =
        ThresholdBls.signShare(config.beaconKeyShare(), RandomBeacon.signedMessage(h, parent));
    out.add(new RandomBeaconShare(h, parent, self(), share.signature()));
  }

  // ---- block maker ----

  private void makeBlock(ArtifactPool pool, long nowMs, List<Artifact> out) {
    long h = pool.notarizedHeight() + 1;
    if (h > pool.finalizedHeight() + parameters.maxNotarizationLagHeights()) {
      return;
    }
    Optional<Hash> beacon = pool.beaconHash(h);
    Optional<Long> roundStart = pool.roundStartMs(h);
    if (beacon.isEmpty() || roundStart.isEmpty()) {
      return;
    }
    int myRank = new BlockMakerRanking(beacon.get(), membership.size()).rankOf(config.selfIndex());
    for (BlockProposal p : pool.blocks(h)) {
      if (p.block().rank() < myRank || p.block().maker().equals(self())) {
        return; // a better block exists, or ours does
      }
    }
    if (nowMs < roundStart.get() + parameters.blockMakerDelayMs(myRank)) {
      return;
    }
    Block parent = pool.notarizedBlocks(h - 1).get(0).block();
    long timeMs = Math.max(nowMs, parent.timeMs());
    Set<Hash> excluded = ancestorMessageIds((height, hash) -> pool.block(height, hash).map(BlockProposal::block), h - 1, parent.hash());
    Payload payload =
        payloads.selectPayload(h, timeMs, excluded, parameters.maxBlockMessages(), parameters.maxBlockPayloadBytes());
    if (payload.messages().size() > parameters.maxBlockMessages()
        || payload.sizeBytes() > parameters.maxBlockPayloadBytes()) {
      throw new IllegalStateException("the payload source exceeded the block limits");
    }
    Block block = new Block(h, parent.hash(), myRank, self(), timeMs, payload);
    out.add(BlockProposal.sign(block, config.nodeKey()));
  }

  /** Finds a block by height and hash: in the pool, or among those a validation pass just accepted. */
  @FunctionalInterface
  interface BlockLookup {
    Optional<Block> find(long height, Hash hash);
  }

  /**
   * The ids of the messages in the block {@code blockHash} of {@code height} and its ancestors
   * still known, so a message is never ordered twice along a chain.
   */
  static Set<Hash> ancestorMessageIds(BlockLookup blocks, long height, Hash blockHash) {
    Set<Hash> ids = new HashSet<>();
    long h = height;
    Hash hash = blockHash;
    while (h > 0) {
      Optional<Block> b = blocks.find(h, hash);
      if (b.isEmpty()) {
        break;
      }
      for (IngressMessage m : b.get().payload().messages()) {
        ids.add(m.messageId());
      }
      hash = b.get().parentHash();
      h--;
    }
    return ids;
  }

  // ---- notary ----

  /** Support the lowest-ranked valid blocks of the current round once their rank's delay is over. */
  private void notarize(ArtifactPool pool, long nowMs, List<Artifact> out) {
    long h = pool.notarizedHeight() + 1;
    if (h > pool.finalizedHeight() + parameters.maxNotarizationLagHeights()) {
      return;
    }
    Optional<Long> roundStart = pool.roundStartMs(h);
    List<BlockProposal> blocks = pool.blocks(h);
    if (roundStart.isEmpty() || blocks.isEmpty()) {
      return;
    }
    int lowestRank = blocks.get(0).block().rank();
    if (nowMs < roundStart.get() + parameters.notaryDelayMs(lowestRank)) {
      return;
    }
    for (BlockProposal p : blocks) {
      if (p.block().rank() != lowestRank) {
        break;
      }
      Hash hash = p.block().hash();
      if (!pool.notarizationShares(h, hash).containsKey(self())) {
        out.add(NotarizationShare.sign(h, hash, self(), config.nodeKey()));
      }
    }
  }

  // ---- share aggregator ----

  private void aggregate(ArtifactPool pool, List<Artifact> out) {
    long nextBeacon = pool.beaconHeight() + 1;
    Map<NodeId, RandomBeaconShare> beaconShares = pool.beaconShares(nextBeacon);
    ThresholdBls.Parameters beaconParameters = membership.beaconParameters();
    if (beaconShares.size() >= beaconParameters.threshold()) {
      List<ThresholdBls.SignatureShare> shares = new ArrayList<>();
      for (RandomBeaconShare s : beaconShares.values()) {
        shares.add(new ThresholdBls.SignatureShare(membership.indexOf(s.signer()).getAsInt() + 1, s.share()));
      }
      Hash parent = pool.beaconHash(nextBeacon - 1).orElseThrow();
      out.add(new RandomBeacon(nextBeacon, parent, ThresholdBls.combineSignatures(beaconParameters, shares)));
    }
    for (long h = pool.finalizedHeight() + 1; h <= pool.maxHeight(); h++) {
      long height = h;
      for (Hash block : pool.notarizationShareBlocks(h)) {
        if (!pool.hasNotarization(h, block)) {
          quorumOf(pool.notarizationShares(h, block))
              .ifPresent(sigs -> out.add(new Notarization(height, block, sigs)));
        }
      }
      if (pool.finalization(h).isEmpty()) {
        for (Hash block : pool.finalizationShareBlocks(h)) {
          Optional<List<NodeSignature>> sigs = quorumOf(pool.finalizationShares(h, block));
          if (sigs.isPresent()) {
            out.add(new Finalization(h, block, sigs.get()));
            break;
          }
        }
      }
    }
  }

  /** The signatures of the first quorum-many signers (in node-id order), if there are enough. */
  private Optional<List<NodeSignature>> quorumOf(Map<NodeId, ? extends Artifact> shares) {
    if (shares.size() < membership.quorum()) {
      return Optional.empty();
    }
    List<NodeSignature> sigs = new ArrayList<>();
    for (Artifact a : new TreeMap<>(shares).values()) {
      sigs.add(a instanceof NotarizationShare n ? n.signature() : ((FinalizationShare) a).signature());
      if (sigs.size() == membership.quorum()) {
        break;
      }
    }
    return Optional.of(sigs);
  }

  // ---- finalizer ----

  private void finalize(ArtifactPool pool, List<Artifact> out) {
    for (long h = pool.finalizedHeight() + 1; h <= pool.notarizedHeight(); h++) {
      if (pool.hasFinalizationShareFrom(h, self())) {
        continue;
      }
      List<BlockProposal> notarized = pool.notarizedBlocks(h);
      if (notarized.isEmpty()) {
        continue;
      }
      List<Hash> supported = pool.blocksNotarizationSharedBy(h, self());
      Hash chosen;
      if (supported.isEmpty()) {
        chosen = notarized.get(0).block().hash();
      } else if (supported.size() == 1 && pool.hasNotarization(h, supported.get(0))) {
        chosen = supported.get(0);
      } else {
        continue; // we supported another block too (or only an unnotarized one): no finality from us
      }
      out.add(FinalizationShare.sign(h, chosen, self(), config.nodeKey()));
    }
  }

  // ---- batch delivery ----

  /**
   * Batches from {@code nextBatchHeight} up to the highest finalized block whose chain down to
   * there is complete in the pool (a finalized block finalizes its ancestors). A batch's
   * randomness comes from the beacon of the next round, which nobody knew when the block was made.
   */
  private List<Batch> deliver(ArtifactPool pool, long nextBatchHeight) {
    for (long top = pool.finalizedHeight(); top >= nextBatchHeight; top--) {
      Optional<Finalization> fin = pool.finalization(top);
      if (fin.isEmpty()) {
        continue;
      }
      Optional<List<Block>> chain = chainDownTo(pool, top, fin.get().blockHash(), nextBatchHeight);
      if (chain.isEmpty()) {
        continue;
      }
      List<Batch> batches = new ArrayList<>();
      for (Block b : chain.get()) {
        Optional<RandomBeacon> next = pool.beacon(b.height() + 1);
        if (next.isEmpty()) {
          break;
        }
        byte[] randomness = Hashing.sha256(Domains.BATCH_RANDOMNESS, next.get().toBytes());
        batches.add(new Batch(b.height(), b.hash(), b.timeMs(), randomness, b.payload().messages()));
      }
      return batches;
    }
    return List.of();
  }

  /** The blocks from height {@code bottom} up to the given one, ascending, if all are in the pool. */
  private static Optional<List<Block>> chainDownTo(ArtifactPool pool, long height, Hash hash, long bottom) {
    List<Block> chain = new ArrayList<>();
    long h = height;
    Hash at = hash;
    while (h >= bottom) {
      Optional<BlockProposal> p = pool.block(h, at);
      if (p.isEmpty()) {
        return Optional.empty();
      }
      chain.add(0, p.get().block());
      at = p.get().block().parentHash();
      h--;
    }
    return Optional.of(chain);
  }

  // ---- retransmission ----

  /** What this replica asks its peers for, periodically (see {@link RetransmissionRequest}). */
  public RetransmissionRequest retransmissionRequest(ArtifactPool pool, long nextBatchHeight) {
    return new RetransmissionRequest(self(), Math.min(pool.finalizedHeight(), nextBatchHeight - 1));
  }

  /**
   * What to resend to a peer that asked: lowest heights first, up to the limit. Below our
   * finalized height only the finalized chain (block, notarization, finalization, beacon); above
   * it every block, notarization, finalization and beacon, and our own shares.
   */
  public List<Artifact> retransmission(ArtifactPool pool, RetransmissionRequest request) {
    List<Artifact> out = new ArrayList<>();
    long from = Math.max(request.filterHeight() + 1, Math.max(1, pool.purgedBelowHeight()));
    Map<Long, Hash> finalizedChain = finalizedChain(pool, from);
    for (long h = from; h <= pool.maxHeight() && out.size() < parameters.maxRetransmitArtifacts(); h++) {
      if (h <= pool.finalizedHeight() && finalizedChain.containsKey(h)) {
        Hash block = finalizedChain.get(h);
        pool.beacon(h).ifPresent(out::add);
        pool.block(h, block).ifPresent(out::add);
        pool.notarization(h, block).ifPresent(out::add);
        pool.finalization(h).ifPresent(out::add);
        continue;
      }
      for (Artifact a : pool.validatedAt(h)) {
        if (isAggregateOrBlock(a) || isOwnShare(a)) {
          out.add(a);
        }
      }
    }
    return out.size() > parameters.maxRetransmitArtifacts()
        ? List.copyOf(out.subList(0, parameters.maxRetransmitArtifacts()))
        : out;
  }

  private boolean isAggregateOrBlock(Artifact a) {
    return a instanceof BlockProposal || a instanceof Notarization || a instanceof Finalization
        || a instanceof RandomBeacon;
  }

  private boolean isOwnShare(Artifact a) {
    NodeId me = self();
    return (a instanceof NotarizationShare n && n.signature().signer().equals(me))
        || (a instanceof FinalizationShare f && f.signature().signer().equals(me))
        || (a instanceof RandomBeaconShare b && b.signer().equals(me));
  }

  /** Height → hash of the finalized chain from the highest finalized block with a known block down to {@code bottom}. */
  private static Map<Long, Hash> finalizedChain(ArtifactPool pool, long bottom) {
    Map<Long, Hash> chain = new TreeMap<>();
    for (long top = pool.finalizedHeight(); top >= bottom; top--) {
      Optional<Finalization> fin = pool.finalization(top);
      if (fin.isEmpty()) {
        continue;
      }
      long h = top;
      Hash at = fin.get().blockHash();
      while (h >= bottom && !chain.containsKey(h)) {
        chain.put(h, at);
        Optional<BlockProposal> p = pool.block(h, at);
        if (p.isEmpty()) {
          break;
        }
        at = p.get().block().parentHash();
        h--;
      }
    }
    return chain;
  }
}
