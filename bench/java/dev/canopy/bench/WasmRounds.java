package dev.canopy.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The timing harness the Wasm benches share: several forms of one workload (plain, metered, on
 * one memory or another) run in rounds, each round on freshly instantiated (so freshly compiled
 * and JIT-compiled) instances, their runs alternating so that load from
 * other processes on this shared machine hits all alike. Times are the running thread's CPU time,
 * wall time beside it.
 *
 * <p>Note: rounds of fresh instances, since C2's decisions for the same code differ from one
 * compilation to the next by up to a tenth; a form's figure for a round is the median of its
 * runs, and ratios between forms are taken per round, then their median over rounds reported with
 * their range. The order of the forms rotates from one call to the next (0 1 2, 1 2 0, 2 0 1)
 * and each round starts with the next form, since the form that runs first in a round was slower
 * on memory-bound code: two instances of the same plain 64 MiB stream module differed by 20-40%,
 * whichever ran first the slower, whichever was instantiated first; not so without a garbage
 * collector (Epsilon GC), so it is where G1 leaves the memory's blocks, not the code. Give a
 * bench as many rounds as forms (or a multiple) so that each starts equally often.
 */
final class WasmRounds {
  /** The workloads of bench/wasm, in the order the benches run them. */
  static final List<String> WORKLOADS = List.of("fib", "hash", "stream", "random");

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private WasmRounds() {}

  /** One form of a workload: a fresh instance per round; a counted one has the counter global. */
  record Form(String name, Supplier<Instance> instances, boolean counted) {}

  /**
   * What {@link #run} measured: per form, CPU and wall ms of every timed run (rounds one after the
   * other) and each round's medians; what each form's last run returned; and, for counted forms,
   * the instructions its last run charged.
   */
  record Measured(double[][] cpuMs, double[][] wallMs, double[][] roundCpuMs, double[][] roundWallMs,
      long[] results, long[] charged) {
    /** Per round, form {@code a}'s median CPU time over form {@code b}'s. */
    double[] cpuRatios(int a, int b) {
      return ratios(roundCpuMs[a], roundCpuMs[b]);
    }

    double[] wallRatios(int a, int b) {
      return ratios(roundWallMs[a], roundWallMs[b]);
    }

    private static double[] ratios(double[] a, double[] b) {
      double[] r = new double[a.length];
      for (int i = 0; i < a.length; i++) {
        r[i] = a[i] / b[i];
      }
      return r;
    }
  }

  /** The argument each workload's {@code run} export is called with. */
  static int argument(String workload) {
    return switch (workload) {
      case "fib" -> 30;
      case "hash" -> 60;
      case "stream" -> 3;
      case "random" -> 6_000_000;
      default -> throw new IllegalArgumentException("unknown workload " + workload);
    };
  }

  static String kind(String workload) {
    return workload.equals("fib") || workload.equals("hash") ? "compute" : "memory";
  }

  /** bench/wasm/{@code workload}.wat as Wasm. */
  static byte[] wasm(String workload) throws IOException {
    return wat(Path.of("bench", "wasm", workload + ".wat"));
  }

  static byte[] wat(Path file) throws IOException {
    return Wat2Wasm.parse(Files.readString(file));
  }

  /** Stock Chicory: its compiler and its default memory ({@code ByteArrayMemory}). */
  static Instance chicory(byte[] wasm) {
    return Instance.builder(Parser.parse(wasm))
        .withMachineFactory(MachineFactoryCompiler::compile)
        .withMemoryFactory(ByteArrayMemory::new)
        .build();
  }

  /**
   * Runs {@code forms} in {@code rounds} rounds of {@code warmups} + {@code runs} alternating calls
   * of {@code run(argument)}; counted forms start each call with a full counter (the call depth is back at 0 after every
   * call that returns). Fails
   * if the forms compute different results.
   */
  static Measured run(List<Form> forms, int argument, int rounds, int warmups, int runs) {
    int n = forms.size();
    double[][] cpu = new double[n][rounds * runs];
    double[][] wall = new double[n][rounds * runs];
    double[][] roundCpu = new double[n][rounds];
    double[][] roundWall = new double[n][rounds];
    long[] results = new long[n];
    long[] charged = new long[n];
    for (int round = 0; round < rounds; round++) {
      Instance[] instances = new Instance[n];
      for (int k = 0; k < n; k++) {
        instances[k] = forms.get(k).instances().get();
      }
      int from = round * runs;
      for (int i = 0; i < warmups + runs; i++) {
        for (int j = 0; j < n; j++) {
          int k = (round + i + j) % n; // rounds start with different forms (see the note)
          GlobalInstance counter = null;
          if (forms.get(k).counted()) {
            counter = instances[k].exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
            counter.setValue(Long.MAX_VALUE);
          }
          var run = instances[k].export("run");
          long c0 = THREADS.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          results[k] = run.apply(argument)[0];
          long c1 = THREADS.getCurrentThreadCpuTime();
          long t1 = System.nanoTime();
          if (counter != null) {
            charged[k] = Long.MAX_VALUE - counter.getValue();
          }
          if (i >= warmups) {
            cpu[k][from + i - warmups] = (c1 - c0) / 1e6;
            wall[k][from + i - warmups] = (t1 - t0) / 1e6;
          }
        }
      }
      for (int k = 0; k < n; k++) {
        if (results[k] != results[0]) {
          throw new IllegalStateException(forms.get(k).name() + " computes " + results[k] + ", "
              + forms.get(0).name() + " " + results[0]);
        }
        roundCpu[k][round] = median(Arrays.copyOfRange(cpu[k], from, from + runs));
        roundWall[k][round] = median(Arrays.copyOfRange(wall[k], from, from + runs));
      }
    }
    return new Measured(cpu, wall, roundCpu, roundWall, results, charged);
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  /** Ratios as an overhead: "+12% [+5%..+20%]", the median and the range. */
  static String overhead(double[] ratios) {
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "%+.0f%% [%+.0f%%..%+.0f%%]", (median(sorted) - 1) * 100,
        (sorted[0] - 1) * 100, (sorted[sorted.length - 1] - 1) * 100);
  }
}
