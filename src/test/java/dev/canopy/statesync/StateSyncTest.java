package dev.canopy.statesync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * State sync as a fetching replica sees it: a checkpoint's manifest and chunks come from peers and
 * nothing is kept that does not match what the subnet signed; corrupt, silent and lying peers are
 * routed around, within bounded requests in flight and time. Peers are simulated in one thread
 * against the planner's own clock.
 */
class StateSyncTest {
  static final long SEED = 20260301L;
  static final int CHUNK = 4 * 1024;
  static final StateSyncLimits LIMITS = new StateSyncLimits(1 << 20, 3, 1_000, 2, 60_000);

  static byte[] checkpoint(int length) {
    byte[] bytes = new byte[length];
    new Random(SEED).nextBytes(bytes);
    return bytes;
  }

  // ---- manifest and reassembly

  @Test
  void aManifestRoundTripsThroughItsBytesAndHashesTheSameEverywhere() {
    byte[] state = checkpoint(10 * CHUNK + 123);
    StateSyncManifest manifest = StateSyncManifest.of(40, state, CHUNK);

    assertThat(manifest.chunkCount()).isEqualTo(11);
    assertThat(manifest.chunkLength(10)).isEqualTo(123);
    StateSyncManifest decoded = StateSyncManifest.decode(manifest.toBytes(), LIMITS);
    assertThat(decoded).isEqualTo(manifest);
    assertThat(decoded.hash()).isEqualTo(StateSyncManifest.of(40, state.clone(), CHUNK).hash());
    assertThat(StateSyncManifest.hasHash(manifest.toBytes(), manifest.hash())).isTrue();
    assertThat(StateSyncManifest.of(40, checkpoint(10 * CHUNK + 124), CHUNK).hash())
        .isNotEqualTo(manifest.hash());
  }

