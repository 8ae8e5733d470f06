package dev.canopy.consensus;

import static dev.canopy.consensus.CborFields.b;
import static dev.canopy.consensus.CborFields.u;

import dev.canopy.consensus.KeyGeneration.Key;
import dev.canopy.crypto.dkg.Dkg;
import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgDealing;
import dev.canopy.crypto.dkg.DkgException;
import dev.canopy.crypto.dkg.DkgTranscript;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * What the finalized chain up to {@link #height()} holds of the key generation: every dealing and
 * complaint its blocks carried (blocks are validated, so at most one dealing per dealer and key,
 * and one complaint per receiver, dealer and key), and whether it closed, at which height.
 *
 * <p>Immutable; {@link #append} folds in the next finalized block's payload and, at a closing
 * height, decides whether the key generation closes: when the dealings and complaints on record
 * give a transcript for both keys ({@link Dkg#transcript}: invalid dealings dropped, dealers that a
 * valid complaint convicts disqualified, the required number of lowest-indexed dealers chosen).
 * Every replica folds the same blocks, so every replica closes at the same height with the same
 * transcripts, and computes its own secret shares from them with its own decryption key.
 *
 * <p>Canonical CBOR ({@link #encode}) so the state manager can keep it with the state: a replica
 * that restarts, or lost its key share file, finds here what it needs. A closed record's {@link
 * #outcome} is what catch-up packages carry.
 */
public final class KeyGenerationRecord {
  /**
   * Most bytes an encoded {@link #outcome} has for a subnet of up to 64 replicas (the genesis's
   * limit): f + 1 beacon and n − f certification dealings of at most about 10 KB each at n = 64
   * (about 0.6 MB; measured in the tests), with room to spare.
   */
  public static final int MAX_OUTCOME_BYTES = 1 << 20;
  private static final long FORMAT_VERSION = 1;
  private static final CborDecoder DECODER =
      CborDecoder.builder().limits(CborLimits.DEFAULT.withMaxSizeBytes(64 << 20).withMaxDepth(8)).build();

  private final KeyGeneration setup;
  private final long height;
  private final long closedAt; // -1 while open
  // Per key: dealer index → dealing; (dealer, receiver) → complaint. Sorted, so iteration is fixed.
  private final Map<Key, TreeMap<Integer, Artifact.KeyDealing>> dealings;
  private final Map<Key, TreeMap<Long, Artifact.KeyComplaint>> complaints;
  private final Map<Key, DkgTranscript> transcripts;
  private KeyGenerationRecord outcome; // computed once, for a closed record

  private KeyGenerationRecord(KeyGeneration setup, long height, long closedAt,
      Map<Key, TreeMap<Integer, Artifact.KeyDealing>> dealings,
      Map<Key, TreeMap<Long, Artifact.KeyComplaint>> complaints, Map<Key, DkgTranscript> transcripts) {
    this.setup = setup;
    this.height = height;
    this.closedAt = closedAt;
    this.dealings = dealings;
    this.complaints = complaints;
    this.transcripts = transcripts;
  }

  static KeyGenerationRecord empty(KeyGeneration setup) {
    Map<Key, TreeMap<Integer, Artifact.KeyDealing>> d = new EnumMap<>(Key.class);
    Map<Key, TreeMap<Long, Artifact.KeyComplaint>> c = new EnumMap<>(Key.class);
    for (Key k : Key.values()) {
      d.put(k, new TreeMap<>());
      c.put(k, new TreeMap<>());
    }
    return new KeyGenerationRecord(setup, 0, -1, d, c, Map.of());
  }

  private static long complaintSlot(int dealerIndex, int receiverIndex) {
    return ((long) dealerIndex << 32) | receiverIndex;
  }

  public KeyGeneration setup() {
    return setup;
  }

  /** The height of the last block folded in. */
  public long height() {
    return height;
  }

  public boolean isClosed() {
    return closedAt >= 0;
  }

  /** The height at which the key generation closed: the last height of the bootstrap interval. */
  public OptionalLong closedAtHeight() {
    return closedAt >= 0 ? OptionalLong.of(closedAt) : OptionalLong.empty();
  }

  /**
   * The last height whose beacon is a bootstrap beacon, as far as this record can tell: its
   * closing height once closed, else the next closing height above it (beyond which nobody
   * knows yet whether the threshold keys take over).
   */
  public long lastBootstrapHeightKnown() {
    return closedAt >= 0 ? closedAt : setup.schedule().nextClosingHeightAfter(height);
  }

  public Optional<Artifact.KeyDealing> dealing(Key key, int dealerIndex) {
    return Optional.ofNullable(dealings.get(key).get(dealerIndex));
  }

  public boolean hasComplaint(Key key, int dealerIndex, int receiverIndex) {
    return complaints.get(key).containsKey(complaintSlot(dealerIndex, receiverIndex));
  }

  public List<Artifact.KeyDealing> dealings(Key key) {
    return List.copyOf(dealings.get(key).values());
  }

  public List<Artifact.KeyComplaint> complaints(Key key) {
    return List.copyOf(complaints.get(key).values());
  }

  /** The transcript of {@code key}; only once closed. */
  public DkgTranscript transcript(Key key) {
    if (!isClosed()) {
      throw new IllegalStateException("the key generation has not closed");
    }
    return transcripts.get(key);
  }

  /**
   * This record with the finalized block of {@code blockHeight} (the next height) folded in, and,
   * at a closing height, closed if the record now gives both transcripts. A closed record takes
   * nothing more: later blocks carry no key generation payload.
   */
  public KeyGenerationRecord append(long blockHeight, DkgPayload payload) {
    if (blockHeight != height + 1) {
      throw new IllegalArgumentException("the record is at height " + height + "; the next block is "
          + (height + 1) + ", not " + blockHeight);
    }
    if (isClosed()) {
      if (!payload.isEmpty()) {
        throw new IllegalArgumentException("a block after the key generation closed carries " + payload);
      }
      return new KeyGenerationRecord(setup, blockHeight, closedAt, dealings, complaints, transcripts);
    }
    Map<Key, TreeMap<Integer, Artifact.KeyDealing>> d = dealings;
    Map<Key, TreeMap<Long, Artifact.KeyComplaint>> c = complaints;
    if (!payload.isEmpty()) {
      d = copy(dealings);
      c = copy(complaints);
      for (Artifact.KeyDealing dealing : payload.dealings()) {
        Key key = keyOf(dealing.dealing().instanceId());
        d.get(key).putIfAbsent(dealing.dealing().dealerIndex(), dealing);
      }
      for (Artifact.KeyComplaint complaint : payload.complaints()) {
        DkgComplaint k = complaint.complaint();
        Key key = keyOf(k.instanceId());
        c.get(key).putIfAbsent(complaintSlot(k.dealerIndex(), k.receiverIndex()), complaint);
      }
    }
    if (setup.schedule().isClosingHeight(blockHeight)) {
      Optional<Map<Key, DkgTranscript>> closed = tryClose(d, c);
      if (closed.isPresent()) {
        return new KeyGenerationRecord(setup, blockHeight, blockHeight, d, c, closed.get());
      }
    }
    return new KeyGenerationRecord(setup, blockHeight, -1, d, c, Map.of());
  }

  private Key keyOf(byte[] instanceId) {
    return setup.keyOf(instanceId).orElseThrow(() ->
        new IllegalArgumentException("a finalized block carries an artifact of another key generation"));
  }

  private Optional<Map<Key, DkgTranscript>> tryClose(
      Map<Key, TreeMap<Integer, Artifact.KeyDealing>> d, Map<Key, TreeMap<Long, Artifact.KeyComplaint>> c) {
    Map<Key, DkgTranscript> out = new EnumMap<>(Key.class);
    for (Key key : Key.values()) {
      List<DkgDealing> ds = new ArrayList<>();
      d.get(key).values().forEach(k -> ds.add(k.dealing()));
      List<DkgComplaint> cs = new ArrayList<>();
      c.get(key).values().forEach(k -> cs.add(k.complaint()));
      try {
        out.put(key, Dkg.transcript(setup.config(key), ds, cs));
      } catch (DkgException e) {
        if (e.reason() != DkgException.Reason.TOO_FEW_DEALINGS) {
          throw e;
        }
        return Optional.empty(); // not enough yet: the bootstrap interval goes on
      }
    }
    return Optional.of(Collections.unmodifiableMap(out));
  }

  /**
   * A closed record reduced to what its keys are made of: the dealings its transcripts chose, no
   * complaints, at its closing height. It gives the same transcripts, hence the same keys and the
   * same shares, and is its own outcome, so every replica computes the same outcome bytes from the
   * full record or from an outcome it installed.
   *
   * <p>Note: catch-up packages carry the outcome, not the whole record. The whole record holds a
   * dealing of every dealer and up to one complaint per dealer, receiver and key (2n² of them),
   * several MB for a large subnet; the outcome holds f + 1 + n − f dealings and stays within
   * {@link #MAX_OUTCOME_BYTES}. Nothing after the closing height needs the rest: the complaints
   * only decided which dealings the transcripts chose.
   *
   * @throws IllegalStateException if the record is open
   */
  public synchronized KeyGenerationRecord outcome() {
    if (!isClosed()) {
      throw new IllegalStateException("the key generation has not closed");
    }
    if (outcome == null) {
      Map<Key, TreeMap<Integer, Artifact.KeyDealing>> chosen = copy(empty(setup).dealings);
      for (Key key : Key.values()) {
        for (DkgDealing d : transcripts.get(key).dealings()) {
          chosen.get(key).put(d.dealerIndex(), dealings.get(key).get(d.dealerIndex()));
        }
      }
      Map<Key, TreeMap<Long, Artifact.KeyComplaint>> none = copy(empty(setup).complaints);
      if (chosen.equals(dealings) && none.equals(complaints) && height == closedAt) {
        outcome = this;
      } else {
        Map<Key, DkgTranscript> again = tryClose(chosen, none).orElseThrow(() ->
            new IllegalStateException("the chosen dealings no longer give the transcripts"));
        outcome = new KeyGenerationRecord(setup, closedAt, closedAt, chosen, none, again);
        outcome.outcome = outcome;
      }
    }
    return outcome;
  }

  private static <K, V> Map<Key, TreeMap<K, V>> copy(Map<Key, TreeMap<K, V>> m) {
    Map<Key, TreeMap<K, V>> out = new EnumMap<>(Key.class);
    m.forEach((k, v) -> out.put(k, new TreeMap<>(v)));
    return out;
  }

  // ---- persistence ----

  /**
   * {@code {"version": 1, "height": uint, "closed_at": uint (when closed), "dealings": [bytes…],
   * "complaints": [[complaint, signer, signature]…]}}, both lists in key, then dealer (then receiver)
   * order.
   */
  public byte[] encode() {
    List<Artifact.KeyDealing> allDealings = new ArrayList<>();
    List<Artifact.KeyComplaint> allComplaints = new ArrayList<>();
    for (Key key : Key.values()) {
      allDealings.addAll(dealings.get(key).values());
      allComplaints.addAll(complaints.get(key).values());
    }
    CborMap payload = new DkgPayload(allDealings, allComplaints).toCbor();
    CborMap.Builder map = CborMap.builder()
        .put("version", u(FORMAT_VERSION))
        .put("height", u(height))
        .put("dealings", payload.require("dealings"))
        .put("complaints", payload.require("complaints"));
    if (closedAt >= 0) {
      map.put("closed_at", u(closedAt));
    }
    return CborEncoder.encode(map.build());
  }

  /**
   * The record {@link #encode} wrote, for the subnet {@code setup} describes; recomputes the
   * transcripts of a closed record (and checks that it still closes).
   *
   * @throws InvalidInputException if the bytes are not such a record
   */
  public static KeyGenerationRecord decode(KeyGeneration setup, byte[] bytes) {
    CborMap map = DECODER.decodeMap(bytes, "key generation record");
    long version = map.getLong("version");
    if (version != FORMAT_VERSION) {
      throw new InvalidInputException("key generation record version " + version + " is not supported");
    }
    long height = map.getLong("height");
    OptionalLong closedAt = map.findUnsigned("closed_at").stream().mapToLong(v -> v.longValueExact()).findFirst();
    DkgPayload content;
    CborArray dealings = map.getArray("dealings");
    CborArray complaints = map.getArray("complaints");
    if (dealings.size() == 0 && complaints.size() == 0) {
      content = DkgPayload.EMPTY;
    } else {
      content = DkgPayload.fromCbor(CborMap.builder().put("dealings", dealings).put("complaints", complaints).build());
    }
    KeyGenerationRecord empty = empty(setup);
    Map<Key, TreeMap<Integer, Artifact.KeyDealing>> d = copy(empty.dealings);
    Map<Key, TreeMap<Long, Artifact.KeyComplaint>> c = copy(empty.complaints);
    try {
      for (Artifact.KeyDealing dealing : content.dealings()) {
        Key key = empty.keyOf(dealing.dealing().instanceId());
        if (d.get(key).put(dealing.dealing().dealerIndex(), dealing) != null) {
          throw new InvalidInputException("two dealings of one dealer in the record");
        }
      }
      for (Artifact.KeyComplaint complaint : content.complaints()) {
        DkgComplaint k = complaint.complaint();
        Key key = empty.keyOf(k.instanceId());
        if (c.get(key).put(complaintSlot(k.dealerIndex(), k.receiverIndex()), complaint) != null) {
          throw new InvalidInputException("two complaints of one receiver about one dealer in the record");
        }
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(e.getMessage());
    }
    if (closedAt.isEmpty()) {
      return new KeyGenerationRecord(setup, height, -1, d, c, Map.of());
    }
    if (closedAt.getAsLong() > height || !setup.schedule().isClosingHeight(closedAt.getAsLong())) {
      throw new InvalidInputException("the record closed at " + closedAt.getAsLong()
          + ", which is no closing height at or below its height " + height);
    }
    Optional<Map<Key, DkgTranscript>> transcripts = empty.tryClose(d, c);
    if (transcripts.isEmpty()) {
      throw new InvalidInputException("the record says it closed, but its dealings give no transcript");
    }
    return new KeyGenerationRecord(setup, height, closedAt.getAsLong(), d, c, transcripts.get());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyGenerationRecord r && height == r.height && closedAt == r.closedAt
        && dealings.equals(r.dealings) && complaints.equals(r.complaints);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(height) * 31 + Long.hashCode(closedAt);
  }

  @Override
  public String toString() {
    int d = 0;
    int c = 0;
    for (Key k : Key.values()) {
      d += dealings.get(k).size();
      c += complaints.get(k).size();
    }
    return "KeyGenerationRecord[height " + height + ", " + d + " dealings, " + c + " complaints, "
        + (closedAt >= 0 ? "closed at " + closedAt : "open") + "]";
  }
}
