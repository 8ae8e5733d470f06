package dev.canopy.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.StandaloneInstances;
import dev.canopy.wasm.WasmEngine;
import dev.canopy.wasm.instrument.InstrumentedModule;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The same Wasm workloads (bench/wasm/*.wat) run three ways in one run: metered (instrumented,
 * Chicory compiler, compiled and instantiated as the engine does: its paged memory, the counter
 * global reached through it), plain Chicory compiler (same memory), and V8 through
 * {@code node bench/wasm/run.mjs}; then the cost of instrumenting, compiling and loading a module.
 *
 * <p>Targets: metered at least 0.5x V8's speed on the compute-bound workloads; metering overhead
 * at most 30% over plain Chicory.
 *
 * <p>Note: the machine is shared, so times are the running thread's CPU time (wall time beside
 * it), which other processes inflate far less than wall time; and each workload runs in {@link
 * #ROUNDS} rounds, each on freshly instantiated (so freshly compiled and JIT-compiled) modules,
 * since C2's decisions for the same code differ from one compilation to the next by up to a
 * tenth. In a round the metered and plain runs alternate; the overhead of a round is the ratio of
 * its medians, and the one reported the median over rounds, with their range.
 */
public final class WasmBench {
  private static final int ROUNDS = 5;
  private static final int WARMUPS = 5;
  private static final int RUNS = 11;

  private record Workload(String name, String kind, int argument) {}

  private static final List<Workload> WORKLOADS =
      List.of(
          new Workload("fib", "compute", 30),
          new Workload("hash", "compute", 60),
          new Workload("stream", "memory", 3),
          new Workload("random", "memory", 6_000_000));

  /** Median (and best) CPU and wall ms of some runs, and what the last run returned. */
  private record Timing(double medianMs, double bestMs, double wallMedianMs, long result) {}

  /** The metered and plain timings of one workload over all rounds, and each round's overheads. */
  private record Comparison(Timing metered, Timing plain, double[] overheads, double[] wallOverheads) {}

  private WasmBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("load")) {
      engineLoads(); // only the engine's module cache (a quicker run)
      return;
    }
    boolean workloadsOnly = args.length > 0 && args[0].equals("run"); // only the workloads' table
    Path dir = Files.createTempDirectory("canopy-wasm-bench");
    MeteringInstrumenter instrumenter = MeteringInstrumenter.builder().build();
    System.out.printf(Locale.ROOT, "WasmBench: %d rounds of fresh instances x (%d warm-up + %d timed"
        + " runs); thread CPU ms, median (best) over all timed runs%n", ROUNDS, WARMUPS, RUNS);
    System.out.printf(Locale.ROOT, "%-8s %-8s %16s %16s %16s %9s %22s %9s %11s%n", "workload", "kind",
        "metered", "plain chicory", "V8 (node)", "meter/V8", "overhead [rounds]", "wall", "instr/s");
    for (Workload w : WORKLOADS) {
      byte[] wasm = Wat2Wasm.parse(Files.readString(Path.of("bench", "wasm", w.name() + ".wat")));
      Path file = dir.resolve(w.name() + ".wasm");
      Files.write(file, wasm);
      InstrumentedModule metered = instrumenter.instrument(wasm);

      long[] used = new long[1];
      Comparison chicory = timeChicory(metered.wasm(), wasm, w.argument(), used);
      Timing m = chicory.metered();
      Timing p = chicory.plain();
      Timing v = timeNode(file, w.argument());
      if (m.result() != p.result() || p.result() != v.result()) {
        throw new IllegalStateException(w.name() + ": results differ: metered " + m.result()
            + ", chicory " + p.result() + ", V8 " + v.result());
      }
      double speedVsV8 = v.medianMs() / m.medianMs();
      double[] overheads = chicory.overheads().clone();
      Arrays.sort(overheads);
      double instructionsPerSecond = used[0] / (m.medianMs() / 1000);
      System.out.printf(Locale.ROOT, "%-8s %-8s %16s %16s %16s %8.2fx %22s %+8.0f%% %11.3g%n",
          w.name(), w.kind(), fmt(m), fmt(p), fmt(v), speedVsV8,
          String.format(Locale.ROOT, "%+.0f%% [%+.0f%%..%+.0f%%]", (median(overheads) - 1) * 100,
              (overheads[0] - 1) * 100, (overheads[overheads.length - 1] - 1) * 100),
          (median(chicory.wallOverheads()) - 1) * 100, instructionsPerSecond);
    }
    System.out.println("meter/V8: V8's CPU time / metered CPU time (1.0 = V8's speed); overhead: metered /"
        + " plain - 1 by CPU time (wall: by wall time), median over rounds [their range]");
    if (workloadsOnly) {
      for (Workload w : WORKLOADS) {
        Files.delete(dir.resolve(w.name() + ".wasm"));
      }
      Files.delete(dir);
      return;
    }

    System.out.println();
    System.out.println("Module load: instrument, Chicory parse+validate+compile (no instantiation), V8 compile; median of 3 (ms)");
    System.out.printf(Locale.ROOT, "%-20s %8s %10s %12s %14s %14s %10s%n",
        "module", "KiB", "+KiB", "instrument", "chicory metered", "chicory plain", "V8");
    List<String> names = new ArrayList<>();
    List<byte[]> modules = new ArrayList<>();
    for (Workload w : WORKLOADS) {
      names.add(w.name() + ".wasm");
      modules.add(Files.readAllBytes(dir.resolve(w.name() + ".wasm")));
    }
    try (InputStream in = WasmBench.class.getResourceAsStream("/motoko/counter.wasm")) {
      if (in != null) {
        names.add("motoko counter.wasm");
        modules.add(in.readAllBytes());
      }
    }
    for (int i = 0; i < names.size(); i++) {
      byte[] wasm = modules.get(i);
      Path file = dir.resolve("load-" + i + ".wasm");
      Files.write(file, wasm);
      double[] instrument = new double[3];
      double[] compileMetered = new double[3];
      double[] compilePlain = new double[3];
      byte[] instrumented = null;
      for (int r = 0; r < 3; r++) {
        long t0 = System.nanoTime();
        instrumented = instrumenter.instrument(wasm).wasm();
        instrument[r] = ms(System.nanoTime() - t0);
        compileMetered[r] = timeLoad(instrumented);
        compilePlain[r] = timeLoad(wasm);
      }
      double v8 = median(nodeCompile(file, 3));
      System.out.printf(Locale.ROOT, "%-20s %8.1f %+10.1f %12.2f %14.1f %14.1f %10.2f%n",
          names.get(i), wasm.length / 1024.0, (instrumented.length - wasm.length) / 1024.0,
          median(instrument), median(compileMetered), median(compilePlain), v8);
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
    engineLoads();
  }

  /**
   * The engine's module cache: a cold load (validate, instrument, compile, write the disk cache)
   * as the baseline; a second load of the same module by the same engine (in-memory cache); and a
   * load by a fresh engine whose disk cache already holds the module, as after a restart.
   */
  static void engineLoads() throws IOException {
    byte[] counter;
    try (InputStream in = WasmBench.class.getResourceAsStream("/motoko/counter.wasm")) {
      if (in == null) {
        return;
      }
      counter = in.readAllBytes();
    }
    final int coldRuns = 3;
    final int memoryRuns = 21;
    final int diskRuns = 9;
    double[] cold = new double[coldRuns];
    double[] memory = new double[memoryRuns];
    double[] disk = new double[diskRuns];
    double firstDisk = 0;
    List<Path> dirs = new ArrayList<>();
    for (int c = 0; c < coldRuns; c++) {
      Path cacheDir = Files.createTempDirectory("canopy-wasm-cache");
      dirs.add(cacheDir);
      try (WasmEngine engine = WasmEngine.builder().withModuleCacheDir(cacheDir).build()) {
        long t0 = System.nanoTime();
        engine.load(counter);
        cold[c] = ms(System.nanoTime() - t0);
        if (engine.stats().compilations() != 1) {
          throw new IllegalStateException("the cold load did not compile: " + engine.stats());
        }
        if (c == 0) {
          for (int r = 0; r < memoryRuns; r++) {
            long t1 = System.nanoTime();
            engine.load(counter);
            memory[r] = ms(System.nanoTime() - t1);
          }
          if (engine.stats().memoryCacheHits() != memoryRuns) {
            throw new IllegalStateException("second loads missed the memory cache: " + engine.stats());
          }
        }
      }
    }
    for (int r = 0; r < diskRuns; r++) {
      try (WasmEngine engine = WasmEngine.builder().withModuleCacheDir(dirs.get(0)).build()) {
        long t0 = System.nanoTime();
        engine.load(counter);
        disk[r] = ms(System.nanoTime() - t0);
        if (engine.stats().compilations() != 0 || engine.stats().diskCacheHits() < 1) {
          throw new IllegalStateException("the restarted engine did not use its disk cache: "
              + engine.stats());
        }
      }
      if (r == 0) {
        firstDisk = disk[0];
      }
    }
    System.out.println();
    System.out.println("Engine load of the Motoko counter (" + counter.length / 1024
        + " KiB) through WasmEngine.load, ms");
    System.out.printf(Locale.ROOT, "%-44s %10s %10s %8s%n", "case", "median", "best", "runs");
    System.out.printf(Locale.ROOT, "%-44s %10.1f %10.1f %8d%n",
        "cold: validate+instrument+compile+store", median(cold), min(cold), coldRuns);
    System.out.printf(Locale.ROOT, "%-44s %10.2f %10.2f %8d   %.4fx cold%n",
        "(a) same engine again (memory cache)", median(memory), min(memory), memoryRuns,
        median(memory) / median(cold));
    System.out.printf(Locale.ROOT, "%-44s %10.1f %10.1f %8d   %.4fx cold, first %.1f ms%n",
        "(b) fresh engine, warm disk cache", median(disk), min(disk), diskRuns,
        median(disk) / median(cold), firstDisk);
    for (Path d : dirs) {
      deleteTree(d);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  /** As the engine compiles and instantiates (its memory; the counter global through it). */
  private static Instance instantiate(byte[] wasm) {
    return StandaloneInstances.of(wasm);
  }

  /** Parse (which validates) and compile to JVM bytecode; instantiation is left out. */
  private static double timeLoad(byte[] wasm) {
    long t0 = System.nanoTime();
    var factory = MachineFactoryCompiler.compile(Parser.parse(wasm));
    double elapsed = ms(System.nanoTime() - t0);
    if (factory == null) {
      throw new IllegalStateException("no machine factory");
    }
    return elapsed;
  }

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /**
   * Times the metered and the plain module in {@link #ROUNDS} rounds of fresh instances, their
   * runs interleaved (metered, plain, metered, ...) so that load from other processes on this
   * shared machine hits both alike.
   */
  private static Comparison timeChicory(byte[] meteredWasm, byte[] plainWasm, int argument, long[] usedOut) {
    double[] meteredCpu = new double[ROUNDS * RUNS];
    double[] plainCpu = new double[ROUNDS * RUNS];
    double[] meteredWall = new double[ROUNDS * RUNS];
    double[] plainWall = new double[ROUNDS * RUNS];
    double[] overheads = new double[ROUNDS];
    double[] wallOverheads = new double[ROUNDS];
    long meteredResult = 0;
    long plainResult = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Instance metered = instantiate(meteredWasm);
      Instance plain = instantiate(plainWasm);
      ExportFunction meteredRun = metered.export("run");
      ExportFunction plainRun = plain.export("run");
      GlobalInstance counter = metered.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
      GlobalInstance depth = metered.exports().global(MeteringInstrumenter.CALL_DEPTH_EXPORT);
      int from = round * RUNS;
      for (int i = 0; i < WARMUPS + RUNS; i++) {
        counter.setValue(Long.MAX_VALUE);
        depth.setValue(0);
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        meteredResult = meteredRun.apply(argument)[0];
        long c1 = THREADS.getCurrentThreadCpuTime();
        long t1 = System.nanoTime();
        plainResult = plainRun.apply(argument)[0];
        long c2 = THREADS.getCurrentThreadCpuTime();
        long t2 = System.nanoTime();
        if (i >= WARMUPS) {
          meteredCpu[from + i - WARMUPS] = ms(c1 - c0);
          plainCpu[from + i - WARMUPS] = ms(c2 - c1);
          meteredWall[from + i - WARMUPS] = ms(t1 - t0);
          plainWall[from + i - WARMUPS] = ms(t2 - t1);
        }
        usedOut[0] = Long.MAX_VALUE - counter.getValue();
      }
      overheads[round] = median(Arrays.copyOfRange(meteredCpu, from, from + RUNS))
          / median(Arrays.copyOfRange(plainCpu, from, from + RUNS));
      wallOverheads[round] = median(Arrays.copyOfRange(meteredWall, from, from + RUNS))
          / median(Arrays.copyOfRange(plainWall, from, from + RUNS));
    }
    return new Comparison(timing(meteredCpu, meteredWall, meteredResult), timing(plainCpu, plainWall, plainResult),
        overheads, wallOverheads);
  }

  private static Timing timing(double[] cpu, double[] wall, long result) {
    return new Timing(median(cpu), Arrays.stream(cpu).min().orElseThrow(), median(wall), result);
  }

  private static Timing timeNode(Path file, int argument) throws IOException, InterruptedException {
    String out = node("run", file.toString(), Integer.toString(argument), Integer.toString(WARMUPS),
        Integer.toString(RUNS), Integer.toString(ROUNDS));
    double[] cpu = numbers(field(out, "cpuMs", "\\[([^\\]]*)\\]"));
    double[] wall = numbers(field(out, "runsMs", "\\[([^\\]]*)\\]"));
    long result = Long.parseLong(field(out, "result", "\"(-?\\d+)\""));
    return timing(cpu, wall, result);
  }

  private static double[] nodeCompile(Path file, int times) throws IOException, InterruptedException {
    return numbers(field(node("compile", file.toString(), Integer.toString(times)), "compileMs", "\\[([^\\]]*)\\]"));
  }

  private static String node(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node", Path.of("bench", "wasm", "run.mjs").toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("node failed: " + out);
    }
    return out;
  }

  private static String field(String json, String name, String valuePattern) {
    Matcher m = Pattern.compile("\"" + name + "\":" + valuePattern).matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + name + " in node output: " + json);
    }
    return m.group(1);
  }

  private static double[] numbers(String list) {
    return Arrays.stream(list.split(",")).mapToDouble(Double::parseDouble).toArray();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static String fmt(Timing t) {
    return String.format(Locale.ROOT, "%.1f (%.1f)", t.medianMs(), t.bestMs());
  }
}
