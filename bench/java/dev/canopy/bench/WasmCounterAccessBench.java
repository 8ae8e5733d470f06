package dev.canopy.bench;

import dev.canopy.wasm.StandaloneInstances;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.util.List;
import java.util.Locale;

/**
 * Where metering's cost comes from, per workload of bench/wasm: each runs plain and metered on
 * Chicory's own memory ({@code ByteArrayMemory}) and on the engine's ({@code PagedMemory}), the
 * metered code on the engine's memory both with Chicory's access to the counter global ({@code
 * Instance.global(i)}) and with the engine's (through the memory). Each round instantiates all
 * five afresh and alternates their runs ({@link WasmRounds}); thread CPU time, median of the
 * rounds' medians, and each metered form's overhead over the plain run on the same memory, median
 * [range] over rounds.
 * Usage: {@code bench/run WasmCounterAccessBench [workload...]} (default: all four).
 */
public final class WasmCounterAccessBench {
  private static final int ROUNDS = 5;
  private static final int WARMUPS = 5;
  private static final int RUNS = 11;
  private static final String[] NAMES = {"plain, chicory memory", "metered, chicory memory",
    "plain, engine memory", "metered, engine memory, chicory's global access",
    "metered, engine memory, global through memory"};
  /** For each form, the plain form it is compared with. */
  private static final int[] BASELINE = {0, 0, 2, 2, 2};

  private WasmCounterAccessBench() {}

  public static void main(String[] args) throws Exception {
    List<String> workloads = args.length > 0 ? List.of(args) : WasmRounds.WORKLOADS;
    System.out.printf(Locale.ROOT, "WasmCounterAccessBench: %d rounds of fresh instances x (%d warm-up +"
        + " %d timed runs), thread CPU ms%n", ROUNDS, WARMUPS, RUNS);
    for (String name : workloads) {
      int argument = WasmRounds.argument(name);
      byte[] plain = WasmRounds.wasm(name);
      byte[] metered = MeteringInstrumenter.builder().build().instrument(plain).wasm();
      List<WasmRounds.Form> forms = List.of(
          new WasmRounds.Form(NAMES[0], () -> WasmRounds.chicory(plain), false),
          new WasmRounds.Form(NAMES[1], () -> WasmRounds.chicory(metered), true),
          new WasmRounds.Form(NAMES[2], () -> StandaloneInstances.of(plain), false),
          new WasmRounds.Form(NAMES[3], () -> StandaloneInstances.of(metered, false), true),
          new WasmRounds.Form(NAMES[4], () -> StandaloneInstances.of(metered, true), true));
      WasmRounds.Measured m = WasmRounds.run(forms, argument, ROUNDS, WARMUPS, RUNS);
      System.out.println(name + ":");
      for (int k = 0; k < NAMES.length; k++) {
        System.out.printf(Locale.ROOT, "  %-48s %8.2f ms   %s%n", NAMES[k],
            WasmRounds.median(m.roundCpuMs()[k]), WasmRounds.overhead(m.cpuRatios(k, BASELINE[k])));
      }
    }
  }
}