  @Test
  void chunksArrivingInAnyOrderReassembleTheCheckpoint() {
    byte[] state = checkpoint(7 * CHUNK + 5);
    StateSyncManifest manifest = StateSyncManifest.of(10, state, CHUNK);
    ChunkAssembler assembler = new ChunkAssembler(manifest);
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < manifest.chunkCount(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(SEED));

    for (int i : order) {
      assertThat(assembler.isComplete()).isFalse();
      assertThat(assembler.accept(i, manifest.chunk(state, i)))
          .isEqualTo(ChunkAssembler.Result.ACCEPTED);
    }

    assertThat(assembler.accept(order.get(0), manifest.chunk(state, order.get(0))))
        .isEqualTo(ChunkAssembler.Result.DUPLICATE);
    assertThat(assembler.assemble()).isEqualTo(state);
    assertThatThrownBy(assembler::assemble).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aCorruptedChunkIsRejectedAndTheCheckpointStillAssemblesFromTheRealOne() {
    byte[] state = checkpoint(3 * CHUNK);
    StateSyncManifest manifest = StateSyncManifest.of(10, state, CHUNK);
    ChunkAssembler assembler = new ChunkAssembler(manifest);
    byte[] corrupt = manifest.chunk(state, 1);
    corrupt[17] ^= 1;

    assertThat(assembler.accept(1, corrupt)).isEqualTo(ChunkAssembler.Result.CORRUPT);
    assertThat(assembler.accept(1, new byte[CHUNK - 1])).isEqualTo(ChunkAssembler.Result.CORRUPT);
    assertThat(assembler.accept(1, manifest.chunk(state, 0)))
        .as("another chunk's bytes").isEqualTo(ChunkAssembler.Result.CORRUPT);
    assertThat(assembler.accept(3, manifest.chunk(state, 0)))
        .isEqualTo(ChunkAssembler.Result.OUT_OF_RANGE);
    assertThat(assembler.has(1)).isFalse();
    assertThatThrownBy(assembler::assemble).isInstanceOf(IllegalStateException.class);

    for (int i = 0; i < 3; i++) {
      assertThat(assembler.accept(i, manifest.chunk(state, i)))
          .isEqualTo(ChunkAssembler.Result.ACCEPTED);
    }
    assertThat(assembler.assemble()).isEqualTo(state);
  }

  @Test
  void aManifestBeyondThisReplicasLimitsIsRefused() {
    byte[] state = checkpoint(9 * CHUNK);
    StateSyncManifest manifest = StateSyncManifest.of(10, state, CHUNK);
    StateSyncLimits small = new StateSyncLimits(8 * CHUNK, 3, 1_000, 2, 60_000);

    assertThatThrownBy(() -> StateSyncManifest.decode(manifest.toBytes(), small))
        .isInstanceOf(InvalidStateSyncDataException.class)
        .hasMessageContaining("more than this replica's limit");
    assertThatThrownBy(() -> StateSyncManifest.decode(new byte[] {1, 2, 3}, LIMITS))
        .isInstanceOf(InvalidStateSyncDataException.class);
  }

  // ---- fetching from peers

  /** How a simulated peer answers a request: the bytes, or null for no answer at all. */
  interface Peer extends BiFunction<Integer, byte[][], byte[]> {}

  static final Peer HONEST = (item, served) -> item == StateSync.MANIFEST ? served[0] : served[item + 1];
  static final Peer SILENT = (item, served) -> null;
  static final Peer CORRUPT_CHUNKS = (item, served) -> item == StateSync.MANIFEST
      ? HONEST.apply(item, served) : StateSyncTest.corrupt(HONEST.apply(item, served));
  static final Peer CORRUPT = (item, served) -> {
    byte[] honest = HONEST.apply(item, served);
    byte[] out = honest.clone();
    out[out.length / 2] ^= (byte) 0x80;
    return out;
  };

  static byte[] corrupt(byte[] honest) {
    byte[] out = honest.clone();
    out[out.length / 2] ^= (byte) 0x80;
    return out;
  }

  /** What a sync did when run against simulated peers to its end (or a step bound). */
  record Run(StateSync<String> sync, byte[] result, int maxInFlight, long endedAtMs) {}

  /**
   * Drives a sync of {@code state} against {@code peers} (by name, asked in map order): answers
   * (none from a silent peer) arrive one at a time in a seeded random order, time advances by 100
   * ms whenever nothing is on the way; records the most requests outstanding.
   */
  static Run run(byte[] state, Map<String, Peer> peers, StateSyncLimits limits) {
    return run(state, peers, limits, new Random(SEED));
  }

  /** As above; {@code delivery} orders the answers (null: first sent, first answered). */
  static Run run(byte[] state, Map<String, Peer> peers, StateSyncLimits limits, Random delivery) {
    StateSyncManifest manifest = StateSyncManifest.of(30, state, CHUNK);
    byte[][] served = new byte[manifest.chunkCount() + 1][];
    served[0] = manifest.toBytes();
    for (int i = 0; i < manifest.chunkCount(); i++) {
      served[i + 1] = manifest.chunk(state, i);
    }
    StateSync<String> sync = new StateSync<>(30, manifest.hash(), limits, peers.keySet(), 0);
    List<StateSync.Request<String>> sent = new ArrayList<>(sync.poll(0));
    int maxInFlight = sync.requestsInFlight();
    long now = 0;
    for (int step = 0; step < 10_000 && sync.phase() != StateSync.Phase.COMPLETE
        && sync.phase() != StateSync.Phase.FAILED; step++) {
      if (sent.isEmpty()) {
        now += 100; // nothing on the way: time passes, and overdue requests go elsewhere
        sent.addAll(sync.poll(now));
        continue;
      }
      // Answers arrive one at a time, in any order; the owner polls after each (as the actor).
      StateSync.Request<String> r =
          sent.remove(delivery == null ? 0 : delivery.nextInt(sent.size()));
      byte[] answer = peers.get(r.peer()).apply(r.chunk(), served);
      if (answer != null && r.isManifest()) {
        sync.onManifest(r.peer(), answer);
      } else if (answer != null) {
        sync.onChunk(r.peer(), r.chunk(), answer);
      }
      sent.addAll(sync.poll(now));
      maxInFlight = Math.max(maxInFlight, sync.requestsInFlight());
    }
    byte[] result = sync.phase() == StateSync.Phase.COMPLETE ? sync.result() : null;
    return new Run(sync, result, maxInFlight, now);
  }

  @Test
  void honestPeersServeTheCheckpointWithinTheBoundOnRequestsInFlight() {
    byte[] state = checkpoint(20 * CHUNK + 99);
    Run run = run(state, Map.of("a", HONEST, "b", HONEST, "c", HONEST), LIMITS);

    assertThat(run.sync().phase()).as("seed %d: %s", SEED, run.sync().failure())
        .isEqualTo(StateSync.Phase.COMPLETE);
    assertThat(run.result()).isEqualTo(state);
    assertThat(run.maxInFlight()).isLessThanOrEqualTo(LIMITS.maxChunksInFlight());
    assertThat(run.sync().requestsSent()).isEqualTo(1 + 21);
    assertThat(run.sync().excludedPeers()).isEmpty();
  }

  @Test
  void aPeerServingCorruptChunksIsExcludedAndTheChunksComeFromAnother() {
    byte[] state = checkpoint(12 * CHUNK);
    // Listed first, so it is asked for the manifest and the first chunks.
    Map<String, Peer> peers = new LinkedHashMap<>();
    peers.put("byzantine", CORRUPT);
    peers.put("honest", HONEST);
    Run run = run(state, peers, LIMITS);

    assertThat(run.sync().phase()).as("seed %d: %s", SEED, run.sync().failure())
        .isEqualTo(StateSync.Phase.COMPLETE);
    assertThat(run.result()).isEqualTo(state);
    assertThat(run.sync().excludedPeers()).containsOnlyKeys("byzantine");
    assertThat(run.sync().excludedPeers().get("byzantine")).contains("manifest");
  }

  @Test
  void aPeerThatLiesOnlyAboutChunksIsFoundOutByTheSignedManifest() {
    byte[] state = checkpoint(12 * CHUNK);
    Peer chunksOnly = CORRUPT_CHUNKS;
    Map<String, Peer> peers = new LinkedHashMap<>();
    peers.put("byzantine", chunksOnly);
    peers.put("honest", HONEST);
    Run run = run(state, peers, LIMITS);

    assertThat(run.sync().phase()).isEqualTo(StateSync.Phase.COMPLETE);
    assertThat(run.result()).isEqualTo(state);
    assertThat(run.sync().chunksCorrupt()).isEqualTo(1);
    assertThat(run.sync().excludedPeers().get("byzantine")).contains("corrupt chunk");
  }

  @Test
  void aCorruptPeerIsRoutedAroundWhateverTheOrderOfAnswersAndOfPeers() {
    byte[] state = checkpoint(23 * CHUNK + 7);
    StateSyncLimits wide = new StateSyncLimits(1 << 20, 6, 1_000, 2, 60_000);
    for (long seed = 0; seed < 40; seed++) {
      List<String> names = new ArrayList<>(List.of("byzantine", "honest-1", "honest-2"));
      Collections.shuffle(names, new Random(seed));
      Map<String, Peer> peers = new LinkedHashMap<>();
      for (String name : names) {
        peers.put(name, name.equals("byzantine") ? CORRUPT_CHUNKS : HONEST);
      }
      Run run = run(state, peers, wide, seed % 4 == 0 ? null : new Random(seed));

      assertThat(run.sync().phase()).as("seed %d, peers %s: %s", seed, names,
          run.sync().failure()).isEqualTo(StateSync.Phase.COMPLETE);
      assertThat(run.result()).as("seed %d", seed).isEqualTo(state);
      assertThat(run.maxInFlight()).isLessThanOrEqualTo(wide.maxChunksInFlight());
      assertThat(run.sync().excludedPeers().keySet()).as("seed %d", seed)
          .isSubsetOf("byzantine");
    }
  }

  @Test
  void requestsToASilentPeerTimeOutAndGoToAnother() {
    byte[] state = checkpoint(6 * CHUNK);
    Map<String, Peer> peers = new LinkedHashMap<>();
    peers.put("silent", SILENT);
    peers.put("honest", HONEST);
    Run run = run(state, peers, LIMITS);

    assertThat(run.sync().phase()).isEqualTo(StateSync.Phase.COMPLETE);
    assertThat(run.result()).isEqualTo(state);
    assertThat(run.sync().timeouts()).isPositive();
    assertThat(run.sync().excludedPeers()).containsOnlyKeys("silent");
  }

  @Test
  void withOnlyFaultyPeersTheSyncFailsAndKeepsNothing() {
    Run run = run(checkpoint(6 * CHUNK), Map.of("x", CORRUPT, "y", SILENT), LIMITS);

    assertThat(run.sync().phase()).isEqualTo(StateSync.Phase.FAILED);
    assertThat(run.sync().failure()).contains("no peer left");
    assertThat(run.result()).isNull();
    assertThat(run.sync().manifest()).isEmpty();
    assertThat(run.sync().poll(run.endedAtMs() + 100)).isEmpty();
  }

  @Test
  void aSyncThatTakesLongerThanItsLimitFails() {
    StateSyncLimits slow = new StateSyncLimits(1 << 20, 3, 1_000, 1_000_000, 5_000);
    Run run = run(checkpoint(6 * CHUNK), Map.of("silent", SILENT), slow);

    assertThat(run.sync().phase()).isEqualTo(StateSync.Phase.FAILED);
    assertThat(run.sync().failure()).contains("not complete within 5000 ms");
    assertThat(run.endedAtMs()).isBetween(5_000L, 6_000L);
  }

  @Test
  void answersFromPeersThatWereNotAskedAreIgnored() {
    byte[] state = checkpoint(2 * CHUNK);
    StateSyncManifest manifest = StateSyncManifest.of(30, state, CHUNK);
    StateSync<String> sync = new StateSync<>(30, manifest.hash(), LIMITS, List.of("a", "b"), 0);
    List<StateSync.Request<String>> first = sync.poll(0);
    assertThat(first).containsExactly(new StateSync.Request<>("a", StateSync.MANIFEST));

    sync.onManifest("b", manifest.toBytes());
    assertThat(sync.phase()).isEqualTo(StateSync.Phase.MANIFEST);
    sync.onManifest("a", manifest.toBytes());
    assertThat(sync.phase()).isEqualTo(StateSync.Phase.CHUNKS);

    List<StateSync.Request<String>> chunks = sync.poll(100);
    assertThat(chunks).hasSize(2);
    StateSync.Request<String> r = chunks.get(0);
    String other = r.peer().equals("a") ? "b" : "a";
    assertThat(sync.onChunk(other, r.chunk(), manifest.chunk(state, r.chunk())))
        .isEqualTo(ChunkAssembler.Result.DUPLICATE);
    assertThat(sync.chunksMissing()).isEqualTo(2);
  }

  @Test
  void aManifestOtherThanTheSignedOneIsNotUsed() {
    byte[] state = checkpoint(2 * CHUNK);
    StateSyncManifest signed = StateSyncManifest.of(30, state, CHUNK);
    StateSyncManifest forged = StateSyncManifest.of(30, checkpoint(3 * CHUNK), CHUNK);
    StateSync<String> sync = new StateSync<>(30, signed.hash(), LIMITS, List.of("liar", "b"), 0);
    sync.poll(0);

    sync.onManifest("liar", forged.toBytes());

    assertThat(sync.phase()).isEqualTo(StateSync.Phase.MANIFEST);
    assertThat(sync.manifest()).isEmpty();
    assertThat(sync.poll(100)).containsExactly(new StateSync.Request<>("b", StateSync.MANIFEST));
    assertThat(sync.excludedPeers()).containsOnlyKeys("liar");
  }
}
