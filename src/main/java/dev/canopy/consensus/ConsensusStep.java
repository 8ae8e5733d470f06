package dev.canopy.consensus;

import dev.canopy.consensus.Artifact.BlockProposal;
import dev.canopy.consensus.Artifact.Finalization;
import dev.canopy.consensus.Artifact.FinalizationShare;
import dev.canopy.consensus.Artifact.Notarization;
import dev.canopy.consensus.Artifact.NotarizationShare;
import dev.canopy.consensus.Artifact.RandomBeacon;
import dev.canopy.consensus.Artifact.RandomBeaconShare;
import dev.canopy.consensus.SubnetConfig.BeaconMode;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.types.Hashing;
import dev.canopy.types.NodeId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

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
 *
 * <p>Note (key generation): a subnet of several replicas starts without threshold keys and makes
 * them through its own consensus ({@link KeyGeneration}). Until they exist (the bootstrap
 * interval) notarization and finalization work as always, with node keys, but the random beacon is
 * a hash chain from the genesis beacon ({@link RandomBeacon#bootstrap}) that anyone can compute,
 * and blocks carry dealings and complaints instead of ingress. That is acceptable only there: a
 * predictable beacon lets an adversary know the block makers' ranking in advance and aim at the
 * leaders (liveness, not safety, which rests on the node-key quorums), and batch randomness is
 * known in advance, which matters to no one because no canister runs before the keys exist. Once
 * the finalized chain reaches a closing height with enough dealings ({@link
 * KeyGenerationRecord#append}), the owner derives its shares and installs them, and from the next
 * height the beacon is threshold-signed, unpredictable again.
 *
 * <p>Note (busy rounds, {@link ConsensusParameters#busyRounds}): how long a notary waits before
 * supporting a block depends on whether the block carries messages and on whether the owner says
 * it keeps up ({@code mayHurry}, a local back-pressure signal such as "execution is not far behind
 * the notarized height"); a block maker with nothing to propose waits until its empty block could
 * be supported. Both only move the times at which the rules above apply, so they change liveness
 * and latency, never safety: a Byzantine maker that fills blocks with one message each makes
 * rounds short, which the back-pressure bounds, and a silent rank 0 is replaced by rank 1 after
 * the unit delay, as without busy rounds.
 */
public final class ConsensusStep {
  private final SubnetConfig config;
  private final SubnetMembership membership;
  private final ConsensusParameters parameters;
  private final PayloadSource payloads;
  private final Validator validator;
  private final SignatureVerifier verifier;

  public ConsensusStep(SubnetConfig config, ConsensusParameters parameters, PayloadSource payloads, SignatureVerifier verifier) {
    this.config = config;
    this.membership = config.membership();
    this.parameters = parameters;
    this.payloads = payloads;
    this.validator = new Validator(config, parameters, payloads, verifier);
    this.verifier = verifier;
  }

  /** The same step with another config: the key generation's record moved on, or the keys installed. */
  public ConsensusStep withConfig(SubnetConfig next) {
    return new ConsensusStep(next, parameters, payloads, verifier);
  }

  public SubnetConfig config() {
    return config;
  }

  public NodeId self() {
    return config.self();
  }

  /**
   * What to change after looking at {@code pool} at this replica's time {@code nowMs}, given that
   * message routing expects batch {@code nextBatchHeight} next.
   */
  public PoolChanges onStateChange(ArtifactPool pool, long nowMs, long nextBatchHeight) {
    return onStateChange(pool, nowMs, nextBatchHeight, true);
  }

  /**
   * The same, where {@code mayHurry} says whether this replica keeps up well enough to notarize
   * blocks with messages after the busy notary delay (with busy rounds; see the class Note). It is
   * an input like the time: the owner decides it from its local state.
   */
  public PoolChanges onStateChange(ArtifactPool pool, long nowMs, long nextBatchHeight, boolean mayHurry) {
    List<Artifact> toAdd = new ArrayList<>();
    List<Hash> toValidate = new ArrayList<>();
    List<PoolChanges.Rejection> toReject = new ArrayList<>();
    validator.validate(pool, nowMs, nextBatchHeight, toValidate, toReject, toAdd);
    makeBeaconShare(pool, toAdd);
    makeBlock(pool, nowMs, toAdd);
    notarize(pool, nowMs, mayHurry, toAdd);
    aggregate(pool, toAdd);
    finalize(pool, toAdd);
    List<Batch> toDeliver = deliver(pool, nextBatchHeight);
    long purgeBelow = Math.min(pool.finalizedHeight(), nextBatchHeight - 1) - parameters.retainHeights();
    // Everything this replica makes goes to its peers as well, except bootstrap beacons, which
    // every replica computes itself.
    List<Artifact> toSend = new ArrayList<>(toAdd.size());
    for (Artifact a : toAdd) {
      if (!(a instanceof RandomBeacon b && config.beaconMode(b.height()) == BeaconMode.BOOTSTRAP)) {
        toSend.add(a);
      }
    }
    return new PoolChanges(toAdd, toValidate, toReject, Math.max(purgeBelow, 0), toSend, toDeliver);
  }

  // ---- key generation ----

  /**
   * This replica's dealings of both keys, for its owner to file and send once when the key
   * generation starts (randomness is the owner's: dealing is not a decision). Empty when the keys
   * exist, the subnet's keys were dealt at genesis, or the replica abstains (the key generation it
   * would deal for is over; {@link SubnetConfig#withAbstention}).
   */
  public List<Artifact> ownDealings(RandomGenerator random) {
    if (!config.isGeneratingKeys() || config.abstainThroughHeight() > 0) {
      return List.of();
    }
    return List.copyOf(config.keyGeneration().orElseThrow().setup().deal(config.selfIndex(), config.nodeKey(), random));
  }

  /**
   * The key generation's record as of the next closing height, once the pool has that height's
   * finalized chain: closed if it gives both keys, open if the bootstrap interval goes on. The
   * owner installs it ({@link SubnetConfig#withRecord}, with the keys it derives from a closed
   * one) before stepping again; until then the beacon above the closing height is not decided.
   * Empty while the finalized chain has not reached the next closing height, or the key generation
   * is over.
   */
  public Optional<KeyGenerationRecord> keyGenerationProgress(ArtifactPool pool) {
    if (!config.isGeneratingKeys()) {
      return Optional.empty();
    }
    KeyGenerationRecord record = config.keyGeneration().orElseThrow();
    long closing = record.setup().schedule().nextClosingHeightAfter(record.height());
    if (pool.finalizedHeight() < closing) {
      return Optional.empty();
    }
    Optional<List<Block>> blocks = finalizedBlocks(pool, record.height() + 1, closing);
    if (blocks.isEmpty()) {
      return Optional.empty(); // the finalized chain is not complete here yet
    }
    for (Block b : blocks.get()) {
      record = record.append(b.height(), b.payload().keyGeneration());
    }
    return Optional.of(record);
  }

  /**
   * The finalized blocks of heights {@code from} to {@code to}, from the lowest finalization at or
   * above {@code to} down, if all are at hand.
   *
   * <p>Note: the blocks above the closing height cannot be validated before the record of the
   * closing height is installed (their beacons' kind is not known yet), and the heights just
   * around it may have no finalization of their own (a finalization finalizes its ancestors). So a
   * block whose hash a finalization (or the parent link of a finalized block) names is taken from
   * the unvalidated section too: n − f replicas signed that hash, so its content is the finalized
   * block's.
   */
  private static Optional<List<Block>> finalizedBlocks(ArtifactPool pool, long from, long to) {
    long top = to;
    while (top <= pool.finalizedHeight() && pool.finalization(top).isEmpty()) {
      top++;
    }
    if (top > pool.finalizedHeight()) {
      return Optional.empty();
    }
    List<Block> out = new ArrayList<>();
    Hash at = pool.finalization(top).get().blockHash();
    for (long h = top; h >= from; h--) {
      long height = h;
      Hash hash = at;
      Optional<Block> b = pool.block(height, hash).map(BlockProposal::block)
          .or(() -> pool.unvalidatedBlock(height, hash));
      if (b.isEmpty()) {
        return Optional.empty();
      }
      if (h <= to) {
        out.add(0, b.get());
      }
      at = b.get().parentHash();
    }
    return Optional.of(out);
  }

  // ---- random beacon maker ----

  /**
   * Share the beacon of round h once round h − 1 has a notarized block, and not before; in the
   * bootstrap interval, make the beacon itself.
   */
  private void makeBeaconShare(ArtifactPool pool, List<Artifact> out) {
    long h = pool.beaconHeight() + 1;
    if (pool.notarizedHeight() < h - 1 || pool.beaconShares(h).containsKey(self())) {
      return;
    }
    Hash parent = pool.beaconHash(h - 1).orElseThrow();
    BeaconMode mode = config.beaconMode(h);
    if (mode == BeaconMode.BOOTSTRAP) {
      out.add(RandomBeacon.bootstrap(h, parent));
      return;
    }
    Optional<ThresholdBls.SecretKeyShare> own = config.keys().flatMap(SubnetKeys::beaconShare);
    if (mode == BeaconMode.UNKNOWN || own.isEmpty()) {
      return; // the owner has not installed the record of the closing height yet, or we have no share
    }
    ThresholdBls.SignatureShare share = ThresholdBls.signShare(own.get(), RandomBeacon.signedMessage(h, parent));
    out.add(new RandomBeaconShare(h, parent, self(), share.signature()));
  }

  // ---- block maker ----

  private void makeBlock(ArtifactPool pool, long nowMs, List<Artifact> out) {
    long h = pool.notarizedHeight() + 1;
    if (h > pool.finalizedHeight() + parameters.maxNotarizationLagHeights() || config.abstainsAt(h)) {
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
    boolean bootstrap = config.beaconMode(h) == BeaconMode.BOOTSTRAP;
    // Busy rounds: a block with messages now, an empty one only when notaries would support it.
    boolean onlyWithMessages = parameters.busyRounds() && !bootstrap
        && nowMs < roundStart.get() + parameters.notaryDelayMs(myRank);
    if (onlyWithMessages && !payloads.hasPendingMessages()) {
      return;
    }
    Block parent = pool.notarizedBlocks(h - 1).get(0).block();
    long timeMs = Math.max(nowMs, parent.timeMs());
    Payload payload;
    if (bootstrap) {
      Optional<DkgPayload> keyGeneration = keyGenerationPayload(pool, h, parent);
      if (keyGeneration.isEmpty()) {
        return;
      }
      payload = new Payload(List.of(), keyGeneration.get());
    } else {
      Predicate<Hash> excluded = ancestorMessageIds(
          (height, hash) -> pool.block(height, hash).map(BlockProposal::block), pool, h - 1, parent.hash());
      payload = payloads.selectPayload(h, timeMs, excluded, parameters.maxBlockMessages(), parameters.maxBlockPayloadBytes());
      if (onlyWithMessages && payload.messages().isEmpty()) {
        return; // what waits is in the chain already
      }
    }
    if (payload.messages().size() > parameters.maxBlockMessages()
        || payload.sizeBytes() > parameters.maxBlockPayloadBytes()) {
      throw new IllegalStateException("the payload source exceeded the block limits");
    }
    Block block = new Block(h, parent.hash(), myRank, self(), timeMs, payload);
    out.add(BlockProposal.sign(block, config.nodeKey()));
  }

  /**
   * What a bootstrap block of height {@code h} on {@code parent} carries: the pool's dealings whose
   * dealer has none of that key on the chain (where the schedule allows dealings), and the pool's
   * complaints about dealings on the chain or in this block that the chain lacks, in id order and
   * within the limits. Empty if the chain's blocks above the record are not all at hand.
   */
  private Optional<DkgPayload> keyGenerationPayload(ArtifactPool pool, long h, Block parent) {
    KeyGenerationRecord record = config.keyGeneration().orElseThrow();
    Optional<ChainKeyGeneration> onChain = ChainKeyGeneration.of(
        record, (height, hash) -> pool.block(height, hash).map(BlockProposal::block), h - 1, parent.hash());
    if (onChain.isEmpty()) {
      return Optional.empty();
    }
    ChainKeyGeneration chain = onChain.get();
    KeyGeneration setup = record.setup();
    int limit = validator.maxKeyArtifactsPerBlock();
    List<Artifact.KeyDealing> dealings = new ArrayList<>();
    if (setup.schedule().dealingsAllowedAt(h)) {
      for (Artifact.KeyDealing d : pool.keyDealings()) {
        Optional<KeyGeneration.Key> key = setup.keyOf(d.dealing().instanceId());
        if (dealings.size() < limit && key.isPresent() && chain.dealing(key.get(), d.dealing().dealerIndex()).isEmpty()) {
          dealings.add(d);
          chain.add(d);
        }
      }
    }
    List<Artifact.KeyComplaint> complaints = new ArrayList<>();
    for (Artifact.KeyComplaint c : pool.keyComplaints()) {
      var k = c.complaint();
      Optional<KeyGeneration.Key> key = setup.keyOf(k.instanceId());
      if (complaints.size() >= limit || key.isEmpty() || chain.hasComplaint(key.get(), k.dealerIndex(), k.receiverIndex())) {
        continue;
      }
      Optional<DkgDealing> dealing = chain.dealing(key.get(), k.dealerIndex());
      if (dealing.isPresent() && Arrays.equals(dealing.get().hash(), k.dealingHash())) {
        complaints.add(c);
        chain.add(c);
      }
    }
    return Optional.of(new DkgPayload(dealings, complaints));
  }

  /** Finds a block by height and hash: in the pool, or among those a validation pass just accepted. */
  @FunctionalInterface
  interface BlockLookup {
    Optional<Block> find(long height, Hash hash);
  }

  /**
   * The ids of the messages in the block {@code blockHash} of {@code height} and its ancestors
   * still known, so a message is never ordered twice along a chain.
   *
   * <p>Note: the same answer as walking the chain down until a block is missing, but the walk
   * stops where it joins the pool's index of the finalized chain ({@link
   * ArtifactPool#indexedChainCarries}), so its cost is that of the unfinalized heights, not of
   * every retained height (a thousand, with a hundred messages each, at every block made or
   * validated). Below the index's lowest block it walks on as before (usually nothing is there).
   */
  static Predicate<Hash> ancestorMessageIds(BlockLookup blocks, ArtifactPool pool, long height, Hash blockHash) {
    Set<Hash> ids = new HashSet<>();
    long h = height;
    Hash hash = blockHash;
    long joinedAt = -1;
    while (h > 0) {
      if (pool.isOnIndexedChain(h, hash)) {
        joinedAt = h;
        Map.Entry<Long, Hash> bottom = pool.indexedChainBottom();
        h = bottom.getKey();
        hash = bottom.getValue();
        Optional<Block> b = blocks.find(h, hash);
        if (b.isEmpty()) {
          break;
        }
        hash = b.get().parentHash();
        h--;
        continue;
      }
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
    if (joinedAt < 0) {
      return ids::contains;
    }
    long joined = joinedAt;
    return id -> ids.contains(id) || pool.indexedChainCarries(id, joined);
  }

  // ---- notary ----

  /**
   * Support the lowest-ranked valid blocks of the current round once their rank's delay is over:
   * with busy rounds and {@code mayHurry}, the busy delay for a block with messages.
   */
  private void notarize(ArtifactPool pool, long nowMs, boolean mayHurry, List<Artifact> out) {
    long h = pool.notarizedHeight() + 1;
    if (h > pool.finalizedHeight() + parameters.maxNotarizationLagHeights() || config.abstainsAt(h)) {
      return;
    }
    Optional<Long> roundStart = pool.roundStartMs(h);
    List<BlockProposal> blocks = pool.blocks(h);
    if (roundStart.isEmpty() || blocks.isEmpty()) {
      return;
    }
    int lowestRank = blocks.get(0).block().rank();
    for (BlockProposal p : blocks) {
      if (p.block().rank() != lowestRank) {
        break;
      }
      boolean busy = mayHurry && !p.block().payload().messages().isEmpty();
      if (nowMs < roundStart.get() + parameters.notaryDelayMs(lowestRank, busy)) {
        continue;
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
    if (beaconShares.size() >= beaconParameters.threshold()
        && config.beaconMode(nextBeacon) == BeaconMode.THRESHOLD) {
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
    for (long h = Math.max(pool.finalizedHeight(), config.abstainThroughHeight()) + 1;
        h <= pool.notarizedHeight(); h++) {
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
        batches.add(new Batch(b.height(), b.hash(), b.timeMs(), randomness, b.payload().messages(),
            b.payload().keyGeneration()));
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
    if (config.isGeneratingKeys()) {
      // Our own dealings and complaints, which reach the chain only through some block maker's
      // pool, until the finalized chain holds them.
      ChainKeyGeneration finalized = finalizedKeyGeneration(pool);
      KeyGeneration setup = config.keyGeneration().orElseThrow().setup();
      for (Artifact.KeyDealing d : pool.keyDealings()) {
        DkgDealing dealing = d.dealing();
        Optional<KeyGeneration.Key> key = setup.keyOf(dealing.instanceId());
        if (dealing.dealerIndex() == config.selfIndex() + 1 && key.isPresent()
            && finalized.dealing(key.get(), dealing.dealerIndex()).isEmpty()) {
          out.add(d);
        }
      }
      for (Artifact.KeyComplaint c : pool.keyComplaints()) {
        DkgComplaint k = c.complaint();
        Optional<KeyGeneration.Key> key = setup.keyOf(k.instanceId());
        if (c.signature().signer().equals(self()) && key.isPresent()
            && !finalized.hasComplaint(key.get(), k.dealerIndex(), k.receiverIndex())) {
          out.add(c);
        }
      }
    }
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

  /** What the finalized chain holds of the key generation, as far as its blocks are at hand. */
  private ChainKeyGeneration finalizedKeyGeneration(ArtifactPool pool) {
    KeyGenerationRecord record = config.keyGeneration().orElseThrow();
    Map<Long, Hash> chain = finalizedChain(pool, record.height() + 1);
    for (long h = pool.finalizedHeight(); h > record.height(); h--) {
      Hash hash = chain.get(h);
      if (hash != null) {
        Optional<ChainKeyGeneration> c = ChainKeyGeneration.of(
            record, (height, at) -> pool.block(height, at).map(BlockProposal::block), h, hash);
        if (c.isPresent()) {
          return c.get();
        }
      }
    }
    return ChainKeyGeneration.of(record);
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
