package dev.canopy.statesync;

import dev.canopy.consensus.Hash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Plans the fetch of one checkpoint from peers: first its manifest, checked against the hash a
 * catch-up package signed, then its chunks, each checked against the manifest on arrival. It says
 * what to request from whom ({@link #poll}); the caller sends the requests and feeds the answers
 * back. At most {@code maxChunksInFlight} requests are outstanding, spread over the peers; a
 * request unanswered within {@code requestTimeoutMs} goes to another peer.
 *
 * <p>Byzantine peers: only answers to outstanding requests, from the peer asked, are looked at. A
 * peer that serves a manifest or chunk other than the signed one is not asked again in this sync,
 * and the item is fetched from another peer; no byte of it is kept. A peer that lets {@code
 * maxTimeoutsPerPeer} requests time out, or says it does not hold the checkpoint, is not asked
 * again either. With every peer excluded, or after {@code maxSyncMs}, the sync fails.
 *
 * <p>Deterministic: the time comes in as an argument, and peers are chosen in the order given
 * (fewest outstanding requests first). Single-threaded.
 *
 * @param <P> how the caller names a peer (an actor reference in the node, a string in tests); its
 *     {@code equals} tells peers apart
 */
public final class StateSync<P> {
  /** What to ask {@code peer} for: chunk {@code chunk}, or the manifest ({@link #MANIFEST}). */
  public record Request<P>(P peer, int chunk) {
    public boolean isManifest() {
      return chunk == MANIFEST;
    }
  }

  /** Where the sync stands. */
  public enum Phase { MANIFEST, CHUNKS, COMPLETE, FAILED }

  /** The item index of the manifest in requests. */
  public static final int MANIFEST = -1;

  private record InFlight<P>(P peer, long deadlineMs) {}

  private static final class PeerState {
    int inFlight;
    int timeouts;
  }

  private final long height;
  private final Hash manifestHash;
  private final StateSyncLimits limits;
  private final long startedAtMs;
  private final LinkedHashMap<P, PeerState> peers = new LinkedHashMap<>();
  // Why each excluded peer is not asked again (kept if it leaves and comes back).
  private final Map<P, String> excluded = new LinkedHashMap<>();
  private final TreeSet<Integer> pending = new TreeSet<>();
  private final TreeMap<Integer, InFlight<P>> inFlight = new TreeMap<>();
  // The peer last asked for an item, so a retry goes elsewhere when it can.
  private final Map<Integer, P> lastAsked = new TreeMap<>();
  private Phase phase = Phase.MANIFEST;
  private ChunkAssembler assembler;
  private String failure = "";
  private int requestsSent;
  private int chunksCorrupt;
  private int timeouts;

  public StateSync(long height, Hash manifestHash, StateSyncLimits limits, Collection<P> peers,
      long nowMs) {
    this.height = height;
    this.manifestHash = manifestHash;
    this.limits = limits;
    this.startedAtMs = nowMs;
    setPeers(peers);
    pending.add(MANIFEST);
  }

  public long height() {
    return height;
  }

  public Phase phase() {
    return phase;
  }

  /** Why the sync failed (empty unless {@link Phase#FAILED}). */
  public String failure() {
    return failure;
  }

  /** The verified manifest, once fetched. */
  public Optional<StateSyncManifest> manifest() {
    return assembler == null ? Optional.empty() : Optional.of(assembler.manifest());
  }

  /** The peers that are not asked again, and why. */
  public Map<P, String> excludedPeers() {
    return Map.copyOf(excluded);
  }

  /** Requests sent and neither answered nor timed out. */
  public int requestsInFlight() {
    return inFlight.size();
  }

  public int requestsSent() {
    return requestsSent;
  }

  public int chunksCorrupt() {
    return chunksCorrupt;
  }

  public int timeouts() {
    return timeouts;
  }

  /** Chunks still to fetch; -1 until the manifest is in. */
  public int chunksMissing() {
    return assembler == null ? -1 : assembler.missingCount();
  }

  /** The peers to fetch from now; outstanding requests to peers that left go to others. */
  public void setPeers(Collection<P> current) {
    Set<P> now = new LinkedHashSet<>(current);
    for (Map.Entry<Integer, InFlight<P>> e : inFlightSnapshot()) {
      if (!now.contains(e.getValue().peer())) {
        inFlight.remove(e.getKey());
        pending.add(e.getKey());
      }
    }
    peers.keySet().retainAll(now);
    for (P p : now) {
      peers.putIfAbsent(p, new PeerState());
    }
  }

  /**
   * Expires overdue requests and says which to send now, each to one peer. Nothing once the sync
   * is complete or failed.
   */
  public List<Request<P>> poll(long nowMs) {
    if (phase == Phase.COMPLETE || phase == Phase.FAILED) {
      return List.of();
    }
    if (nowMs - startedAtMs > limits.maxSyncMs()) {
      return fail("not complete within " + limits.maxSyncMs() + " ms");
    }
    for (Map.Entry<Integer, InFlight<P>> e : inFlightSnapshot()) {
      if (e.getValue().deadlineMs() <= nowMs) {
        P peer = e.getValue().peer();
        inFlight.remove(e.getKey());
        pending.add(e.getKey());
        timeouts++;
        PeerState state = peers.get(peer);
        if (state != null) {
          state.inFlight--;
          if (++state.timeouts >= limits.maxTimeoutsPerPeer()) {
            exclude(peer, "let " + state.timeouts + " requests time out");
          }
        }
      }
    }
    if (!peers.isEmpty() && eligible().isEmpty()) {
      return fail("no peer left to fetch from: " + excluded);
    }
    List<Request<P>> out = new ArrayList<>();
    while (inFlight.size() < limits.maxChunksInFlight() && !pending.isEmpty()) {
      int item = pending.first();
      Optional<P> peer = choosePeer(item);
      if (peer.isEmpty()) {
        break;
      }
      pending.remove(item);
      inFlight.put(item, new InFlight<>(peer.get(), nowMs + limits.requestTimeoutMs()));
      peers.get(peer.get()).inFlight++;
      lastAsked.put(item, peer.get());
      requestsSent++;
      out.add(new Request<>(peer.get(), item));
    }
    return out;
  }

  /**
   * The outstanding requests as immutable pairs. Note: a TreeMap reuses its entry objects when a
   * key is removed, so a copied list of its live entries must not outlive a removal.
   */
  private List<Map.Entry<Integer, InFlight<P>>> inFlightSnapshot() {
    List<Map.Entry<Integer, InFlight<P>>> out = new ArrayList<>(inFlight.size());
    inFlight.forEach((item, f) -> out.add(Map.entry(item, f)));
    return out;
  }

  private List<P> eligible() {
    List<P> out = new ArrayList<>();
    for (P p : peers.keySet()) {
      if (!excluded.containsKey(p)) {
        out.add(p);
      }
    }
    return out;
  }

  /** The eligible peer with the fewest outstanding requests, avoiding the one last asked. */
  private Optional<P> choosePeer(int item) {
    P previous = lastAsked.get(item);
    P best = null;
    boolean bestIsPrevious = true;
    for (P p : eligible()) {
      int load = peers.get(p).inFlight;
      boolean isPrevious = p.equals(previous);
      if (best == null || (bestIsPrevious && !isPrevious)
          || (bestIsPrevious == isPrevious && load < peers.get(best).inFlight)) {
        best = p;
        bestIsPrevious = isPrevious;
      }
    }
    return Optional.ofNullable(best);
  }

  /** The outstanding request for {@code item} if it went to {@code from}; it is answered now. */
  private boolean answered(P from, int item) {
    InFlight<P> f = inFlight.get(item);
    if (f == null || !f.peer().equals(from)) {
      return false;
    }
    inFlight.remove(item);
    PeerState state = peers.get(from);
    if (state != null) {
      state.inFlight--;
      state.timeouts = 0;
    }
    return true;
  }

  /** A peer's answer to a manifest request: used only if it hashes to the signed manifest hash. */
  public void onManifest(P from, byte[] bytes) {
    if (phase != Phase.MANIFEST || !answered(from, MANIFEST)) {
      return;
    }
    if (!StateSyncManifest.hasHash(bytes, manifestHash)) {
      exclude(from, "served a manifest other than the signed one");
      pending.add(MANIFEST);
      return;
    }
    StateSyncManifest manifest;
    try {
      manifest = StateSyncManifest.decode(bytes, limits);
    } catch (InvalidStateSyncDataException e) {
      // The subnet signed it, so no other peer has a better one.
      fail("the signed manifest is beyond this replica's limits: " + e.getMessage());
      return;
    }
    if (manifest.height() != height) {
      fail("the signed manifest is of height " + manifest.height() + ", not " + height);
      return;
    }
    assembler = new ChunkAssembler(manifest);
    for (int i = 0; i < manifest.chunkCount(); i++) {
      pending.add(i);
    }
    phase = manifest.chunkCount() == 0 ? Phase.COMPLETE : Phase.CHUNKS;
  }

  /**
   * A peer's answer to a chunk request: kept only if it is the chunk the manifest lists; a
   * corrupt one excludes the peer and the chunk is asked of another.
   */
  public ChunkAssembler.Result onChunk(P from, int index, byte[] bytes) {
    if (phase != Phase.CHUNKS || !answered(from, index)) {
      return ChunkAssembler.Result.DUPLICATE;
    }
    ChunkAssembler.Result result = assembler.accept(index, bytes);
    if (result == ChunkAssembler.Result.CORRUPT || result == ChunkAssembler.Result.OUT_OF_RANGE) {
      chunksCorrupt++;
      exclude(from, "served a corrupt chunk " + index);
      pending.add(index);
    } else if (assembler.isComplete()) {
      phase = Phase.COMPLETE;
    }
    return result;
  }

  /** A peer answered that it does not hold this checkpoint (any more). */
  public void onUnavailable(P from, int item) {
    if ((phase == Phase.MANIFEST || phase == Phase.CHUNKS) && answered(from, item)) {
      exclude(from, "does not hold the checkpoint of height " + height);
      pending.add(item);
    }
  }

  /**
   * The checkpoint's bytes, every chunk verified against the signed manifest.
   *
   * @throws IllegalStateException unless the sync is complete, or on a second call
   */
  public byte[] result() {
    if (phase != Phase.COMPLETE) {
      throw new IllegalStateException("the state sync is " + phase);
    }
    return assembler.assemble();
  }

  private void exclude(P peer, String why) {
    excluded.putIfAbsent(peer, why);
    // Whatever else it was asked goes elsewhere at the next poll.
    for (Map.Entry<Integer, InFlight<P>> e : inFlightSnapshot()) {
      if (e.getValue().peer().equals(peer)) {
        inFlight.remove(e.getKey());
        pending.add(e.getKey());
        PeerState state = peers.get(peer);
        if (state != null) {
          state.inFlight--;
        }
      }
    }
  }

  private List<Request<P>> fail(String why) {
    phase = Phase.FAILED;
    failure = why;
    inFlight.clear();
    pending.clear();
    assembler = null;
    return List.of();
  }
}
