package dev.canopy.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.StandaloneInstances;
import dev.canopy.wasm.WasmEngine;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
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
 * The same Wasm workloads (bench/wasm/*.wat) run four ways: metered (instrumented, Chicory
 * compiler, compiled and instantiated as the engine does: its paged memory, the counter global
 * reached through it), plain Chicory compiler as the engine uses it (its memory, its rewrites of
 * the generated code but the counter's), plain stock Chicory (its compiler and its default {@code
 * ByteArrayMemory}), and V8 through {@code node bench/wasm/run.mjs}; then the cost of
 * instrumenting, compiling and loading a module.
 *
 * <p>Targets: metered at least 0.5x V8's speed on the compute-bound workloads; metering overhead
 * at most 30% over plain Chicory. The overhead is given against both plain forms: against the
 * engine's form it is the metering alone, against stock Chicory the engine's whole cost.
 *
 * <p>Usage: {@code bench/run WasmBench [run] [workload...]} ({@code run}: only the workloads'
 * table; default all four workloads), {@code bench/run WasmBench load} (only the engine's module
 * cache).
 *
 * <p>Note: each workload runs in a JVM of its own (a child {@code java} on this class path), since
 * what ran before in the same JVM changed a workload's overhead severalfold (stream: +23% alone,
 * +100% after fib and hash). Within it the timing is {@link WasmRounds}': rounds of fresh
 * instances, the three Chicory forms alternating, thread CPU time.
 */
public final class WasmBench {
  private static final int ROUNDS = 6; // a multiple of the three forms (WasmRounds)
  private static final int WARMUPS = 5;
  private static final int RUNS = 11;
  /** A child JVM running one workload gives up after this long. */
  private static final long WORKLOAD_TIMEOUT_MS = 15 * 60 * 1000;
  private static final String ROW = "%-8s %-8s %14s %14s %14s %14s %9s %22s %22s %13s %10s%n";

  /** Median (and best) CPU and wall ms of some runs, and what the last run returned. */
  private record Timing(double medianMs, double bestMs, double wallMedianMs, long result) {}

  private WasmBench() {}

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(List.of(args));
    if (!rest.isEmpty() && rest.get(0).equals("load")) {
      engineLoads(); // only the engine's module cache (a quicker run)
      return;
    }
    if (!rest.isEmpty() && rest.get(0).equals("workload")) {
      runWorkload(rest.get(1)); // in a child JVM of the run below
      return;
    }
    boolean workloadsOnly = !rest.isEmpty() && rest.get(0).equals("run"); // only the workloads' table
    if (workloadsOnly) {
      rest.remove(0);
    }
    List<String> workloads = rest.isEmpty() ? WasmRounds.WORKLOADS : rest;
    workloads.forEach(WasmRounds::argument); // fails on an unknown name before anything runs
    System.out.printf(Locale.ROOT, "WasmBench: each workload in a fresh JVM, %d rounds of fresh instances x"
        + " (%d warm-up + %d timed runs); thread CPU ms, median (best) over all timed runs%n",
        ROUNDS, WARMUPS, RUNS);
    System.out.printf(Locale.ROOT, ROW, "workload", "kind", "metered", "plain, eng.mem", "plain chicory",
        "V8 (node)", "meter/V8", "overhead vs eng.mem", "overhead vs chicory", "wall vs e/c", "instr/s");
    for (String w : workloads) {
      runChild(w);
    }
    System.out.println("metered and plain, eng.mem: Chicory's compiler as the engine uses it (its memory and"
        + " rewrites; metered as the engine runs it); plain chicory: stock Chicory (ByteArrayMemory).");
    System.out.println("meter/V8: V8's CPU time / metered CPU time (1.0 = V8's speed); overhead: metered /"
        + " plain - 1 by CPU time (wall: by wall time), median over rounds [their range]");
    if (workloadsOnly) {
      return;
    }
    moduleLoads(workloads);
    engineLoads();
  }

  /** Runs {@code workload} in a child JVM on this class path and passes its output on. */
  private static void runChild(String workload) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", classPath(), WasmBench.class.getName(), "workload",
        workload).inheritIO().start();
    if (!child.waitFor(WORKLOAD_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      child.destroyForcibly();
      throw new IllegalStateException(workload + ": the child JVM timed out");
    }
    if (child.exitValue() != 0) {
      throw new IllegalStateException(workload + ": the child JVM failed (" + child.exitValue() + ")");
    }
  }

  /**
   * This program's class path: under {@code mvn exec:java} (bench/run) the classes come from the
   * plugin's class loader, not from {@code java.class.path}, which is Maven's own.
   */
  private static String classPath() {
    List<String> entries = new ArrayList<>();
    for (ClassLoader l = WasmBench.class.getClassLoader(); l != null; l = l.getParent()) {
      if (l instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          try {
            entries.add(Path.of(url.toURI()).toString());
          } catch (URISyntaxException e) {
            throw new IllegalStateException("class path entry " + url, e);
          }
        }
      }
    }
    return entries.isEmpty() ? System.getProperty("java.class.path")
        : String.join(File.pathSeparator, entries);
  }

  /** One workload's row of the table: metered, plain on both memories, and V8. */
  private static void runWorkload(String name) throws Exception {
    int argument = WasmRounds.argument(name);
    byte[] wasm = WasmRounds.wasm(name);
    byte[] metered = MeteringInstrumenter.builder().build().instrument(wasm).wasm();
    WasmRounds.Measured m = WasmRounds.run(List.of(
        new WasmRounds.Form("metered", () -> StandaloneInstances.of(metered), true),
        new WasmRounds.Form("plain, engine memory", () -> StandaloneInstances.of(wasm), false),
        new WasmRounds.Form("plain chicory", () -> WasmRounds.chicory(wasm), false)),
        argument, ROUNDS, WARMUPS, RUNS);
    Path file = Files.createTempFile("canopy-wasm-bench", ".wasm");
    Timing v;
    try {
      Files.write(file, wasm);
      v = timeNode(file, argument);
    } finally {
      Files.delete(file);
    }
    if (v.result() != m.results()[0]) {
      throw new IllegalStateException(name + ": results differ: chicory " + m.results()[0] + ", V8 "
          + v.result());
    }
    Timing metering = timing(m.cpuMs()[0], m.wallMs()[0]);
    double instructionsPerSecond = m.charged()[0] / (metering.medianMs() / 1000);
    System.out.printf(Locale.ROOT, ROW, name, WasmRounds.kind(name), fmt(metering),
        fmt(timing(m.cpuMs()[1], m.wallMs()[1])), fmt(timing(m.cpuMs()[2], m.wallMs()[2])), fmt(v),
        String.format(Locale.ROOT, "%.2fx", v.medianMs() / metering.medianMs()),
        WasmRounds.overhead(m.cpuRatios(0, 1)), WasmRounds.overhead(m.cpuRatios(0, 2)),
        String.format(Locale.ROOT, "%+.0f/%+.0f%%", (WasmRounds.median(m.wallRatios(0, 1)) - 1) * 100,
            (WasmRounds.median(m.wallRatios(0, 2)) - 1) * 100),
        String.format(Locale.ROOT, "%.3g", instructionsPerSecond));
  }

  /** Instrumenting and compiling each module (no instantiation), against V8's compile. */
  private static void moduleLoads(List<String> workloads) throws IOException, InterruptedException {
    MeteringInstrumenter instrumenter = MeteringInstrumenter.builder().build();
    System.out.println();
    System.out.println("Module load: instrument, Chicory parse+validate+compile (no instantiation), V8 compile; median of 3 (ms)");
    System.out.printf(Locale.ROOT, "%-20s %8s %10s %12s %14s %14s %10s%n",
        "module", "KiB", "+KiB", "instrument", "chicory metered", "chicory plain", "V8");
    List<String> names = new ArrayList<>();
    List<byte[]> modules = new ArrayList<>();
    for (String w : workloads) {
      names.add(w + ".wasm");
      modules.add(WasmRounds.wasm(w));
    }
    try (InputStream in = WasmBench.class.getResourceAsStream("/motoko/counter.wasm")) {
      if (in != null) {
        names.add("motoko counter.wasm");
        modules.add(in.readAllBytes());
      }
    }
    for (int i = 0; i < names.size(); i++) {
      byte[] wasm = modules.get(i);
      Path file = Files.createTempFile("canopy-wasm-load", ".wasm");
      double v8;
      try {
        Files.write(file, wasm);
        v8 = WasmRounds.median(nodeCompile(file, 3));
      } finally {
        Files.delete(file);
      }
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
      System.out.printf(Locale.ROOT, "%-20s %8.1f %+10.1f %12.2f %14.1f %14.1f %10.2f%n",
          names.get(i), wasm.length / 1024.0, (instrumented.length - wasm.length) / 1024.0,
          WasmRounds.median(instrument), WasmRounds.median(compileMetered),
          WasmRounds.median(compilePlain), v8);
    }
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
        "cold: validate+instrument+compile+store", WasmRounds.median(cold), WasmRounds.min(cold), coldRuns);
    System.out.printf(Locale.ROOT, "%-44s %10.2f %10.2f %8d   %.4fx cold%n",
        "(a) same engine again (memory cache)", WasmRounds.median(memory), WasmRounds.min(memory), memoryRuns,
        WasmRounds.median(memory) / WasmRounds.median(cold));
    System.out.printf(Locale.ROOT, "%-44s %10.1f %10.1f %8d   %.4fx cold, first %.1f ms%n",
        "(b) fresh engine, warm disk cache", WasmRounds.median(disk), WasmRounds.min(disk), diskRuns,
        WasmRounds.median(disk) / WasmRounds.median(cold), firstDisk);
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

  private static Timing timing(double[] cpu, double[] wall) {
    return timing(cpu, wall, 0);
  }

  private static Timing timing(double[] cpu, double[] wall, long result) {
    return new Timing(WasmRounds.median(cpu), WasmRounds.min(cpu), WasmRounds.median(wall), result);
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

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static String fmt(Timing t) {
    return String.format(Locale.ROOT, "%.1f (%.1f)", t.medianMs(), t.bestMs());
  }
}
