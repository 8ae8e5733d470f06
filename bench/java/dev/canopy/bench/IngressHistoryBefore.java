package dev.canopy.bench;

import dev.canopy.state.EffectiveId;
import dev.canopy.state.IngressEntry;
import dev.canopy.state.IngressHistoryFullException;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.state.RequestStatus;

import dev.canopy.types.RequestId;
import dev.canopy.types.Principal;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The request status history as it was before it became persistent (main at b054e4b, only the
 * package and the entry constructor changed): sorted maps and sets copied whole by {@link #copy()}.
 * Kept in the bench only as the same-run baseline of {@link IngressHistoryBench}.
 */
final class IngressHistoryBefore {
  /** A deadline in batch time for one entry; ordered by time, then request id. */
  private record Due(long atNanos, RequestId requestId) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = Long.compare(atNanos, o.atNanos);
      return c != 0 ? c : requestId.compareTo(o.requestId);
    }
  }

  private final IngressHistorySettings settings;
  private final TreeMap<RequestId, IngressEntry> entries;
  /** Replied/rejected entries by the time they become done. */
  private final TreeSet<Due> outcomesDue;
  /** Replied/rejected entries by the time they were set: the order in which pressure forgets them. */
  private final TreeSet<Due> outcomesBySince;
  /** Done entries by the time they may be removed. */
  private final TreeSet<Due> doneDue;
  /** Done entries by expiry: under count pressure, those past expiry may go early. */
  private final TreeSet<Due> doneByExpiry;
  private long sizeBytes;
  private long lastBatchTimeNanos = Long.MIN_VALUE;

  IngressHistoryBefore(IngressHistorySettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.entries = new TreeMap<>();
    this.outcomesDue = new TreeSet<>();
    this.outcomesBySince = new TreeSet<>();
    this.doneDue = new TreeSet<>();
    this.doneByExpiry = new TreeSet<>();
  }

  /** A history holding {@code entries} (from a checkpoint), with its indexes rebuilt. */
  static IngressHistoryBefore restore(
      IngressHistorySettings settings, Map<RequestId, IngressEntry> entries) {
    IngressHistoryBefore h = new IngressHistoryBefore(settings);
    for (Map.Entry<RequestId, IngressEntry> e : new TreeMap<>(entries).entrySet()) {
      h.insert(e.getKey(), e.getValue());
    }
    return h;
  }

  /**
   * A copy to change while this history stays as it is: equal to {@link #restore restoring} this
   * history's entries (the batch-time check starts afresh), but made in time linear in its size
   * (sorted structures copied as they are, no index rebuilt), since the round executor copies the
   * history once per batch.
   */
  public IngressHistoryBefore copy() {
    return new IngressHistoryBefore(this);
  }

  private IngressHistoryBefore(IngressHistoryBefore from) {
    this.settings = from.settings;
    this.entries = new TreeMap<>(from.entries);
    this.outcomesDue = new TreeSet<>(from.outcomesDue);
    this.outcomesBySince = new TreeSet<>(from.outcomesBySince);
    this.doneDue = new TreeSet<>(from.doneDue);
    this.doneByExpiry = new TreeSet<>(from.doneByExpiry);
    this.sizeBytes = from.sizeBytes;
  }

  public IngressHistorySettings settings() {
    return settings;
  }

  public Optional<IngressEntry> get(RequestId requestId) {
    return Optional.ofNullable(entries.get(requestId));
  }

  /** Every remembered call, sorted by request id; read-only and live. */
  public SortedMap<RequestId, IngressEntry> entries() {
    return Collections.unmodifiableSortedMap(entries);
  }

  public int size() {
    return entries.size();
  }

  /** The bytes counted against {@link IngressHistorySettings#maxSizeBytes()}. */
  public long sizeBytes() {
    return sizeBytes;
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
    advanceTo(nowNanos);
    if (entries.containsKey(requestId)) {
      throw new IllegalStateException("request " + requestId + " is already in the history");
    }
    IngressEntry entry =
        new IngressEntry(RequestStatus.RECEIVED, sender, effectiveId, ingressExpiryNanos, nowNanos);
    relievePressure(1, entry.sizeBytes(), nowNanos);
    if (entries.size() + 1 > settings.maxEntryCount()
        || sizeBytes + entry.sizeBytes() > settings.maxSizeBytes()) {
      throw new IngressHistoryFullException(
          "the request status history holds "
              + entries.size()
              + " calls ("
              + sizeBytes
              + " bytes) of at most "
              + settings.maxEntryCount()
              + " ("
              + settings.maxSizeBytes()
              + " bytes); try again after older calls expire");
    }
    insert(requestId, entry);
  }

  /**
   * Moves a known call to {@code status} at batch time {@code nowNanos}. Allowed moves follow the
   * spec's diagram: received → processing, received or processing → replied or rejected (and
   * received → rejected, a system rejection), replied or rejected → done. Anything else is a bug in
   * the caller.
   */
  public void setStatus(RequestId requestId, RequestStatus status, long nowNanos) {
    advanceTo(nowNanos);
    IngressEntry old = entries.get(requestId);
    if (old == null) {
      throw new IllegalStateException("request " + requestId + " is not in the history");
    }
    if (!allowed(old.status(), status)) {
      throw new IllegalStateException(
          "request " + requestId + " cannot move from " + old.status().label() + " to "
              + status.label());
    }
    remove(requestId);
    insert(requestId, withStatus(old, status, nowNanos));
    relievePressure(0, 0, nowNanos);
  }

  private static IngressEntry withStatus(IngressEntry e, RequestStatus status, long nowNanos) {
    return new IngressEntry(status, e.sender(), e.effectiveId(), e.ingressExpiryNanos(), nowNanos);
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
    while (!outcomesDue.isEmpty() && outcomesDue.first().atNanos() <= nowNanos) {
      forgetOutcome(outcomesDue.first().requestId(), nowNanos);
    }
    while (!doneDue.isEmpty() && doneDue.first().atNanos() <= nowNanos) {
      remove(doneDue.first().requestId());
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
        && doneByExpiry.first().atNanos() < nowNanos) {
      remove(doneByExpiry.first().requestId());
    }
    // Forgetting outcomes frees bytes only; the calls stay as done until their expiry.
    while (sizeBytes + extraBytes > settings.maxSizeBytes() && !outcomesBySince.isEmpty()) {
      forgetOutcome(outcomesBySince.first().requestId(), nowNanos);
    }
  }

  private boolean overBound(int extraCount, long extraBytes) {
    return entries.size() + extraCount > settings.maxEntryCount()
        || sizeBytes + extraBytes > settings.maxSizeBytes();
  }

  private void forgetOutcome(RequestId requestId, long nowNanos) {
    IngressEntry old = remove(requestId);
    insert(requestId, withStatus(old, RequestStatus.DONE, nowNanos));
  }

  private void insert(RequestId requestId, IngressEntry entry) {
    entries.put(requestId, entry);
    sizeBytes += entry.sizeBytes();
    index(requestId, entry, true);
  }

  private IngressEntry remove(RequestId requestId) {
    IngressEntry entry = entries.remove(requestId);
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
      update(outcomesDue, new Due(doneAt, requestId), add);
      update(outcomesBySince, new Due(entry.statusSinceNanos(), requestId), add);
    } else if (s instanceof RequestStatus.Done) {
      // Removal only strictly after the expiry: at the expiry itself the call could still be new.
      long removeAt =
          Math.max(
              saturatingAdd(entry.ingressExpiryNanos(), 1),
              saturatingAdd(entry.statusSinceNanos(), settings.doneRetentionNanos()));
      update(doneDue, new Due(removeAt, requestId), add);
      update(doneByExpiry, new Due(entry.ingressExpiryNanos(), requestId), add);
    }
  }

  private static void update(TreeSet<Due> set, Due due, boolean add) {
    if (add) {
      set.add(due);
    } else {
      set.remove(due);
    }
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }
}
