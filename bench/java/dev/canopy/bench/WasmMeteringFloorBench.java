package dev.canopy.bench;

import dev.canopy.wasm.StandaloneInstances;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What metering a call-heavy workload costs at the least, on Chicory's compiler: bench/wasm/fib.wat
 * (fib(30), 2.69 million calls) plain, then hand-written variants that each do part of what
 * metering must do (bench/wasm/floor/*.wat: the extra parameters alone; passing and checking the
 * counter and depth without handing the counter back; the cheapest correct count, without depth,
 * handing the counter back through a global or as a second result), then as {@link
 * MeteringInstrumenter} rewrites it, on Chicory's own code and as the engine runs it (the counter
 * global reached through the memory); then the same recursion in a function without results, which
 * the metered code hands the counter back from as its plain JVM return value. Each round
 * instantiates all of them afresh and alternates their runs; it reports thread CPU time and the
 * overhead over plain Chicory, the median over rounds and their range.
 */
public final class WasmMeteringFloorBench {
  private static final int ARGUMENT = 30;
  private static final int WARMUPS = 10;
  private static final int RUNS = 15;
  private static final int ROUNDS = 5;

  private WasmMeteringFloorBench() {}

  public static void main(String[] args) throws Exception {
    byte[] plain = wat(Path.of("bench", "wasm", "fib.wat"));
    System.out.printf(Locale.ROOT, "WasmMeteringFloorBench: fib(%d), %d rounds of fresh instances x (%d warm-up"
        + " + %d timed runs), thread CPU ms (median of round medians), overhead over plain: median"
        + " [range] over rounds%n", ARGUMENT, ROUNDS, WARMUPS, RUNS);
    byte[] minimal = wat(Path.of("bench", "wasm", "floor", "minimal.wat"));
    byte[] metered = MeteringInstrumenter.builder().build().instrument(plain).wasm();
    compare(
        new String[] {"plain chicory", "+3 unused parameters", "+counter, depth: charged, checked",
          "minimal count, back via global", "  the same, global through memory",
          "minimal count, back as result", "metered, Chicory's global access",
          "metered (as the engine runs it)"},
        new byte[][] {
          plain,
          wat(Path.of("bench", "wasm", "floor", "params.wat")),
          wat(Path.of("bench", "wasm", "floor", "checks.wat")),
          minimal,
          minimal,
          wat(Path.of("bench", "wasm", "floor", "minimal-result.wat")),
          metered,
          metered
        },
        new boolean[] {true, true, true, false, true, true, false, true},
        new int[] {3, 4, 5, 6, 7});
    byte[] noResults = wat(Path.of("bench", "wasm", "floor", "fib-void.wat"));
    System.out.println("The same recursion in a function without results (bench/wasm/floor/fib-void.wat):");
    compare(new String[] {"plain chicory", "metered (as the engine runs it)"},
        new byte[][] {noResults, MeteringInstrumenter.builder().build().instrument(noResults).wasm()},
        new boolean[] {true, true},
        new int[0]);
  }

  /**
   * Runs {@code modules} (the first is the baseline) in rounds and prints each one's time and
   * overhead; all must compute the same, and those at {@code counted} charge the same. Those with
   * {@code engineForm} run as the engine compiles and instantiates them ({@link
   * StandaloneInstances}: its memory, the counter global reached through it), the others on
   * Chicory's own compiled code and memory.
   */
  private static void compare(String[] names, byte[][] modules, boolean[] engineForm, int[] counted) {
    List<WasmRounds.Form> forms = new ArrayList<>();
    for (int k = 0; k < modules.length; k++) {
      byte[] wasm = modules[k];
      forms.add(new WasmRounds.Form(names[k],
          engineForm[k] ? () -> StandaloneInstances.of(wasm) : () -> WasmRounds.chicory(wasm),
          isCounted(k, counted) || k == modules.length - 1));
    }
    WasmRounds.Measured m = WasmRounds.run(forms, ARGUMENT, ROUNDS, WARMUPS, RUNS);
    for (int k : counted) {
      if (m.charged()[k] != m.charged()[counted[0]]) {
        throw new IllegalStateException(names[k] + " charges " + m.charged()[k] + " instructions, "
            + names[counted[0]] + " " + m.charged()[counted[0]]);
      }
    }
    for (int k = 0; k < modules.length; k++) {
      System.out.printf(Locale.ROOT, "%-34s %6.2f ms   %s%n", names[k],
          WasmRounds.median(m.roundCpuMs()[k]), WasmRounds.overhead(m.cpuRatios(k, 0)));
    }
  }

  private static boolean isCounted(int k, int[] counted) {
    for (int c : counted) {
      if (c == k) {
        return true;
      }
    }
    return false;
  }

  private static byte[] wat(Path file) throws java.io.IOException {
    return WasmRounds.wat(file);
  }
}
