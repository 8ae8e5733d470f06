package dev.canopy.wasm.instrument;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.Parser;

/** Runs (instrumented) modules on Chicory's interpreter or compiler, reading the meters after. */
final class ChicoryRunner {
  enum Engine {
    INTERPRETER,
    COMPILER
  }

  /** What one call did: its results, or that it trapped; and the meters afterwards. */
  record Outcome(long[] results, boolean trapped, String trapMessage, long instructionsLeft, long callDepth) {
    long result() {
      return results[0];
    }
  }

  private static final long WASM_STACK_BYTES = 256L << 20;

  private final Instance instance;
  private final boolean metered;

  private ChicoryRunner(Instance instance, boolean metered) {
    this.instance = instance;
    this.metered = metered;
  }

  static ChicoryRunner of(byte[] wasm, Engine engine) {
    var module = Parser.parse(wasm);
    var builder = Instance.builder(module);
    if (engine == Engine.COMPILER) {
      builder.withMachineFactory(MachineFactoryCompiler::compile);
    }
    boolean metered = false;
    var exports = module.exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      metered |= exports.getExport(i).name().equals(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
    }
    return new ChicoryRunner(builder.build(), metered);
  }

  Instance instance() {
    return instance;
  }

  Outcome call(String export, long budget, long... args) {
    if (metered) {
      instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).setValue(budget);
      instance.exports().global(MeteringInstrumenter.CALL_DEPTH_EXPORT).setValue(0);
    }
    long[][] results = new long[1][];
    String[] trap = new String[1];
    RuntimeException[] failure = new RuntimeException[1];
    // Note: like the engine, run Wasm on a thread with a large, known stack, so that the
    // instrumented depth limit (not the JVM's stack, which the interpreter's frames fill several
    // times faster than compiled code) decides where recursion stops, whatever the test thread's
    // stack size.
    Thread runner =
        new Thread(
            null,
            () -> {
              try {
                results[0] = instance.export(export).apply(args);
              } catch (TrapException | WasmRuntimeException e) {
                trap[0] = e.getMessage();
              } catch (RuntimeException e) {
                failure[0] = e;
              }
            },
            "wasm-test-runner",
            WASM_STACK_BYTES);
    runner.start();
    try {
      runner.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    long left = metered ? instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).getValue() : 0;
    long depth = metered ? instance.exports().global(MeteringInstrumenter.CALL_DEPTH_EXPORT).getValue() : 0;
    return new Outcome(results[0], trap[0] != null, trap[0], left, depth);
  }

  /** Instructions consumed by a call that must not trap under a large budget. */
  long cost(String export, long... args) {
    long budget = 1L << 50;
    Outcome outcome = call(export, budget, args);
    if (outcome.trapped()) {
      throw new AssertionError(export + " trapped: " + outcome.trapMessage());
    }
    return budget - outcome.instructionsLeft();
  }
}
