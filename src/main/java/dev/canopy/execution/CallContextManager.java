package dev.canopy.execution;

import java.math.BigInteger;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A canister's open call contexts and the callbacks of its outstanding calls. Immutable: every
 * change returns a new manager (the maps are small; a canister rarely has many calls open).
 */
public final class CallContextManager {
  public static final CallContextManager EMPTY =
      new CallContextManager(new TreeMap<>(), new TreeMap<>(), 0, 0);

  private final TreeMap<Long, CallContext> contexts;
  private final TreeMap<Long, OutstandingCall> callbacks;
  private final long nextContextId;
  private final long nextCallbackId;

  private CallContextManager(TreeMap<Long, CallContext> contexts,
      TreeMap<Long, OutstandingCall> callbacks, long nextContextId, long nextCallbackId) {
    this.contexts = contexts;
    this.callbacks = callbacks;
    this.nextContextId = nextContextId;
    this.nextCallbackId = nextCallbackId;
  }

  /** For checkpoints. */
  public static CallContextManager restore(SortedMap<Long, CallContext> contexts,
      SortedMap<Long, OutstandingCall> callbacks, long nextContextId, long nextCallbackId) {
    return new CallContextManager(new TreeMap<>(contexts), new TreeMap<>(callbacks),
        nextContextId, nextCallbackId);
  }

  public SortedMap<Long, CallContext> contexts() {
    return Collections.unmodifiableSortedMap(contexts);
  }

  public SortedMap<Long, OutstandingCall> callbacks() {
    return Collections.unmodifiableSortedMap(callbacks);
  }

  public long nextContextId() {
    return nextContextId;
  }

  public long nextCallbackId() {
    return nextCallbackId;
  }

  public Optional<CallContext> context(long id) {
    return Optional.ofNullable(contexts.get(id));
  }

  public Optional<OutstandingCall> callback(long id) {
    return Optional.ofNullable(callbacks.get(id));
  }

  public boolean isEmpty() {
    return contexts.isEmpty() && callbacks.isEmpty();
  }

  /** Number of outstanding calls made from the context. */
  public int outstandingCalls(long contextId) {
    int n = 0;
    for (OutstandingCall c : callbacks.values()) {
      if (c.callContextId() == contextId) {
        n++;
      }
    }
    return n;
  }

  /** A new context; the result's {@link #nextContextId()} − 1 is its id. */
  public CallContextManager withNewContext(CallOrigin origin, BigInteger availableCycles) {
    TreeMap<Long, CallContext> c = new TreeMap<>(contexts);
    boolean needsResponse = !(origin instanceof CallOrigin.SystemTask);
    c.put(nextContextId, new CallContext(nextContextId, origin, needsResponse,
        needsResponse ? availableCycles : BigInteger.ZERO, false, 0));
    return new CallContextManager(c, callbacks, nextContextId + 1, nextCallbackId);
  }

  public CallContextManager withContext(CallContext context) {
    if (!contexts.containsKey(context.id())) {
      throw new IllegalStateException("no call context " + context.id());
    }
    TreeMap<Long, CallContext> c = new TreeMap<>(contexts);
    c.put(context.id(), context);
    return new CallContextManager(c, callbacks, nextContextId, nextCallbackId);
  }

  public CallContextManager withoutContext(long id) {
    TreeMap<Long, CallContext> c = new TreeMap<>(contexts);
    c.remove(id);
    return new CallContextManager(c, callbacks, nextContextId, nextCallbackId);
  }

  /** Registers a callback under the next callback id (its id is {@link #nextCallbackId()} − 1). */
  public CallContextManager withCallback(OutstandingCall call) {
    if (call.callbackId() != nextCallbackId) {
      throw new IllegalStateException("callback ids are allocated in order");
    }
    TreeMap<Long, OutstandingCall> cb = new TreeMap<>(callbacks);
    cb.put(call.callbackId(), call);
    return new CallContextManager(contexts, cb, nextContextId, nextCallbackId + 1);
  }

  public CallContextManager withoutCallback(long callbackId) {
    TreeMap<Long, OutstandingCall> cb = new TreeMap<>(callbacks);
    cb.remove(callbackId);
    return new CallContextManager(contexts, cb, nextContextId, nextCallbackId);
  }

  /**
   * Marks every context deleted (spec "uninstall_code": outgoing calls' contexts are deleted, so
   * their responses only refund cycles).
   */
  public CallContextManager withAllContextsDeleted() {
    TreeMap<Long, CallContext> c = new TreeMap<>();
    contexts.forEach((id, ctx) -> c.put(id, ctx.markDeleted()));
    return new CallContextManager(c, callbacks, nextContextId, nextCallbackId);
  }

  /** Contexts that are open in the spec's sense: still answering or still waiting for calls. */
  public boolean hasOpenContexts() {
    return !contexts.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CallContextManager m && contexts.equals(m.contexts)
        && callbacks.equals(m.callbacks) && nextContextId == m.nextContextId
        && nextCallbackId == m.nextCallbackId;
  }

  @Override
  public int hashCode() {
    return contexts.hashCode() * 31 + callbacks.hashCode();
  }

  @Override
  public String toString() {
    return "CallContextManager[" + contexts.size() + " contexts, " + callbacks.size()
        + " callbacks]";
  }
}
