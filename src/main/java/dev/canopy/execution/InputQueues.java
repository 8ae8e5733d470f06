package dev.canopy.execution;

import dev.canopy.types.Principal;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A canister's input: one FIFO queue per source (each sending canister, and one for ingress), so
 * messages from A to B are executed in the order A sent them (spec "Message execution"); sources
 * are served round-robin in principal order. Immutable.
 *
 * <p>Note: ingress messages share a queue under {@link #INGRESS_SOURCE}, the anonymous principal,
 * which can never be a canister; the spec gives ingress no ordering guarantee, FIFO is one choice.
 *
 * <p>Note: each queue is a {@link Fifo}, so adding or taking a message costs O(1) (amortized), not
 * a copy of the queue: a round inducts all of a height's calls to a canister into one queue and
 * executes them one by one, which copied queues made quadratic in the height's calls.
 */
public final class InputQueues {
  public static final Principal INGRESS_SOURCE = Principal.ANONYMOUS;
  public static final InputQueues EMPTY = new InputQueues(new TreeMap<>(), Optional.empty());

  private final TreeMap<Principal, List<CanisterMessage>> queues;
  private final Optional<Principal> lastServedSource;

  private InputQueues(TreeMap<Principal, List<CanisterMessage>> queues,
      Optional<Principal> lastServedSource) {
    this.queues = queues;
    this.lastServedSource = lastServedSource;
  }

  /** For checkpoints. */
  public static InputQueues restore(SortedMap<Principal, List<CanisterMessage>> queues,
      Optional<Principal> lastServedSource) {
    TreeMap<Principal, List<CanisterMessage>> q = new TreeMap<>();
    queues.forEach((k, v) -> {
      if (!v.isEmpty()) {
        q.put(k, Fifo.of(v));
      }
    });
    return new InputQueues(q, lastServedSource);
  }

  /** Non-empty queues by source. */
  public SortedMap<Principal, List<CanisterMessage>> queues() {
    return Collections.unmodifiableSortedMap(queues);
  }

  public Optional<Principal> lastServedSource() {
    return lastServedSource;
  }

  public boolean isEmpty() {
    return queues.isEmpty();
  }

  public int size() {
    int n = 0;
    for (List<CanisterMessage> q : queues.values()) {
      n += q.size();
    }
    return n;
  }

  public int size(Principal source) {
    List<CanisterMessage> q = queues.get(source);
    return q == null ? 0 : q.size();
  }

  public InputQueues enqueue(Principal source, CanisterMessage message) {
    TreeMap<Principal, List<CanisterMessage>> q = new TreeMap<>(queues);
    List<CanisterMessage> list = q.get(source);
    q.put(source, (list == null ? Fifo.EMPTY : (Fifo) list).append(message));
    return new InputQueues(q, lastServedSource);
  }

  /** The source to serve next: the first non-empty queue after the last one served, cyclically. */
  public Optional<Principal> nextSource() {
    if (queues.isEmpty()) {
      return Optional.empty();
    }
    if (lastServedSource.isPresent()) {
      Principal next = queues.higherKey(lastServedSource.get());
      if (next != null) {
        return Optional.of(next);
      }
    }
    return Optional.of(queues.firstKey());
  }

  public Optional<CanisterMessage> peek() {
    return nextSource().map(s -> queues.get(s).get(0));
  }

  /** Removes the message {@link #peek()} returns. */
  public InputQueues pop() {
    Principal source = nextSource().orElseThrow(() -> new IllegalStateException("no input"));
    TreeMap<Principal, List<CanisterMessage>> q = new TreeMap<>(queues);
    List<CanisterMessage> list = q.get(source);
    if (list.size() == 1) {
      q.remove(source);
    } else {
      q.put(source, ((Fifo) list).withoutFirst());
    }
    return new InputQueues(q, Optional.of(source));
  }

  /** Removes every message and returns them in queue order (for uninstall and delete). */
  public List<Map.Entry<Principal, CanisterMessage>> drain() {
    List<Map.Entry<Principal, CanisterMessage>> all = new ArrayList<>();
    queues.forEach((s, list) -> list.forEach(m -> all.add(Map.entry(s, m))));
    return all;
  }

  /**
   * An immutable queue: the part {@code [start, end)} of a buffer that the queues derived from one
   * another share. Appending writes into the buffer in place when this queue ends where the
   * buffer's filled part ends (the latest queue of its line; claimed atomically, so an older queue
   * appended to again copies instead), and otherwise, or when the buffer is full, copies this
   * queue's messages into a new buffer of twice their number. Slots below a queue's end are never
   * written again, so every queue stays as it was made.
   */
  private static final class Fifo extends AbstractList<CanisterMessage> implements RandomAccess {
    static final Fifo EMPTY = new Fifo(new Buffer(new CanisterMessage[0], 0), 0, 0);

    private static final class Buffer {
      final CanisterMessage[] items;
      final AtomicInteger filled;

      Buffer(CanisterMessage[] items, int filled) {
        this.items = items;
        this.filled = new AtomicInteger(filled);
      }
    }

    private final Buffer buffer;
    private final int start;
    private final int end;

    private Fifo(Buffer buffer, int start, int end) {
      this.buffer = buffer;
      this.start = start;
      this.end = end;
    }

    static Fifo of(List<CanisterMessage> messages) {
      CanisterMessage[] items = messages.toArray(new CanisterMessage[0]);
      for (CanisterMessage m : items) {
        Objects.requireNonNull(m, "message");
      }
      return new Fifo(new Buffer(items, items.length), 0, items.length);
    }

    Fifo append(CanisterMessage message) {
      Objects.requireNonNull(message, "message");
      if (end < buffer.items.length && buffer.filled.compareAndSet(end, end + 1)) {
        buffer.items[end] = message;
        return new Fifo(buffer, start, end + 1);
      }
      int n = end - start;
      CanisterMessage[] items = new CanisterMessage[Math.max(8, 2 * (n + 1))];
      System.arraycopy(buffer.items, start, items, 0, n);
      items[n] = message;
      return new Fifo(new Buffer(items, n + 1), 0, n + 1);
    }

    Fifo withoutFirst() {
      if (start == end) {
        throw new IllegalStateException("empty queue");
      }
      return new Fifo(buffer, start + 1, end);
    }

    @Override
    public CanisterMessage get(int index) {
      Objects.checkIndex(index, end - start);
      return buffer.items[start + index];
    }

    @Override
    public int size() {
      return end - start;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputQueues i && queues.equals(i.queues)
        && lastServedSource.equals(i.lastServedSource);
  }

  @Override
  public int hashCode() {
    return queues.hashCode();
  }
}
