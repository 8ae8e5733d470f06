package dev.canopy.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.WasmEngine;
import dev.canopy.wasm.instrument.InstrumentedModule;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.io.IOException;
import java.io.InputStream;
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
 * Chicory compiler, ByteArrayMemory), plain Chicory compiler (same memory), and V8 through
 * {@code node bench/wasm/run.mjs}; then the cost of instrumenting, compiling and loading a module.
 *
 * <p>Targets: metered at least 0.5x V8's speed on the compute-bound workloads; metering overhead
 * at most 30% over plain Chicory. Times are the median of the timed runs after warm-up runs; the
 * metered and plain Chicory runs alternate.
 */
public final class WasmBench {
  private static final int WARMUPS = 3;
  private static final int RUNS = 7;

  private record Workload(String name, String kind, int argument) {}

  private static final List<Workload> WORKLOADS =
      List.of(
          new Workload("fib", "compute", 30),
          new Workload("hash", "compute", 60),
          new Workload("stream", "memory", 3),
          new Workload("random", "memory", 6_000_000));

  private record Timing(double medianMs, double bestMs, long result) {}

  private WasmBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("load")) {
      engineLoads(); // only the engine's module cache (a quicker run)
      return;
    }
    Path dir = Files.createTempDirectory("canopy-wasm-bench");
    MeteringInstrumenter instrumenter = MeteringInstrumenter.builder().build();
    System.out.printf(Locale.ROOT, "WasmBench: %d warm-up + %d timed runs each, median (best) ms%n", WARMUPS, RUNS);
    System.out.printf(Locale.ROOT, "%-8s %-8s %16s %16s %16s %10s %10s %12s%n",
        "workload", "kind", "metered", "plain chicory", "V8 (node)", "meter/V8", "overhead", "instr/s");
    for (Workload w : WORKLOADS) {
      byte[] wasm = Wat2Wasm.parse(Files.readString(Path.of("bench", "wasm", w.name() + ".wat")));
      Path file = dir.resolve(w.name() + ".wasm");
      Files.write(file, wasm);
      InstrumentedModule metered = instrumenter.instrument(wasm);

      long[] used = new long[1];
      Timing[] chicory = timeChicory(metered.wasm(), wasm, w.argument(), used);
      Timing m = chicory[0];
      Timing p = chicory[1];
      Timing v = timeNode(file, w.argument());
      if (m.result() != p.result() || p.result() != v.result()) {
        throw new IllegalStateException(w.name() + ": results differ: metered " + m.result()
            + ", chicory " + p.result() + ", V8 " + v.result());
      }
      double speedVsV8 = v.medianMs() / m.medianMs();
      double overhead = m.medianMs() / p.medianMs() - 1;
      double instructionsPerSecond = used[0] / (m.medianMs() / 1000);
      System.out.printf(Locale.ROOT, "%-8s %-8s %16s %16s %16s %9.2fx %+9.0f%% %12.3g%n",
          w.name(), w.kind(), fmt(m), fmt(p), fmt(v), speedVsV8, overhead * 100, instructionsPerSecond);
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

  private static Instance instantiate(byte[] wasm) {
    var module = Parser.parse(wasm);
    return Instance.builder(module)
        .withMachineFactory(MachineFactoryCompiler::compile)
        .withMemoryFactory(ByteArrayMemory::new)
        .build();
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

  /**
   * Times the metered and the plain module with their runs interleaved (metered, plain, metered,
   * ...), so that load from other processes on this shared machine hits both alike.
   */
  private static Timing[] timeChicory(byte[] meteredWasm, byte[] plainWasm, int argument, long[] usedOut) {
    Instance metered = instantiate(meteredWasm);
    Instance plain = instantiate(plainWasm);
    ExportFunction meteredRun = metered.export("run");
    ExportFunction plainRun = plain.export("run");
    GlobalInstance counter = metered.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
    GlobalInstance depth = metered.exports().global(MeteringInstrumenter.CALL_DEPTH_EXPORT);
    double[] meteredTimes = new double[RUNS];
    double[] plainTimes = new double[RUNS];
    long meteredResult = 0;
    long plainResult = 0;
    for (int i = 0; i < WARMUPS + RUNS; i++) {
      counter.setValue(Long.MAX_VALUE);
      depth.setValue(0);
      long t0 = System.nanoTime();
      meteredResult = meteredRun.apply(argument)[0];
      long t1 = System.nanoTime();
      plainResult = plainRun.apply(argument)[0];
      long t2 = System.nanoTime();
      if (i >= WARMUPS) {
        meteredTimes[i - WARMUPS] = ms(t1 - t0);
        plainTimes[i - WARMUPS] = ms(t2 - t1);
      }
      usedOut[0] = Long.MAX_VALUE - counter.getValue();
    }
    return new Timing[] {timing(meteredTimes, meteredResult), timing(plainTimes, plainResult)};
  }

  private static Timing timing(double[] times, long result) {
    return new Timing(median(times), Arrays.stream(times).min().orElseThrow(), result);
  }

  private static Timing timeNode(Path file, int argument) throws IOException, InterruptedException {
    String out = node("run", file.toString(), Integer.toString(argument), Integer.toString(WARMUPS), Integer.toString(RUNS));
    double[] runs = numbers(field(out, "runsMs", "\\[([^\\]]*)\\]"));
    long result = Long.parseLong(field(out, "result", "\"(-?\\d+)\""));
    return new Timing(median(runs), Arrays.stream(runs).min().orElseThrow(), result);
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
