package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The code the engine runs ends only where its instructions end, the same on every replica: an
 * interrupted thread, a local event, neither stops nor traps it (Chicory's own compiled code
 * throws there).
 */
class InterruptionChecksTest {
  private static final String COUNTER = MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT;
  private static final String DEPTH = MeteringInstrumenter.CALL_DEPTH_EXPORT;

  // Calls, a loop and a call through the table: every place Chicory compiles a check.
  private static final String MODULE =
      """
      (module
        (memory 1)
        (type $i2i (func (param i32) (result i32)))
        (table 1 funcref)
        (elem (i32.const 0) $square)
        (func $square (param $x i32) (result i32) (i32.mul (local.get $x) (local.get $x)))
        (func (export "run") (param $n i32) (result i32)
          (local $i i32) (local $sum i32)
          (loop $l
            (local.set $sum (i32.add (local.get $sum) (call $square (local.get $i))))
            (local.set $sum (i32.add (local.get $sum)
              (call_indirect (type $i2i) (local.get $i) (i32.const 0))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
          (local.get $sum)))
      """;

  private static byte[] instrumented() {
    return MeteringInstrumenter.builder().build().instrument(Wat2Wasm.parse(MODULE)).wasm();
  }

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void theEnginesCompiledCodeHasNoInterruptionCheckLeft() {
    for (byte[] wasm : new byte[][] {Wat2Wasm.parse(MODULE), instrumented()}) {
      var module = Parser.parse(wasm);
      var compiled = CounterGlobalShortcut.compile(module, CounterGlobalShortcut.counterGlobal(module));
      // At least one before each call (direct and indirect) and one at the loop's back edge.
      assertThat(compiled.removedInterruptionChecks()).isGreaterThanOrEqualTo(3);
      assertThat(GeneratedClasses.called(compiled.payload())).isNotEmpty()
          .extracting(GeneratedClasses.Method::name).doesNotContain("checkInterruption");
    }
  }

  @Test
  void aRunOnAnInterruptedThreadGoesOnToItsEnd() {
    byte[] wasm = instrumented();
    long[] expected = run(StandaloneInstances.of(wasm), 1_000);
    assertThat(expected[0]).isEqualTo(2 * 332_833_500L);

    Thread.currentThread().interrupt();
    assertThat(run(StandaloneInstances.of(wasm), 1_000)).containsExactly(expected);
    // The flag is left for whoever owns the thread.
    assertThat(Thread.interrupted()).isTrue();
  }

  @Test
  void chicorysOwnCompiledCodeStopsOnAnInterruptedThread() {
    var module = Parser.parse(instrumented());
    Instance own = Instance.builder(module)
        .withMachineFactory(MachineFactoryCompiler::compile)
        .withMemoryFactory(ByteArrayMemory::new)
        .build();
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> run(own, 1_000)).isInstanceOf(ChicoryInterruptedException.class);
  }

  /** {@code run(n)}'s result and the instructions it left of a large budget. */
  private static long[] run(Instance instance, int n) {
    long budget = 1L << 40;
    instance.exports().global(COUNTER).setValue(budget);
    instance.exports().global(DEPTH).setValue(0);
    long result = instance.export("run").apply(n)[0];
    return new long[] {result, instance.exports().global(COUNTER).getValue()};
  }
}
