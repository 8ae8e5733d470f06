package dev.canopy.execution;

import dev.canopy.types.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A canister's input: one FIFO queue per source (each sending canister, and one for ingress), so
 * messages from A to B are executed in the order A sent them (spec "Message execution"); sources
 * are served round-robin in principal order. Immutable.
 *
 * <p>Note: ingress messages share a queue under {@link #INGRESS_SOURCE}, the anonymous principal,
 * which can never be a canister; the spec gives ingress no ordering guarantee, FIFO is one choice.
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
        q.put(k, List.copyOf(v));
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
    List<CanisterMessage> list = new ArrayList<>(q.getOrDefault(source, List.of()));
    list.add(message);
    q.put(source, List.copyOf(list));
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
      q.put(source, List.copyOf(list.subList(1, list.size())));
    }
    return new InputQueues(q, Optional.of(source));
  }

  /** Removes every message and returns them in queue order (for uninstall and delete). */
  public List<Map.Entry<Principal, CanisterMessage>> drain() {
    List<Map.Entry<Principal, CanisterMessage>> all = new ArrayList<>();
    queues.forEach((s, list) -> list.forEach(m -> all.add(Map.entry(s, m))));
    return all;
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
