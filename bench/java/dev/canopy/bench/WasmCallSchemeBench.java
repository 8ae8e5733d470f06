package dev.canopy.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The call-heavy workload (bench/wasm/fib.wat, fib(30)) under the two ways the metering rewriter
 * can hand the counter back from a function with one result, beside plain Chicory, in one JVM:
 * as an extra result (Chicory returns a multi-value result as a new long[]), or in the counter
 * global, which the caller reads when it needs the counter (the default). Each round instantiates
 * all three afresh (so Chicory and C2 compile them afresh) and alternates their runs; it reports
 * the median and best thread CPU time of its timed runs and the overhead over plain Chicory, by
 * CPU time and by wall time (the collector's work for the extra-result form's arrays runs on
 * other threads: only wall time sees it).
 */
public final class WasmCallSchemeBench {
  private static final int ARGUMENT = 30;
  private static final int WARMUPS = 5;
  private static final int RUNS = 15;
  private static final int ROUNDS = 5;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private WasmCallSchemeBench() {}

  public static void main(String[] args) throws Exception {
    byte[] wasm = Wat2Wasm.parse(Files.readString(Path.of("bench", "wasm", "fib.wat")));
    String[] names = {"plain chicory", "counter as result", "counter in global"};
    byte[][] modules = {
      wasm,
      MeteringInstrumenter.builder().withCounterReturnedInGlobal(false).build().instrument(wasm).wasm(),
      MeteringInstrumenter.builder().withCounterReturnedInGlobal(true).build().instrument(wasm).wasm()
    };
    System.out.printf(Locale.ROOT, "WasmCallSchemeBench: fib(%d), %d warm-up + %d timed runs per"
        + " round on fresh instances, thread CPU ms, median (best)%n", ARGUMENT, WARMUPS, RUNS);
    for (int round = 1; round <= ROUNDS; round++) {
      Instance[] instances = new Instance[modules.length];
      for (int k = 0; k < modules.length; k++) {
        instances[k] = instantiate(modules[k]);
      }
      double[][] times = new double[instances.length][RUNS];
      double[][] walls = new double[instances.length][RUNS];
      long[] results = new long[instances.length];
      for (int i = 0; i < WARMUPS + RUNS; i++) {
        for (int k = 0; k < instances.length; k++) {
          if (k > 0) {
            GlobalInstance counter =
                instances[k].exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
            counter.setValue(Long.MAX_VALUE);
          }
          ExportFunction run = instances[k].export("run");
          long w0 = System.nanoTime();
          long t0 = THREADS.getCurrentThreadCpuTime();
          results[k] = run.apply(ARGUMENT)[0];
          long elapsed = THREADS.getCurrentThreadCpuTime() - t0;
          long wall = System.nanoTime() - w0;
          if (i >= WARMUPS) {
            times[k][i - WARMUPS] = elapsed / 1e6;
            walls[k][i - WARMUPS] = wall / 1e6;
          }
        }
      }
      long[] used = new long[instances.length];
      for (int k = 1; k < instances.length; k++) {
        used[k] = Long.MAX_VALUE - instances[k].exports()
            .global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).getValue();
      }
      if (results[1] != results[0] || results[2] != results[0] || used[1] != used[2]) {
        throw new IllegalStateException("the schemes disagree: results " + Arrays.toString(results)
            + ", instructions " + Arrays.toString(used));
      }
      StringBuilder line = new StringBuilder("round " + round + ":");
      double plain = median(times[0]);
      double plainWall = median(walls[0]);
      for (int k = 0; k < instances.length; k++) {
        line.append(String.format(Locale.ROOT, "  %s %.2f (%.2f)", names[k], median(times[k]),
            Arrays.stream(times[k]).min().orElseThrow()));
        if (k > 0) {
          line.append(String.format(Locale.ROOT, " %+.0f%% (wall %+.0f%%)", (median(times[k]) / plain - 1) * 100,
              (median(walls[k]) / plainWall - 1) * 100));
        }
      }
      System.out.println(line);
    }
  }

  private static Instance instantiate(byte[] wasm) {
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
