package dev.canopy.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.wasm.CanisterInput;
import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.CanisterState;
import dev.canopy.wasm.CanisterStatus;
import dev.canopy.wasm.ExecutionEnvironment;
import dev.canopy.wasm.ExecutionResult;
import dev.canopy.wasm.ModuleInstrumenter;
import dev.canopy.wasm.WasmEngine;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The engine's Wasm heap (copy-on-write pages, a fresh instance per message, state committed after
 * each message) against plain Chicory with its ByteArrayMemory, on the same uninstrumented module:
 * what the execution path costs on memory-bound code, apart from metering.
 */
public final class WasmMemoryBench {
  private static final int WARMUPS = 3;
  private static final int RUNS = 5;

  /** 16 MiB of heap; "stream" reads and writes all of it 4 times, "random" does 4M random updates. */
  private static final String WAT =
      """
      (module
        (import "ic0" "msg_reply" (func $reply))
        (memory 257)
        (func $stream
          (local $pass i32) (local $i i32)
          (loop $passes
            (local.set $i (i32.const 0))
            (loop $words
              (i64.store (local.get $i)
                (i64.add (i64.load (local.get $i)) (i64.extend_i32_u (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 8)))
              (br_if $words (i32.lt_u (local.get $i) (i32.const 16777216))))
            (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
            (br_if $passes (i32.lt_u (local.get $pass) (i32.const 4)))))
        (func $random
          (local $n i32) (local $x i32) (local $a i32)
          (local.set $x (i32.const 12345))
          (loop $steps
            (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
            (local.set $a (i32.and (local.get $x) (i32.const 16777212)))
            (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br_if $steps (i32.lt_u (local.get $n) (i32.const 4000000)))))
        (func (export "stream") (call $stream))
        (func (export "random") (call $random))
        (func (export "canister_update stream") (call $stream) (call $reply))
        (func (export "canister_update random") (call $random) (call $reply)))
      """;

  private WasmMemoryBench() {}

  public static void main(String[] args) {
    byte[] wasm = Wat2Wasm.parse(WAT);
    WasmModule parsed = Parser.parse(wasm);
    var factory = MachineFactoryCompiler.compile(parsed);
    Instance plain = Instance.builder(parsed)
        .withMachineFactory(factory)
        .withMemoryFactory(ByteArrayMemory::new)
        .withImportValues(ImportValues.builder()
            .addFunction(new HostFunction("ic0", "msg_reply", FunctionType.empty(),
                (inst, a) -> null))
            .build())
        .build();

    ExecutionEnvironment env = new ExecutionEnvironment(CanisterId.fromIndex(1),
        new SubnetId(Principal.fromBytes(new byte[] {1, 2})), 1, List.of(), CanisterStatus.RUNNING,
        0, BigInteger.TEN.pow(15), BigInteger.ZERO, BigInteger.ZERO, 1, new byte[0],
        new TreeMap<>());
    Principal user = Principal.fromBytes(new byte[] {3, 4});
    try (WasmEngine engine = WasmEngine.builder()
        .withInstrumenter(ModuleInstrumenter.NONE)
        .withExecutionThreads(1)
        .build()) {
      CanisterModule module = engine.load(wasm);
      CanisterState[] state = {
          engine.install(module, new WasmEngine.InstallArgs(new byte[0], user), env).state()};
      System.out.printf(Locale.ROOT,
          "WasmMemoryBench: %d warm-up + %d timed runs each, median ms%n", WARMUPS, RUNS);
      System.out.printf(Locale.ROOT, "%-8s %14s %14s %8s%n", "workload", "chicory (BAM)",
          "engine (COW)", "ratio");
      for (String name : List.of("stream", "random")) {
        double base = median(() -> plain.export(name).apply());
        double engineMs = median(() -> {
          ExecutionResult r = engine.execute(module, state[0],
              CanisterInput.MethodCall.update(name, new byte[0], user), env);
          if (r.trapped()) {
            throw new IllegalStateException(r.trap().get().message());
          }
          state[0] = r.state();
        });
        System.out.printf(Locale.ROOT, "%-8s %14.1f %14.1f %7.2fx%n", name, base, engineMs,
            engineMs / base);
      }
    }
  }

  private static double median(Runnable run) {
    for (int i = 0; i < WARMUPS; i++) {
      run.run();
    }
    double[] ms = new double[RUNS];
    for (int i = 0; i < RUNS; i++) {
      long t0 = System.nanoTime();
      run.run();
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    return ms[RUNS / 2];
  }
}
