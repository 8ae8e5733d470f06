package dev.canopy.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.StandaloneInstances;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where metering's cost comes from, per workload of bench/wasm: each runs plain and metered on
 * Chicory's own memory ({@code ByteArrayMemory}) and on the engine's ({@code PagedMemory}), the
 * metered code on the engine's memory both with Chicory's access to the counter global ({@code
 * Instance.global(i)}) and with the engine's (through the memory). Each round instantiates all
 * five afresh and alternates their runs; thread CPU time, median of the rounds' medians, and each
 * metered form's overhead over the plain run on the same memory, median [range] over rounds.
 * Usage: {@code bench/run WasmCounterAccessBench [workload...]} (default: all four).
 */
public final class WasmCounterAccessBench {
  private static final int ROUNDS = 5;
  private static final int WARMUPS = 5;
  private static final int RUNS = 11;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final String[] NAMES = {"plain, chicory memory", "metered, chicory memory",
    "plain, engine memory", "metered, engine memory, chicory's global access",
    "metered, engine memory, global through memory"};
  /** For each form, the plain form it is compared with. */
  private static final int[] BASELINE = {0, 0, 2, 2, 2};

  private WasmCounterAccessBench() {}

  public static void main(String[] args) throws Exception {
    String[] workloads = args.length > 0 ? args : new String[] {"fib", "hash", "stream", "random"};
    System.out.printf(Locale.ROOT, "WasmCounterAccessBench: %d rounds of fresh instances x (%d warm-up +"
        + " %d timed runs), thread CPU ms%n", ROUNDS, WARMUPS, RUNS);
    for (String name : workloads) {
      int argument = switch (name) {
        case "fib" -> 30;
        case "hash" -> 60;
        case "stream" -> 3;
        case "random" -> 6_000_000;
        default -> throw new IllegalArgumentException("unknown workload " + name);
      };
      byte[] plain = Wat2Wasm.parse(Files.readString(Path.of("bench", "wasm", name + ".wat")));
      byte[] metered = MeteringInstrumenter.builder().build().instrument(plain).wasm();
      double[][] medians = new double[NAMES.length][ROUNDS];
      double[][] overheads = new double[NAMES.length][ROUNDS];
      for (int round = 0; round < ROUNDS; round++) {
        Instance[] instances = {
          chicory(plain), chicory(metered), StandaloneInstances.of(plain),
          StandaloneInstances.of(metered, false), StandaloneInstances.of(metered, true)
        };
        double[][] times = new double[NAMES.length][RUNS];
        long[] results = new long[NAMES.length];
        for (int i = 0; i < WARMUPS + RUNS; i++) {
          for (int k = 0; k < instances.length; k++) {
            if (k % 2 == 1 || k == 4) {
              GlobalInstance counter = instances[k].exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
              counter.setValue(Long.MAX_VALUE);
            }
            long t0 = THREADS.getCurrentThreadCpuTime();
            results[k] = instances[k].export("run").apply(argument)[0];
            long elapsed = THREADS.getCurrentThreadCpuTime() - t0;
            if (i >= WARMUPS) {
              times[k][i - WARMUPS] = elapsed / 1e6;
            }
          }
        }
        for (int k = 0; k < instances.length; k++) {
          if (results[k] != results[0]) {
            throw new IllegalStateException(name + ": " + NAMES[k] + " computes " + results[k]);
          }
          medians[k][round] = median(times[k]);
        }
        for (int k = 0; k < instances.length; k++) {
          overheads[k][round] = medians[k][round] / medians[BASELINE[k]][round] - 1;
        }
      }
      System.out.println(name + ":");
      for (int k = 0; k < NAMES.length; k++) {
        double[] sorted = overheads[k].clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "  %-48s %8.2f ms   %+5.0f%% [%+.0f%%..%+.0f%%]%n", NAMES[k],
            median(medians[k]), median(sorted) * 100, sorted[0] * 100, sorted[sorted.length - 1] * 100);
      }
    }
  }

  private static Instance chicory(byte[] wasm) {
    return Instance.builder(Parser.parse(wasm))
        .withMachineFactory(MachineFactoryCompiler::compile)
        .withMemoryFactory(ByteArrayMemory::new)
        .build();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
