package dev.canopy.ingress;

import dev.canopy.types.RequestId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The call messages this replica has accepted and not yet seen in a finalized block, keyed by
 * request id, in the order they arrived.
 *
 * <p>Not thread-safe, on purpose: one actor owns the pool and is the only one to call it. Every
 * decision is a function of the calls made and the times passed in (no clock, no hash order), so
 * two pools fed the same calls select the same messages.
 *
 * <p>Note: a resubmitted request (same request id) is a {@link Admission.Duplicate}. The reference
 * replica answers it like the first submission (202 at {@code /api/v2/.../call}), since resending
 * is harmless (spec "Overview of canister calling": "pointless (but harmless)"). Once a message
 * has left the pool for a block, telling a later resubmission apart is the state's job (the
 * request status of {@code request_status/<id>}), not the pool's.
 */
public final class IngressPool {
  /** A message held by the pool. */
  public record PooledMessage(ValidatedRequest<CallContent> request, long arrival) {
    public PooledMessage {
      Objects.requireNonNull(request, "request");
    }

    public RequestId requestId() {
      return request.requestId();
    }

    public Envelope<CallContent> envelope() {
      return request.envelope();
    }

    public long ingressExpiryNs() {
      return request.content().ingressExpiryNs();
    }

    /** What the message counts against {@link IngressPoolLimits#maxTotalBytes()}. */
    public int sizeBytes() {
      return request.envelope().encodedSizeBytes();
    }
  }

  /** The answer to {@link #add}. */
  public sealed interface Admission {
    /** The message is in the pool now. */
    record Added(RequestId requestId) implements Admission {}

    /** A message with this request id is already in the pool; nothing changed. */
    record Duplicate(RequestId requestId) implements Admission {}

    /** The message had expired by the time it reached the pool; nothing changed. */
    record Expired(RequestId requestId) implements Admission {}

    /** The pool is at a bound; nothing changed. {@link #toRejection()} is the HTTP answer. */
    record Full(RequestId requestId, String detail) implements Admission {
      /**
       * Note: 503, as the reference replica answers when its ingress pool is full ("Service is
       * overloaded, try again later."); agents retry any non-4xx answer.
       */
      public IngressRejection toRejection() {
        return new IngressRejection(
            IngressRejection.Reason.OVERLOADED, "Service is overloaded, try again later. " + detail);
      }
    }
  }

  private final IngressPoolLimits limits;
  private final LinkedHashMap<RequestId, PooledMessage> messages = new LinkedHashMap<>();
  private long totalBytes;
  private long arrivals;

  public IngressPool(IngressPoolLimits limits) {
    this.limits = limits;
  }

  public IngressPoolLimits limits() {
    return limits;
  }

  /** Adds an accepted call unless it is a duplicate, has expired at {@code nowNs} or would not fit. */
  public Admission add(ValidatedRequest<CallContent> request, long nowNs) {
    RequestId id = request.requestId();
    if (messages.containsKey(id)) {
      return new Admission.Duplicate(id);
    }
    if (Long.compareUnsigned(request.content().ingressExpiryNs(), nowNs) < 0) {
      return new Admission.Expired(id);
    }
    int size = request.envelope().encodedSizeBytes();
    if (messages.size() >= limits.maxMessages()) {
      return new Admission.Full(
          id, "The ingress pool holds " + messages.size() + " messages, its maximum.");
    }
    if (totalBytes + size > limits.maxTotalBytes()) {
      return new Admission.Full(
          id,
          "The ingress pool holds " + totalBytes + " bytes; a message of " + size
              + " bytes would pass its maximum of " + limits.maxTotalBytes() + " bytes.");
    }
    messages.put(id, new PooledMessage(request, arrivals++));
    totalBytes += size;
    return new Admission.Added(id);
  }

  public boolean contains(RequestId id) {
    return messages.containsKey(id);
  }

  public Optional<PooledMessage> get(RequestId id) {
    return Optional.ofNullable(messages.get(id));
  }

  public int size() {
    return messages.size();
  }

  public long totalBytes() {
    return totalBytes;
  }

  /** Drops every message whose {@code ingress_expiry} is before {@code nowNs}; returns how many. */
  public int purgeExpired(long nowNs) {
    int removed = 0;
    for (Iterator<PooledMessage> it = messages.values().iterator(); it.hasNext(); ) {
      PooledMessage m = it.next();
      if (Long.compareUnsigned(m.ingressExpiryNs(), nowNs) < 0) {
        it.remove();
        totalBytes -= m.sizeBytes();
        removed++;
      }
    }
    return removed;
  }

  /**
   * The messages to put in a block made at {@code blockTimeNs}: in arrival order, those whose
   * expiry lies in {@code [blockTime, blockTime + maxIngressTtl]}, skipping any that would pass
   * {@code maxBytes}, up to {@code maxCount}. The pool is unchanged; messages leave it through
   * {@link #removeIncluded} once their block is finalized.
   */
  public List<PooledMessage> selectForBlock(long blockTimeNs, int maxCount, long maxBytes) {
    if (maxCount < 0 || maxBytes < 0) {
      throw new IllegalArgumentException("maxCount and maxBytes must be non-negative");
    }
    long latestExpiry = blockTimeNs + limits.maxIngressTtlNs();
    if (Long.compareUnsigned(latestExpiry, blockTimeNs) < 0) {
      latestExpiry = -1L; // saturate at 2^64-1
    }
    List<PooledMessage> selected = new ArrayList<>();
    long bytes = 0;
    for (PooledMessage m : messages.values()) {
      if (selected.size() >= maxCount) {
        break;
      }
      long expiry = m.ingressExpiryNs();
      if (Long.compareUnsigned(expiry, blockTimeNs) < 0
          || Long.compareUnsigned(expiry, latestExpiry) > 0
          || bytes + m.sizeBytes() > maxBytes) {
        continue;
      }
      selected.add(m);
      bytes += m.sizeBytes();
    }
    return selected;
  }

  /** Removes the messages of a finalized block; ids not in the pool are ignored. Returns how many left. */
  public int removeIncluded(Collection<RequestId> ids) {
    int removed = 0;
    for (RequestId id : ids) {
      PooledMessage m = messages.remove(id);
      if (m != null) {
        totalBytes -= m.sizeBytes();
        removed++;
      }
    }
    return removed;
  }
}
