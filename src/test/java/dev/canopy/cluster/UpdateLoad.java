package dev.canopy.cluster;

import dev.canopy.agent.Agent;
import dev.canopy.agent.AgentReject;
import dev.canopy.agent.Identity;
import dev.canopy.candid.CandidArgs;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.types.CanopyException;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * A steady load of update calls: {@code streams} clients, each with its own identity, calling
 * {@code inc} on a counter one call after another through the Java agent ({@code /api/v4}, the
 * certificate verified under the root key). A client starts on replica {@code stream mod n} and,
 * when its replica fails (killed, refusing), moves on to the next, as a client behind a load
 * balancer would. An update counts as acknowledged once its certified reply came back.
 */
final class UpdateLoad implements AutoCloseable {
  /** One acknowledged update: its request id, its client, the replica that answered, and when. */
  record Ack(RequestId requestId, int stream, int replica, long atNanos) {}

  private static final byte[] NO_ARGS = CandidArgs.EMPTY.encode();
  /** A client's calls fail fast enough to move on while a replica is down. */
  private static final long REQUEST_TIMEOUT_MS = 8_000;
  private static final long CALL_TIMEOUT_MS = 10_000;

  private final Principal counter;
  private final byte[] rootKey;
  private final List<Integer> replicas;
  private final IntFunction<URI> urlOf;
  private final ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
  private final AtomicLong failures = new AtomicLong();
  private final ConcurrentLinkedQueue<String> rejections = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private boolean paused; // guarded by this
  private int idle; // clients waiting while paused, guarded by this
  private final List<Thread> threads = new ArrayList<>();
  private final List<Identity> identities = new ArrayList<>();

  /**
   * @param replicas the replicas the clients may use, in failover order
   * @param urlOf the current URL of a replica
   */
  UpdateLoad(Principal counter, byte[] rootKey, List<Integer> replicas, IntFunction<URI> urlOf) {
    this.counter = counter;
    this.rootKey = rootKey.clone();
    this.replicas = List.copyOf(replicas);
    this.urlOf = urlOf;
  }

  /** Starts {@code streams} clients; identities come from {@code seed}. */
  UpdateLoad start(int streams, long seed) {
    for (int s = 0; s < streams; s++) {
      Identity identity = Identity.of(Ed25519SigningKey.generate(DeterministicRandom.fromSeed(seed + s)));
      identities.add(identity);
      int stream = s;
      Thread t = new Thread(() -> run(stream, identity), "update-load-" + s);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    return this;
  }

  private void run(int stream, Identity identity) {
    int position = stream;
    while (!stopped.get()) {
      int replica = replicas.get(position % replicas.size());
      URI url = urlOf.apply(replica);
      if (url == null) { // not started (yet) in this run
        position++;
        continue;
      }
      Agent agent = Agent.builder().withUrl(url).withIdentity(identity).withRootKey(rootKey)
          .withRequestTimeoutMs(REQUEST_TIMEOUT_MS).withCallTimeoutMs(CALL_TIMEOUT_MS).build();
      try {
        while (!stopped.get()) {
          awaitNotPaused();
          Agent.UpdateReply reply = agent.updateWithRequestId(counter, counter, "inc", NO_ARGS);
          acks.add(new Ack(reply.requestId(), stream, replica, System.nanoTime()));
        }
      } catch (AgentReject e) {
        rejections.add(e.getMessage()); // an increment is never rejected: the test fails on it
        position++;
      } catch (CanopyException e) {
        // down, stalled or timed out: not acknowledged; try the next replica
        failures.incrementAndGet();
        position++;
        backOff();
      }
    }
  }

  private synchronized void awaitNotPaused() {
    if (!paused) {
      return;
    }
    idle++;
    notifyAll();
    try {
      while (paused && !stopped.get()) {
        wait(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      idle--;
    }
  }

  /**
   * Stops new calls and waits (bounded) until every client has finished the call it was making,
   * so that nothing more is acknowledged until {@link #resume}.
   */
  synchronized void pause() throws InterruptedException {
    paused = true;
    long deadline = System.nanoTime() + (CALL_TIMEOUT_MS + REQUEST_TIMEOUT_MS) * 1_000_000;
    while (idle < threads.size()) {
      long leftMs = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMs <= 0) {
        throw new AssertionError("the clients did not finish their calls in time");
      }
      wait(leftMs);
    }
  }

  synchronized void resume() {
    paused = false;
    notifyAll();
  }

  /** A replica that refuses connections answers at once; do not spin on it. */
  private static void backOff() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Who client {@code stream} is (a request's status is readable only by its sender). */
  Identity identity(int stream) {
    return identities.get(stream);
  }

  /** The updates acknowledged so far, in the order they were acknowledged. */
  List<Ack> acks() {
    return List.copyOf(acks);
  }

  long failures() {
    return failures.get();
  }

  /** Certified rejections of {@code inc}; there should be none. */
  List<String> rejections() {
    return List.copyOf(rejections);
  }

  /** Stops the clients; calls in flight end on their own (they are no longer recorded as needed). */
  @Override
  public void close() {
    stopped.set(true);
    resume();
  }
}
