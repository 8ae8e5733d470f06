package dev.canopy.bench;

import java.util.List;

/**
 * The timing harness of the benches that set an operation beside a baseline measured in the same
 * run: a warm-up round of each side, then three timed rounds of fixed iteration counts, alternating
 * baseline and operation so both see the same interference from the shared machine; the best
 * round of each counts (slow rounds are interference).
 */
final class BenchTiming {
  private static final int TIMED_ROUNDS = 3;

  /** Every result goes in here, and the tables print a bit of it, so no run can be optimised away. */
  private static long sink;

  private BenchTiming() {}

  interface Op {
    Object run() throws Exception;
  }

  /** One row of a table: an operation and its baseline, in runs per second. */
  record Comparison(String operation, double opsPerSecond, String baseline, double baselineOpsPerSecond) {
    double ratio() {
      return opsPerSecond / baselineOpsPerSecond;
    }
  }

  /** Times {@code op} against {@code baselineOp}, as the class comment says. */
  static Comparison compare(
      String operation, int iterations, Op op, String baseline, int baselineIterations, Op baselineOp)
      throws Exception {
    run(baselineIterations, baselineOp);
    run(iterations, op);
    double best = 0;
    double baselineBest = 0;
    for (int round = 0; round < TIMED_ROUNDS; round++) {
      baselineBest = Math.max(baselineBest, 1e9 / nanosPerRun(baselineIterations, baselineOp));
      best = Math.max(best, 1e9 / nanosPerRun(iterations, op));
    }
    return new Comparison(operation, best, baseline, baselineBest);
  }

  /**
   * Nanoseconds per run of {@code op}: the best of three rounds of {@code iterations} runs, after
   * one warm-up round. For a bench that times each side on its own and relates them itself.
   */
  static double bestNanosPerRun(int iterations, Op op) throws Exception {
    run(iterations, op);
    double best = Double.MAX_VALUE;
    for (int round = 0; round < TIMED_ROUNDS; round++) {
      best = Math.min(best, nanosPerRun(iterations, op));
    }
    return best;
  }

  /**
   * Prints {@code rows} as a table (operation, ops/s, baseline, ops/s, ratio) with the given
   * decimals for ops/s and for the ratio, then the line saying what the ratio is.
   */
  static void print(List<Comparison> rows, int opsDecimals, int ratioDecimals) {
    String ops = "%,." + opsDecimals + "f";
    String ratio = "%." + ratioDecimals + "f";
    int operationWidth = "operation".length();
    int baselineWidth = "baseline".length();
    int opsWidth = "ops/s".length();
    for (Comparison r : rows) {
      operationWidth = Math.max(operationWidth, r.operation().length());
      baselineWidth = Math.max(baselineWidth, r.baseline().length());
      opsWidth = Math.max(opsWidth, String.format(ops, r.opsPerSecond()).length());
      opsWidth = Math.max(opsWidth, String.format(ops, r.baselineOpsPerSecond()).length());
    }
    String line = "%-" + operationWidth + "s   %" + opsWidth + "s   %-" + baselineWidth + "s   %" + opsWidth
        + "s   %s%n";
    System.out.printf(line, "operation", "ops/s", "baseline", "ops/s", "ratio");
    for (Comparison r : rows) {
      System.out.printf(line, r.operation(), String.format(ops, r.opsPerSecond()), r.baseline(),
          String.format(ops, r.baselineOpsPerSecond()), String.format(ratio, r.ratio()));
    }
    System.out.println("(ratio = operation ops/s ÷ baseline ops/s; sink " + (sink & 1) + ")");
  }

  /** For an op that checks a signature: fails the bench if it did not verify. */
  static Object check(boolean verified) {
    if (!verified) {
      throw new IllegalStateException("a benchmark signature did not verify");
    }
    return Boolean.TRUE;
  }

  private static double nanosPerRun(int iterations, Op op) throws Exception {
    long start = System.nanoTime();
    run(iterations, op);
    return (System.nanoTime() - start) / (double) iterations;
  }

  private static void run(int iterations, Op op) throws Exception {
    for (int i = 0; i < iterations; i++) {
      sink += System.identityHashCode(op.run());
    }
  }
}
