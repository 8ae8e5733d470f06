package dev.canopy.consensus;

import dev.canopy.consensus.Artifact.BlockProposal;
import dev.canopy.consensus.Artifact.Finalization;
import dev.canopy.consensus.Artifact.FinalizationShare;
import dev.canopy.consensus.Artifact.Notarization;
import dev.canopy.consensus.Artifact.NotarizationShare;
import dev.canopy.consensus.Artifact.RandomBeacon;
import dev.canopy.consensus.Artifact.RandomBeaconShare;
import dev.canopy.types.NodeId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One replica's consensus artifacts: an unvalidated section (as received, in arrival order) and a
 * validated section indexed by height. Only its owner changes it: {@link #receive} for arrivals,
 * {@link #apply} for a step's decisions. Each validated artifact remembers when it was added,
 * which is how a replica knows when its rounds started without keeping other state.
 *
 * <p>The key generation's dealings and complaints belong to no height: they wait in the same
 * unvalidated section, and once valid sit in a section of their own, in id order, until the owner
 * drops them ({@link #purgeKeyGeneration}) when the keys exist.
 *
 * <p>Not thread-safe; owned by one actor (or the simulation's one thread).
 */
public final class ArtifactPool {
  /** An artifact waiting for validation. */
  public record Unvalidated(Artifact artifact, Hash id, long receivedAtMs) {}

  private final ConsensusParameters parameters;
  private final Map<Hash, Unvalidated> unvalidated = new LinkedHashMap<>();
  private final TreeMap<Long, Slot> validated = new TreeMap<>();
  // Lookup only (never iterated), so hash order cannot leak into a decision.
  private final Map<Hash, Long> validatedIdHeights = new HashMap<>();
  private final TreeMap<Hash, Artifact> keyGeneration = new TreeMap<>();
  // The finalized chain's blocks held here, indexed for ConsensusStep.ancestorMessageIds: its
  // block hash at each height (contiguous, from chainHashes' first to its last key) and the
  // height of each of their messages. Derived from the validated blocks only, so it changes no
  // decision, only how fast "is this message in an ancestor" is answered. Lookup only.
  private final TreeMap<Long, Hash> chainHashes = new TreeMap<>();
  private final TreeMap<Long, List<Hash>> chainMessagesByHeight = new TreeMap<>();
  private final Map<Hash, Long> chainMessageHeights = new HashMap<>();
  private final Hash genesisHash;
  private final long genesisHeight;
  private long purgedBelowHeight;
  private long finalizedHeight;
  private long notarizedHeight;
  private long beaconHeight;

  /**
   * A pool that starts from {@code genesis}: the subnet's genesis block at height 0, or, for a
   * replica resuming from its own persisted state, a catch-up anchor at the height of that state,
   * which counts as finalized (the IC's catch-up package plays this part).
   */
  public ArtifactPool(Block genesis, RandomBeacon genesisBeacon, ConsensusParameters parameters, long createdAtMs) {
    if (genesis.height() != genesisBeacon.height()) {
      throw new IllegalArgumentException("the genesis block and beacon must have the same height");
    }
    this.parameters = parameters;
    this.genesisHash = genesis.hash();
    this.genesisHeight = genesis.height();
    this.purgedBelowHeight = genesisHeight;
    this.finalizedHeight = genesisHeight;
    this.notarizedHeight = genesisHeight;
    this.beaconHeight = genesisHeight;
    Slot slot = slot(genesisHeight);
    BlockProposal proposal = BlockProposal.genesis(genesis);
    slot.blocks.put(genesisHash, proposal);
    slot.beacon = genesisBeacon;
    slot.beaconHash = genesisBeacon.id();
    slot.beaconAddedAtMs = createdAtMs;
    slot.firstNotarizedAtMs = createdAtMs;
    indexChainBlock(genesis);
  }

  // ---- changes ----

  /**
   * Files an arriving artifact for validation. Drops (and answers false) duplicates, heights already
   * purged or too far ahead, and anything beyond the unvalidated section's bound.
   */
  public boolean receive(Artifact artifact, long nowMs) {
    long h = artifact.height();
    boolean roundless = isKeyGeneration(artifact);
    if (!roundless && (h < purgedBelowHeight || h > finalizedHeight + parameters.maxHeightsAhead())
        || unvalidated.size() >= parameters.maxUnvalidatedArtifacts()) {
      return false;
    }
    Hash id = artifact.id();
    if (validatedIdHeights.containsKey(id) || keyGeneration.containsKey(id) || unvalidated.containsKey(id)) {
      return false;
    }
    unvalidated.put(id, new Unvalidated(artifact, id, nowMs));
    return true;
  }

  /** Applies a step's decisions; returns the artifacts that became validated. */
  public List<Artifact> apply(PoolChanges changes, long nowMs) {
    List<Artifact> added = new ArrayList<>();
    for (Artifact a : changes.toAdd()) {
      if (insertValidated(a, a.id(), nowMs)) {
        added.add(a);
      }
    }
    for (Hash id : changes.toValidate()) {
      Unvalidated u = unvalidated.remove(id);
      if (u != null && insertValidated(u.artifact(), id, nowMs)) {
        added.add(u.artifact());
      }
    }
    for (PoolChanges.Rejection r : changes.toReject()) {
      unvalidated.remove(r.artifactId());
    }
    if (changes.purgeBelowHeight() > purgedBelowHeight) {
      purge(changes.purgeBelowHeight());
    }
    indexFinalizedChain();
    return added;
  }

  // ---- the finalized chain's messages ----

  /** Extends the index up to the finalized height, if the blocks down to what it holds are here. */
  private void indexFinalizedChain() {
    long top = chainHashes.isEmpty() ? purgedBelowHeight - 1 : chainHashes.lastKey();
    if (finalizedHeight <= top) {
      return;
    }
    Optional<Finalization> fin = finalization(finalizedHeight);
    if (fin.isEmpty()) {
      return;
    }
    List<Block> walked = new ArrayList<>();
    long h = finalizedHeight;
    Hash at = fin.get().blockHash();
    while (h >= purgedBelowHeight) {
      if (h == top) {
        if (at.equals(chainHashes.get(h))) {
          break; // joins what is indexed
        }
        // Another chain below (possible only beyond f faults): index this one afresh.
        clearChainIndex();
        top = purgedBelowHeight - 1;
      }
      Optional<BlockProposal> p = block(h, at);
      if (p.isEmpty()) {
        if (!chainHashes.isEmpty()) {
          return; // a block between the index and the finalized one is missing: later
        }
        break;
      }
      walked.add(p.get().block());
      at = p.get().block().parentHash();
      h--;
    }
    for (int i = walked.size() - 1; i >= 0; i--) {
      indexChainBlock(walked.get(i));
    }
  }

  private void indexChainBlock(Block b) {
    chainHashes.put(b.height(), b.hash());
    List<Hash> ids = new ArrayList<>(b.payload().messages().size());
    for (IngressMessage m : b.payload().messages()) {
      ids.add(m.messageId());
      chainMessageHeights.putIfAbsent(m.messageId(), b.height());
    }
    chainMessagesByHeight.put(b.height(), ids);
  }

  private void clearChainIndex() {
    chainHashes.clear();
    chainMessagesByHeight.clear();
    chainMessageHeights.clear();
  }

  /** Whether block {@code hash} of {@code height} is on the indexed finalized chain. */
  boolean isOnIndexedChain(long height, Hash hash) {
    return hash.equals(chainHashes.get(height));
  }

  /** Whether a block of the indexed finalized chain at or below {@code height} carries message {@code id}. */
  boolean indexedChainCarries(Hash id, long atOrBelowHeight) {
    Long h = chainMessageHeights.get(id);
    return h != null && h <= atOrBelowHeight;
  }

  /** The lowest height of the indexed finalized chain and its block's hash (the index is never empty when asked). */
  Map.Entry<Long, Hash> indexedChainBottom() {
    return chainHashes.firstEntry();
  }

  private static boolean isKeyGeneration(Artifact a) {
    return a instanceof Artifact.KeyDealing || a instanceof Artifact.KeyComplaint;
  }

  private boolean insertValidated(Artifact artifact, Hash id, long nowMs) {
    if (isKeyGeneration(artifact)) {
      return keyGeneration.putIfAbsent(id, artifact) == null;
    }
    long h = artifact.height();
    if (h < purgedBelowHeight || validatedIdHeights.containsKey(id)) {
      return false;
    }
    Slot slot = slot(h);
    boolean inserted;
    if (artifact instanceof BlockProposal p) {
      inserted = slot.blocks.putIfAbsent(p.block().hash(), p) == null;
    } else if (artifact instanceof NotarizationShare s) {
      inserted = slot.notarizationShares
          .computeIfAbsent(s.blockHash(), k -> new TreeMap<>())
          .putIfAbsent(s.signature().signer(), s) == null;
    } else if (artifact instanceof Notarization n) {
      inserted = slot.notarizations.putIfAbsent(n.blockHash(), n) == null;
    } else if (artifact instanceof FinalizationShare s) {
      inserted = slot.finalizationShares
          .computeIfAbsent(s.blockHash(), k -> new TreeMap<>())
          .putIfAbsent(s.signature().signer(), s) == null;
    } else if (artifact instanceof Finalization f) {
      inserted = slot.finalizations.putIfAbsent(f.blockHash(), f) == null;
    } else if (artifact instanceof RandomBeaconShare s) {
      inserted = slot.beaconShares.putIfAbsent(s.signer(), s) == null;
    } else if (artifact instanceof RandomBeacon b) {
      inserted = slot.beacon == null;
      if (inserted) {
        slot.beacon = b;
        slot.beaconHash = id;
        slot.beaconAddedAtMs = nowMs;
      }
    } else {
      throw new IllegalStateException("unknown artifact " + artifact);
    }
    if (!inserted) {
      return false;
    }
    validatedIdHeights.put(id, h);
    slot.ids.add(id);
    if (slot.firstNotarizedAtMs < 0 && !notarizedBlocks(h).isEmpty()) {
      slot.firstNotarizedAtMs = nowMs;
    }
    if (!slot.finalizations.isEmpty()) {
      finalizedHeight = Math.max(finalizedHeight, h);
    }
    if (slot.firstNotarizedAtMs >= 0) {
      notarizedHeight = Math.max(notarizedHeight, h);
    }
    if (slot.beacon != null && h == beaconHeight + 1) {
      beaconHeight = h;
    }
    return true;
  }

  private void purge(long belowHeight) {
    purgedBelowHeight = belowHeight;
    SortedMap<Long, Slot> gone = validated.headMap(belowHeight);
    for (Slot s : gone.values()) {
      for (Hash id : s.ids) {
        validatedIdHeights.remove(id);
      }
    }
    gone.clear();
    SortedMap<Long, List<Hash>> unindexed = chainMessagesByHeight.headMap(belowHeight);
    unindexed.forEach((height, ids) -> ids.forEach(id -> chainMessageHeights.remove(id, height)));
    unindexed.clear();
    chainHashes.headMap(belowHeight).clear();
    unvalidated.values().removeIf(u -> !isKeyGeneration(u.artifact()) && u.artifact().height() < belowHeight);
  }

  /**
   * Drops the key generation's artifacts, validated and not: once the subnet's keys exist nothing
   * reads them again.
   */
  public void purgeKeyGeneration() {
    keyGeneration.clear();
    unvalidated.values().removeIf(u -> isKeyGeneration(u.artifact()));
  }

  private Slot slot(long height) {
    return validated.computeIfAbsent(height, h -> new Slot());
  }

  // ---- queries ----

  public Collection<Unvalidated> unvalidated() {
    return Collections.unmodifiableCollection(unvalidated.values());
  }

  public int unvalidatedCount() {
    return unvalidated.size();
  }

  public boolean isValidated(Hash artifactId) {
    return validatedIdHeights.containsKey(artifactId) || keyGeneration.containsKey(artifactId);
  }

  /** A block of {@code height} with {@code blockHash} still waiting for validation, if one arrived. */
  public Optional<Block> unvalidatedBlock(long height, Hash blockHash) {
    for (Unvalidated u : unvalidated.values()) {
      if (u.artifact() instanceof BlockProposal p && p.block().height() == height && p.block().hash().equals(blockHash)) {
        return Optional.of(p.block());
      }
    }
    return Optional.empty();
  }

  /** The validated dealings, in id order. */
  public List<Artifact.KeyDealing> keyDealings() {
    List<Artifact.KeyDealing> out = new ArrayList<>();
    for (Artifact a : keyGeneration.values()) {
      if (a instanceof Artifact.KeyDealing d) {
        out.add(d);
      }
    }
    return out;
  }

  /** The validated complaints, in id order. */
  public List<Artifact.KeyComplaint> keyComplaints() {
    List<Artifact.KeyComplaint> out = new ArrayList<>();
    for (Artifact a : keyGeneration.values()) {
      if (a instanceof Artifact.KeyComplaint c) {
        out.add(c);
      }
    }
    return out;
  }

  public long purgedBelowHeight() {
    return purgedBelowHeight;
  }

  /** The highest height with a finalization (its block may still be missing). */
  public long finalizedHeight() {
    return finalizedHeight;
  }

  /** The highest height with a notarized block (block and notarization both validated). */
  public long notarizedHeight() {
    return notarizedHeight;
  }

  /** The highest height up to which every beacon is validated. */
  public long beaconHeight() {
    return beaconHeight;
  }

  /** The highest height with any validated artifact. */
  public long maxHeight() {
    return validated.isEmpty() ? 0 : validated.lastKey();
  }

  public Hash genesisHash() {
    return genesisHash;
  }

  public Optional<RandomBeacon> beacon(long height) {
    Slot s = validated.get(height);
    return s == null ? Optional.empty() : Optional.ofNullable(s.beacon);
  }

  /** The id of the beacon of a height (what the next beacon signs), if validated. */
  public Optional<Hash> beaconHash(long height) {
    Slot s = validated.get(height);
    return s == null ? Optional.empty() : Optional.ofNullable(s.beaconHash);
  }

  public Map<NodeId, RandomBeaconShare> beaconShares(long height) {
    Slot s = validated.get(height);
    return s == null ? Map.of() : Collections.unmodifiableMap(s.beaconShares);
  }

  /** Validated blocks of a height, lowest rank first (ties by hash). */
  public List<BlockProposal> blocks(long height) {
    Slot s = validated.get(height);
    if (s == null) {
      return List.of();
    }
    List<Map.Entry<Hash, BlockProposal>> entries = new ArrayList<>(s.blocks.entrySet());
    // The map is in hash order and the sort is stable, so equal ranks stay in hash order.
    entries.sort(Comparator.comparingInt(e -> e.getValue().block().rank()));
    List<BlockProposal> out = new ArrayList<>(entries.size());
    for (Map.Entry<Hash, BlockProposal> e : entries) {
      out.add(e.getValue());
    }
    return out;
  }

  /** Validated blocks of a height by hash, in hash order. */
  public SortedMap<Hash, BlockProposal> blocksByHash(long height) {
    Slot s = validated.get(height);
    return s == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(s.blocks);
  }

  public Optional<BlockProposal> block(long height, Hash blockHash) {
    Slot s = validated.get(height);
    return s == null ? Optional.empty() : Optional.ofNullable(s.blocks.get(blockHash));
  }

  public boolean hasNotarization(long height, Hash blockHash) {
    if (height == genesisHeight) {
      return blockHash.equals(genesisHash);
    }
    Slot s = validated.get(height);
    return s != null && s.notarizations.containsKey(blockHash);
  }

  public boolean isNotarized(long height, Hash blockHash) {
    return hasNotarization(height, blockHash) && block(height, blockHash).isPresent();
  }

  /** Blocks of a height that are notarized, lowest rank first. */
  public List<BlockProposal> notarizedBlocks(long height) {
    Slot s = validated.get(height);
    if (s == null) {
      return List.of();
    }
    List<BlockProposal> out = new ArrayList<>();
    for (Map.Entry<Hash, BlockProposal> e : s.blocks.entrySet()) {
      if (hasNotarization(height, e.getKey())) {
        out.add(e.getValue());
      }
    }
    out.sort(Comparator.comparingInt(p -> p.block().rank()));
    return out;
  }

  public Optional<Notarization> notarization(long height, Hash blockHash) {
    Slot s = validated.get(height);
    return s == null ? Optional.empty() : Optional.ofNullable(s.notarizations.get(blockHash));
  }

  public List<Notarization> notarizations(long height) {
    Slot s = validated.get(height);
    return s == null ? List.of() : List.copyOf(s.notarizations.values());
  }

  public Map<NodeId, NotarizationShare> notarizationShares(long height, Hash blockHash) {
    Slot s = validated.get(height);
    Map<NodeId, NotarizationShare> m = s == null ? null : s.notarizationShares.get(blockHash);
    return m == null ? Map.of() : Collections.unmodifiableMap(m);
  }

  /** Hashes of the blocks of {@code height} that {@code signer} notarization-shared, in hash order. */
  public List<Hash> blocksNotarizationSharedBy(long height, NodeId signer) {
    Slot s = validated.get(height);
    List<Hash> out = new ArrayList<>();
    if (s != null) {
      for (Map.Entry<Hash, TreeMap<NodeId, NotarizationShare>> e : s.notarizationShares.entrySet()) {
        if (e.getValue().containsKey(signer)) {
          out.add(e.getKey());
        }
      }
    }
    return out;
  }

  /** The finalization of a height, if any (two would mean the subnet's safety failed). */
  public Optional<Finalization> finalization(long height) {
    Slot s = validated.get(height);
    return s == null || s.finalizations.isEmpty() ? Optional.empty() : Optional.of(s.finalizations.firstEntry().getValue());
  }

  public List<Finalization> finalizations(long height) {
    Slot s = validated.get(height);
    return s == null ? List.of() : List.copyOf(s.finalizations.values());
  }

  public Map<NodeId, FinalizationShare> finalizationShares(long height, Hash blockHash) {
    Slot s = validated.get(height);
    Map<NodeId, FinalizationShare> m = s == null ? null : s.finalizationShares.get(blockHash);
    return m == null ? Map.of() : Collections.unmodifiableMap(m);
  }

  /** Block hashes with finalization shares at {@code height}, in hash order. */
  public List<Hash> finalizationShareBlocks(long height) {
    Slot s = validated.get(height);
    return s == null ? List.of() : List.copyOf(s.finalizationShares.keySet());
  }

  /** Block hashes with notarization shares at {@code height}, in hash order. */
  public List<Hash> notarizationShareBlocks(long height) {
    Slot s = validated.get(height);
    return s == null ? List.of() : List.copyOf(s.notarizationShares.keySet());
  }

  public boolean hasFinalizationShareFrom(long height, NodeId signer) {
    Slot s = validated.get(height);
    if (s == null) {
      return false;
    }
    for (TreeMap<NodeId, FinalizationShare> m : s.finalizationShares.values()) {
      if (m.containsKey(signer)) {
        return true;
      }
    }
    return false;
  }

  /**
   * When this replica could start round {@code height}: once it had both a notarized block of the
   * previous height and the round's beacon; empty if it cannot yet.
   */
  public Optional<Long> roundStartMs(long height) {
    Slot previous = validated.get(height - 1);
    Slot current = validated.get(height);
    if (previous == null || previous.firstNotarizedAtMs < 0 || current == null || current.beacon == null) {
      return Optional.empty();
    }
    return Optional.of(Math.max(previous.firstNotarizedAtMs, current.beaconAddedAtMs));
  }

  /** Every validated artifact of one height, in a fixed order (beacon, shares, blocks, notarizations, finalizations). */
  public List<Artifact> validatedAt(long height) {
    Slot s = validated.get(height);
    List<Artifact> out = new ArrayList<>();
    if (s == null) {
      return out;
    }
    if (s.beacon != null && height > 0) {
      out.add(s.beacon);
    }
    out.addAll(s.beaconShares.values());
    for (BlockProposal p : s.blocks.values()) {
      if (height > 0) {
        out.add(p);
      }
    }
    s.notarizationShares.values().forEach(m -> out.addAll(m.values()));
    out.addAll(s.notarizations.values());
    s.finalizationShares.values().forEach(m -> out.addAll(m.values()));
    out.addAll(s.finalizations.values());
    return out;
  }

  private static final class Slot {
    final TreeMap<Hash, BlockProposal> blocks = new TreeMap<>();
    final TreeMap<Hash, TreeMap<NodeId, NotarizationShare>> notarizationShares = new TreeMap<>();
    final TreeMap<Hash, Notarization> notarizations = new TreeMap<>();
    final TreeMap<Hash, TreeMap<NodeId, FinalizationShare>> finalizationShares = new TreeMap<>();
    final TreeMap<Hash, Finalization> finalizations = new TreeMap<>();
    final TreeMap<NodeId, RandomBeaconShare> beaconShares = new TreeMap<>();
    final List<Hash> ids = new ArrayList<>();
    RandomBeacon beacon;
    Hash beaconHash;
    long beaconAddedAtMs = -1;
    long firstNotarizedAtMs = -1;
  }
}
