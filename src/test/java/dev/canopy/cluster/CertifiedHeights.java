package dev.canopy.cluster;

import dev.canopy.agent.Agent;
import dev.canopy.crypto.CertificateVerifier.VerifiedCertificate;
import dev.canopy.types.CanopyException;
import dev.canopy.types.Hex;
import dev.canopy.types.SubnetId;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.IntFunction;

/**
 * Watches what each replica certifies, through its public HTTP interface only, as a monitoring
 * client would: the certified height that {@code /api/v2/status} reports (and when each height
 * was first seen), and the root hash of certified states: the digest of a verified {@code
 * read_state} certificate, by the certified {@code /time} it carries. Two replicas that certify
 * different roots with the same time have forked.
 *
 * <p>Note: the certificate does not carry the height, but its time is the time of the block of
 * that height, and block times strictly increase along a chain on one machine (a block's time is
 * its maker's clock, at least its parent's, and rounds are hundreds of ms apart), so the time
 * names the height. Pairing a certificate with the status's height instead would race the node
 * publishing a new height between the two requests.
 */
final class CertifiedHeights implements AutoCloseable {
  private static final long PERIOD_MS = 100;
  private static final List<List<byte[]>> TIME_PATH =
      List.of(List.of("time".getBytes(StandardCharsets.UTF_8)));

  private final byte[] rootKey;
  private final IntFunction<URI> urlOf;
  // replica → height → when a status first reported it (System.nanoTime)
  private final Map<Integer, ConcurrentSkipListMap<Long, Long>> firstSeen = new ConcurrentHashMap<>();
  // replica → certified time (ns) → root hash (hex) of the certified state of that time
  private final Map<Integer, ConcurrentSkipListMap<Long, String>> roots = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> conflicts = new ConcurrentLinkedQueue<>();
  private final Map<Integer, Thread> watchers = new ConcurrentHashMap<>();
  private volatile boolean closed;

  CertifiedHeights(byte[] rootKey, IntFunction<URI> urlOf) {
    this.rootKey = rootKey.clone();
    this.urlOf = urlOf;
  }

  /** Starts watching {@code replica} (through whatever URL it has, across restarts). */
  void watch(int replica) {
    firstSeen.computeIfAbsent(replica, r -> new ConcurrentSkipListMap<>());
    roots.computeIfAbsent(replica, r -> new ConcurrentSkipListMap<>());
    watchers.computeIfAbsent(replica, r -> {
      Thread t = new Thread(() -> sample(r), "certified-heights-" + r);
      t.setDaemon(true);
      t.start();
      return t;
    });
  }

  private void sample(int replica) {
    URI current = null;
    Agent agent = null;
    SubnetId subnet = null;
    while (!closed) {
      URI url = urlOf.apply(replica);
      if (url != null && !url.equals(current)) {
        current = url;
        agent = Agent.builder().withUrl(url).withRootKey(rootKey).withRequestTimeoutMs(2_000)
            .build();
        subnet = agent.rootSubnetId();
      }
      if (agent != null) {
        try {
          OptionalLong height = agent.status().certifiedHeight();
          if (height.isPresent()) {
            firstSeen.get(replica).putIfAbsent(height.getAsLong(), System.nanoTime());
          }
          VerifiedCertificate certificate = agent.readSubnetState(subnet, TIME_PATH);
          String root = Hex.encode(certificate.certificate().tree().digest());
          String earlier = roots.get(replica).putIfAbsent(certificate.timeNanos(), root);
          if (earlier != null && !earlier.equals(root)) {
            conflicts.add("replica " + replica + " certified two roots at time "
                + certificate.timeNanos() + ": " + earlier + " and " + root);
          }
        } catch (CanopyException e) {
          // down or not answering: nothing certified to see right now
        }
      }
      try {
        Thread.sleep(PERIOD_MS); // a sampling period, not a synchronisation
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The highest certified height seen on {@code replica}, or -1. */
  long height(int replica) {
    ConcurrentSkipListMap<Long, Long> seen = firstSeen.get(replica);
    return seen == null || seen.isEmpty() ? -1 : seen.lastKey();
  }

  long maxHeight(Collection<Integer> replicas) {
    long max = -1;
    for (int r : replicas) {
      max = Math.max(max, height(r));
    }
    return max;
  }

  /** Polls until {@code replica} reports at least {@code height}; false on timeout. */
  boolean awaitHeight(int replica, long height, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (height(replica) < height) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /**
   * Polls until both replicas have certified a state of the same time at or after {@code
   * minTimeNs} (ns since 1970) and been sampled; returns that time, or -1 on timeout.
   */
  long awaitCommonRoot(int a, int b, long minTimeNs, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (System.nanoTime() < deadline) {
      for (Long t : roots.get(a).tailMap(minTimeNs).keySet()) {
        if (roots.get(b).containsKey(t)) {
          return t;
        }
      }
      Thread.sleep(20);
    }
    return -1;
  }

  /** The root hash (hex) {@code replica} certified with time {@code timeNs}, or null. */
  String root(int replica, long timeNs) {
    return roots.get(replica).get(timeNs);
  }

  /**
   * The longest time within {@code [fromNanos, toNanos]} in which none of {@code replicas}
   * certified a height above every height they had certified before, in ms.
   */
  long longestStallMs(Collection<Integer> replicas, long fromNanos, long toNanos) {
    TreeMap<Long, Long> byTime = new TreeMap<>(); // first time seen anywhere → height
    Map<Long, Long> firstAnywhere = new TreeMap<>();
    for (int r : replicas) {
      firstSeen.get(r).forEach((h, t) -> firstAnywhere.merge(h, t, Math::min));
    }
    firstAnywhere.forEach((h, t) -> byTime.merge(t, h, Math::max));
    long max = -1;
    long last = fromNanos;
    long longest = 0;
    for (Map.Entry<Long, Long> e : byTime.entrySet()) {
      if (e.getValue() <= max) {
        continue;
      }
      max = e.getValue();
      long t = e.getKey();
      if (t > fromNanos && t <= toNanos) {
        longest = Math.max(longest, t - last);
        last = t;
      }
    }
    longest = Math.max(longest, toNanos - last);
    return longest / 1_000_000;
  }

  /**
   * Fails if two of {@code replicas} (or one replica twice) certified different roots for a
   * height (time); returns how many (time, pair of replicas) were compared.
   */
  int assertNoFork(Collection<Integer> replicas) {
    if (!conflicts.isEmpty()) {
      throw new AssertionError(String.join("\n", conflicts));
    }
    List<Integer> list = new ArrayList<>(replicas);
    int compared = 0;
    for (int i = 0; i < list.size(); i++) {
      for (int j = i + 1; j < list.size(); j++) {
        Map<Long, String> a = roots.get(list.get(i));
        Map<Long, String> b = roots.get(list.get(j));
        for (Map.Entry<Long, String> e : a.entrySet()) {
          String other = b.get(e.getKey());
          if (other != null) {
            compared++;
            if (!other.equals(e.getValue())) {
              throw new AssertionError("fork at time " + e.getKey() + ": replica " + list.get(i)
                  + " certified root " + e.getValue() + ", replica " + list.get(j) + " " + other);
            }
          }
        }
      }
    }
    return compared;
  }

  @Override
  public void close() {
    closed = true;
    watchers.values().forEach(Thread::interrupt);
  }
}
