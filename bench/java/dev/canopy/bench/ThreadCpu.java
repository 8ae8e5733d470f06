package dev.canopy.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of the live threads grouped by pool (the thread's name without its trailing number), to
 * say which part of a node a request's CPU goes to. Unlike a sampling profiler's share, which on a
 * machine with more runnable threads than cores counts threads waiting for a core as running, this
 * is CPU actually used. A thread that ended during the phase is missing from the later snapshot.
 */
final class ThreadCpu {
  private static final int GROUPS_SHOWN = 10;

  private ThreadCpu() {}

  /** CPU nanoseconds of each group of live threads. */
  static Map<String, Long> snapshot() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> groups = new TreeMap<>();
    for (long id : mx.getAllThreadIds()) {
      ThreadInfo info = mx.getThreadInfo(id);
      long cpu = mx.getThreadCpuTime(id);
      if (info != null && cpu > 0) {
        groups.merge(info.getThreadName().replaceAll("[-#]?\\d+$", ""), cpu, Long::sum);
      }
    }
    return groups;
  }

  /**
   * Prints the busiest groups' CPU between two snapshots per {@code unit} (e.g. per request), and
   * what the process used outside Java threads (GC, JIT, the VM).
   */
  static void print(Map<String, Long> before, Map<String, Long> after, long processCpuNs,
      long count, String unit) {
    long javaThreads = 0;
    List<Map.Entry<String, Long>> deltas = new ArrayList<>();
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      javaThreads += delta;
      deltas.add(Map.entry(e.getKey(), delta));
    }
    deltas.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    for (Map.Entry<String, Long> e : deltas.subList(0, Math.min(GROUPS_SHOWN, deltas.size()))) {
      System.out.printf("    %-60s %7.1f us/%s%n", e.getKey(), e.getValue() / 1e3 / Math.max(1, count), unit);
    }
    System.out.printf("    %-60s %7.1f us/%s%n", "(not in Java threads: GC, JIT, VM)",
        (processCpuNs - javaThreads) / 1e3 / Math.max(1, count), unit);
  }
}
