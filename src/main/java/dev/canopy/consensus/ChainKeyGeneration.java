package dev.canopy.consensus;

import dev.canopy.consensus.KeyGeneration.Key;
import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgDealing;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The dealings and complaints one chain holds: a {@link KeyGenerationRecord} (the finalized chain
 * up to its height) and the blocks above it up to some block, which may not be finalized yet. What
 * block makers and validators consult so that no dealer deals twice and no receiver complains
 * twice along a chain. Mutable, for one decision only.
 */
final class ChainKeyGeneration {
  private final KeyGeneration setup;
  private final Map<Key, TreeMap<Integer, DkgDealing>> dealings = new EnumMap<>(Key.class);
  private final Map<Key, TreeSet<Long>> complaints = new EnumMap<>(Key.class);

  private ChainKeyGeneration(KeyGeneration setup) {
    this.setup = setup;
    for (Key k : Key.values()) {
      dealings.put(k, new TreeMap<>());
      complaints.put(k, new TreeSet<>());
    }
  }

  /** What the record holds. */
  static ChainKeyGeneration of(KeyGenerationRecord record) {
    ChainKeyGeneration chain = new ChainKeyGeneration(record.setup());
    for (Key k : Key.values()) {
      record.dealings(k).forEach(chain::add);
      record.complaints(k).forEach(chain::add);
    }
    return chain;
  }

  /**
   * What the chain ending in block {@code blockHash} of {@code height} holds: the record's, and the
   * blocks above the record's height; empty if one of those blocks is not at hand.
   */
  static Optional<ChainKeyGeneration> of(
      KeyGenerationRecord record, ConsensusStep.BlockLookup blocks, long height, Hash blockHash) {
    List<Block> above = new ArrayList<>();
    long h = height;
    Hash hash = blockHash;
    while (h > record.height()) {
      Optional<Block> b = blocks.find(h, hash);
      if (b.isEmpty()) {
        return Optional.empty();
      }
      above.add(b.get());
      hash = b.get().parentHash();
      h--;
    }
    ChainKeyGeneration chain = of(record);
    for (Block b : above) {
      DkgPayload payload = b.payload().keyGeneration();
      payload.dealings().forEach(chain::add);
      payload.complaints().forEach(chain::add);
    }
    return Optional.of(chain);
  }

  ChainKeyGeneration copy() {
    ChainKeyGeneration c = new ChainKeyGeneration(setup);
    for (Key k : Key.values()) {
      c.dealings.get(k).putAll(dealings.get(k));
      c.complaints.get(k).addAll(complaints.get(k));
    }
    return c;
  }

  void add(Artifact.KeyDealing d) {
    setup.keyOf(d.dealing().instanceId())
        .ifPresent(k -> dealings.get(k).putIfAbsent(d.dealing().dealerIndex(), d.dealing()));
  }

  void add(Artifact.KeyComplaint c) {
    DkgComplaint k = c.complaint();
    setup.keyOf(k.instanceId()).ifPresent(key -> complaints.get(key).add(slot(k.dealerIndex(), k.receiverIndex())));
  }

  Optional<DkgDealing> dealing(Key key, int dealerIndex) {
    return Optional.ofNullable(dealings.get(key).get(dealerIndex));
  }

  boolean hasComplaint(Key key, int dealerIndex, int receiverIndex) {
    return complaints.get(key).contains(slot(dealerIndex, receiverIndex));
  }

  private static long slot(int dealerIndex, int receiverIndex) {
    return ((long) dealerIndex << 32) | receiverIndex;
  }
}
