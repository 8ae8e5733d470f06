package dev.canopy.state;

import dev.canopy.types.RequestId;
import dev.canopy.types.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The request status history, part of the replicated state: request id → status, sender,
 * effective id and {@code ingress_expiry}. Time is the batch time passed in, never a clock, and
 * every decision walks sorted structures, so replicas that apply the same batches agree.
 *
 * <p>Note (spec "Overview of canister calling"): a {@code replied} or {@code rejected} status is
 * kept at least until the call's {@code ingress_expiry} and at least {@link
 * IngressHistorySettings#outcomeRetentionNanos()} after it was set; it then becomes {@code done}
 * (the reply is dropped). A {@code done} status is removed only once the batch time is past the
 * call's expiry (replay protection) and {@link IngressHistorySettings#doneRetentionNanos()} after
 * it was set. Under pressure on the count or byte bound, the oldest outcomes become {@code done}
 * early, which the spec allows "in case of high load"; {@code received} and {@code processing}
 * calls are never dropped here, because execution still owns them.
 *
 * <p>Note: the entries are the certified tree's {@link RequestStatusTrie} and the deadline
 * indexes are {@link PersistentSortedMap}s, so {@link #copy()} takes O(1) and a round's changes
 * cost O(log n) each while the state before the round keeps sharing every untouched node with the
 * state after it. Keep it that way: a structure that has to be copied whole per round makes every
 * height cost the whole history, and certifying a height hashes only what the height changed.
 * The trie is the only map of the entries: a second map by id beside it doubled the walks from
 * the root of a structure of hundreds of thousands of calls, each level a likely cache miss
 * (bench/RESULTS.md, SubnetBench, sixth session).
 */
public final class IngressHistory {
  /** A deadline in batch time for one entry; ordered by time, then request id. */
  private record Due(long atNanos, RequestId requestId) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(atNanos, o.atNanos);
      return c != 0 ? c : requestId.compareTo(o.requestId);
    }
  }

  private final IngressHistorySettings settings;
  /** The entries, as the certified tree's {@code /request_status} trie. */
  private RequestStatusTrie statusTrie;
  /** Replied/rejected entries by the time they become done. */
  private PersistentSortedMap<Due, Boolean> outcomesDue;
  /** Replied/rejected entries by the time they were set: the order in which pressure forgets them. */
  private PersistentSortedMap<Due, Boolean> outcomesBySince;
  /** Done entries by the time they may be removed. */
  private PersistentSortedMap<Due, Boolean> doneDue;
  /** Done entries by expiry: under count pressure, those past expiry may go early. */
  private PersistentSortedMap<Due, Boolean> doneByExpiry;
  private long sizeBytes;
  private long lastBatchTimeNanos = Long.MIN_VALUE;
  /**
   * The ids that were given an outcome or became done since this history was {@link #copy()
   * copied} (a round's changes), in the order it happened; null for a history that was not made
   * by copying, whose changes are unknown. Not part of the replicated state: it tells whoever
   * waits for outcomes which ids to look at.
   */
  private final ArrayList<RequestId> settledSinceCopy;

  public IngressHistory(IngressHistorySettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.statusTrie = RequestStatusTrie.empty();
    this.outcomesDue = PersistentSortedMap.empty();
    this.outcomesBySince = PersistentSortedMap.empty();
    this.doneDue = PersistentSortedMap.empty();
    this.doneByExpiry = PersistentSortedMap.empty();
    this.settledSinceCopy = null;
  }

  /** A history holding {@code entries} (from a checkpoint), with its indexes rebuilt. */
  public static IngressHistory restore(
      IngressHistorySettings settings, Map<RequestId, IngressEntry> entries) {
    IngressHistory h = new IngressHistory(settings);
    for (Map.Entry<RequestId, IngressEntry> e : new TreeMap<>(entries).entrySet()) {
      h.insert(e.getKey(), e.getValue());
    }
    return h;
  }

  /**
   * A copy to change while this history stays as it is: equal to {@link #restore restoring} this
   * history's entries (the batch-time check starts afresh), but made in O(1): the copy shares this
   * history's persistent maps, and changing either replaces its own maps only.
   */
  public IngressHistory copy() {
    return new IngressHistory(this);
  }

  private IngressHistory(IngressHistory from) {
    this.settings = from.settings;
    this.statusTrie = from.statusTrie;
    this.outcomesDue = from.outcomesDue;
    this.outcomesBySince = from.outcomesBySince;
    this.doneDue = from.doneDue;
    this.doneByExpiry = from.doneByExpiry;
    this.sizeBytes = from.sizeBytes;
    this.settledSinceCopy = new ArrayList<>();
  }

  public IngressHistorySettings settings() {
    return settings;
  }

  public Optional<IngressEntry> get(RequestId requestId) {
    return Optional.ofNullable(statusTrie.get(requestId));
  }

  /**
   * Every remembered call, sorted by request id: an immutable snapshot (O(1)) of the history as it
   * is now, which later changes to this history do not affect.
   */
  public SortedMap<RequestId, IngressEntry> entries() {
    return statusTrie.asSortedMap();
  }

  /**
   * The entries as the certified tree's {@code /request_status} trie: an immutable snapshot (O(1))
   * that shares nodes, and the digests cached in them, with the tries of earlier heights.
   */
  public RequestStatusTrie statusTrie() {
    return statusTrie;
  }

  public int size() {
    return statusTrie.size();
  }

  /**
   * The ids that were given an outcome ({@code replied}, {@code rejected}) or became {@code done}
   * since this history was made by {@link #copy()}: for the history of a round's result, that
   * round's settled calls (an id may appear twice). Empty if this history was not made by copying
   * (a new or restored history), whose changes are unknown.
   */
  public Optional<List<RequestId>> settledSinceCopy() {
    return settledSinceCopy == null
        ? Optional.empty()
        : Optional.of(Collections.unmodifiableList(settledSinceCopy));
  }

  /** The bytes counted against {@link IngressHistorySettings#maxSizeBytes()}. */
  public long sizeBytes() {
    return sizeBytes;
  }

  /**
   * Whether a new call could be recorded at {@code nowNanos} as far as the count bound goes: there
   * is room, or a done call past its expiry that {@link #receiveIfNew} would remove. Read only.
   *
   * <p>Note: the HTTP interface asks the latest state before accepting a call, so that a history
   * at its bound refuses the call at once ("try again later") instead of taking a call execution
   * then cannot record (induction drops it, deterministically, and its sender would see no status).
   * It is advice, not the rule: calls pooled or in blocks meanwhile still take room first.
   */
  public boolean hasRoomForCallAt(long nowNanos) {
    return statusTrie.size() < settings.maxEntryCount()
        || (!doneByExpiry.isEmpty() && doneByExpiry.firstKey().atNanos() < nowNanos);
  }

  /**
   * Records a newly accepted call as {@code received}. Throws {@link IngressHistoryFullException}
   * if the history is at its bound even after forgetting what it may forget at {@code nowNanos}.
   */
  public void receive(
      RequestId requestId,
      Principal sender,
      EffectiveId effectiveId,
      long ingressExpiryNanos,
      long nowNanos) {
    if (!receiveIfNew(requestId, sender, effectiveId, ingressExpiryNanos, nowNanos)) {
      throw new IllegalStateException("request " + requestId + " is already in the history");
    }
  }

  /**
   * Like {@link #receive}, but a call the history already holds is left as it is: false then, and
   * true if the call was recorded.
   */
  public boolean receiveIfNew(
      RequestId requestId,
      Principal sender,
      EffectiveId effectiveId,
      long ingressExpiryNanos,
      long nowNanos) {
    advanceTo(nowNanos);
    if (statusTrie.get(requestId) != null) {
      return false;
    }
    IngressEntry entry =
        new IngressEntry(RequestStatus.RECEIVED, sender, effectiveId, ingressExpiryNanos, nowNanos);
    relievePressure(1, entry.sizeBytes(), nowNanos);
    if (statusTrie.size() + 1 > settings.maxEntryCount()
        || sizeBytes + entry.sizeBytes() > settings.maxSizeBytes()) {
      throw new IngressHistoryFullException(
          "the request status history holds "
              + statusTrie.size()
              + " calls ("
              + sizeBytes
              + " bytes) of at most "
              + settings.maxEntryCount()
              + " ("
              + settings.maxSizeBytes()
              + " bytes); try again after older calls expire");
    }
    insert(requestId, entry);
    return true;
  }

  /**
   * Moves a known call to {@code status} at batch time {@code nowNanos}. Allowed moves follow the
   * spec's diagram: received → processing, received or processing → replied or rejected (and
   * received → rejected, a system rejection), replied or rejected → done. Anything else is a bug in
   * the caller.
   */
  public void setStatus(RequestId requestId, RequestStatus status, long nowNanos) {
    advanceTo(nowNanos);
    IngressEntry old = statusTrie.get(requestId);
    if (old == null) {
      throw new IllegalStateException("request " + requestId + " is not in the history");
    }
    if (!allowed(old.status(), status)) {
      throw new IllegalStateException(
          "request " + requestId + " cannot move from " + old.status().label() + " to "
              + status.label());
    }
    replace(requestId, old, old.withStatus(status, nowNanos));
    relievePressure(0, 0, nowNanos);
  }

  /**
   * Like {@link #setStatus}, where the move is one the diagram allows from the call's status now;
   * a call the history does not hold, or whose status cannot move there (it was answered
   * already, say), is left as it is. True if the status was set.
   */
  public boolean setStatusIfAllowed(RequestId requestId, RequestStatus status, long nowNanos) {
    advanceTo(nowNanos);
    IngressEntry old = statusTrie.get(requestId);
    if (old == null || !allowed(old.status(), status)) {
      return false;
    }
    replace(requestId, old, old.withStatus(status, nowNanos));
    relievePressure(0, 0, nowNanos);
    return true;
  }

  private static boolean allowed(RequestStatus from, RequestStatus to) {
    if (from instanceof RequestStatus.Received) {
      return !(to instanceof RequestStatus.Received);
    }
    if (from instanceof RequestStatus.Processing) {
      return to.isTerminalWithOutcome() || to instanceof RequestStatus.Done;
    }
    if (from.isTerminalWithOutcome()) {
      return to instanceof RequestStatus.Done;
    }
    return false;
  }

  /**
   * Applies the retention rules at batch time {@code nowNanos}: outcomes past their retention
   * become {@code done}, {@code done} entries past theirs are removed, and the bounds are
   * enforced. Call once per batch, before the round.
   */
  public void prune(long nowNanos) {
    advanceTo(nowNanos);
    while (!outcomesDue.isEmpty() && outcomesDue.firstKey().atNanos() <= nowNanos) {
      forgetOutcome(outcomesDue.firstKey().requestId(), nowNanos);
    }
    while (!doneDue.isEmpty() && doneDue.firstKey().atNanos() <= nowNanos) {
      remove(doneDue.firstKey().requestId());
    }
    relievePressure(0, 0, nowNanos);
  }

  private void advanceTo(long nowNanos) {
    if (nowNanos < lastBatchTimeNanos) {
      throw new IllegalArgumentException(
          "batch time went backwards: " + nowNanos + " after " + lastBatchTimeNanos);
    }
    lastBatchTimeNanos = nowNanos;
  }

  /** Makes room for {@code extraCount} more calls of {@code extraBytes}, as far as allowed. */
  private void relievePressure(int extraCount, long extraBytes, long nowNanos) {
    // Removing done entries past their expiry frees count and bytes without any replay risk.
    while (overBound(extraCount, extraBytes)
        && !doneByExpiry.isEmpty()
        && doneByExpiry.firstKey().atNanos() < nowNanos) {
      remove(doneByExpiry.firstKey().requestId());
    }
    // Forgetting outcomes frees bytes only; the calls stay as done until their expiry.
    while (sizeBytes + extraBytes > settings.maxSizeBytes() && !outcomesBySince.isEmpty()) {
      forgetOutcome(outcomesBySince.firstKey().requestId(), nowNanos);
    }
  }

  private boolean overBound(int extraCount, long extraBytes) {
    return statusTrie.size() + extraCount > settings.maxEntryCount()
        || sizeBytes + extraBytes > settings.maxSizeBytes();
  }

  private void forgetOutcome(RequestId requestId, long nowNanos) {
    IngressEntry old = statusTrie.get(requestId);
    replace(requestId, old, old.withStatus(RequestStatus.DONE, nowNanos));
  }

  private void insert(RequestId requestId, IngressEntry entry) {
    statusTrie = statusTrie.with(requestId, entry);
    sizeBytes += entry.sizeBytes();
    index(requestId, entry, true);
  }

  /** Like {@link #remove} then {@link #insert}, but each map changes one path, not two. */
  private void replace(RequestId requestId, IngressEntry old, IngressEntry entry) {
    if (settledSinceCopy != null
        && (entry.status().isTerminalWithOutcome() || entry.status() instanceof RequestStatus.Done)) {
      settledSinceCopy.add(requestId);
    }
    statusTrie = statusTrie.with(requestId, entry);
    sizeBytes += entry.sizeBytes() - old.sizeBytes();
    index(requestId, old, false);
    index(requestId, entry, true);
  }

  private IngressEntry remove(RequestId requestId) {
    IngressEntry entry = statusTrie.get(requestId);
    statusTrie = statusTrie.without(requestId);
    sizeBytes -= entry.sizeBytes();
    index(requestId, entry, false);
    return entry;
  }

  /** Adds an entry's deadlines to the indexes, or removes them. */
  private void index(RequestId requestId, IngressEntry entry, boolean add) {
    RequestStatus s = entry.status();
    if (s.isTerminalWithOutcome()) {
      long doneAt =
          Math.max(
              entry.ingressExpiryNanos(),
              saturatingAdd(entry.statusSinceNanos(), settings.outcomeRetentionNanos()));
      outcomesDue = update(outcomesDue, new Due(doneAt, requestId), add);
      outcomesBySince = update(outcomesBySince, new Due(entry.statusSinceNanos(), requestId), add);
    } else if (s instanceof RequestStatus.Done) {
      // Removal only strictly after the expiry: at the expiry itself the call could still be new.
      long removeAt =
          Math.max(
              saturatingAdd(entry.ingressExpiryNanos(), 1),
              saturatingAdd(entry.statusSinceNanos(), settings.doneRetentionNanos()));
      doneDue = update(doneDue, new Due(removeAt, requestId), add);
      doneByExpiry = update(doneByExpiry, new Due(entry.ingressExpiryNanos(), requestId), add);
    }
  }

  private static PersistentSortedMap<Due, Boolean> update(
      PersistentSortedMap<Due, Boolean> set, Due due, boolean add) {
    return add ? set.with(due, Boolean.TRUE) : set.without(due);
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }
}
