package dev.canopy.wasm.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionImport;
import dev.canopy.wasm.instrument.ChicoryRunner.Engine;
import dev.canopy.wasm.instrument.ChicoryRunner.Outcome;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The counter lives in a local inside each function: the global must still be exact wherever a
 * host function or the host can read it, and branches out of a function must still restore the
 * call depth.
 */
class CounterSyncTest {
  private static final MeteringInstrumenter INSTRUMENTER =
      MeteringInstrumenter.builder().withMaxCallDepth(1000).build();

  private static final String BRANCHES =
      """
      (module
        (func $early (export "early") (param $x i32) (result i32)
          (br_if 0 (i32.const 5) (local.get $x))
          (drop)
          (i32.const 7))
        (func (export "twice") (param $x i32) (result i32)
          (i32.add (call $early (local.get $x)) (call $early (local.get $x))))
        (func $table (export "table") (param $x i32)
          (block (br_table 0 1 (local.get $x)))
          (nop))
        (func (export "tableTwice") (param $x i32)
          (call $table (local.get $x))
          (call $table (local.get $x)))
        (func (export "loopOnly") (param $n i32) (result i32)
          (local $i i32)
          (loop $top
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
          (local.get $i))
        (func (export "loopThenDivide") (param $n i32) (result i32)
          (local $i i32)
          (loop $top
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
          (i32.div_u (i32.const 1) (i32.const 0))))
      """;

  private static ChicoryRunner branches(Engine engine) {
    return ChicoryRunner.of(INSTRUMENTER.instrument(Wat2Wasm.parse(BRANCHES)).wasm(), engine);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aConditionalBranchOutOfTheFunctionIsChargedExactlyAndRestoresTheDepth(Engine engine) {
    ChicoryRunner runner = branches(engine);
    // Taken: entry 1 + i32.const 1 + local.get 1 + br_if 2 = 5. Not taken: + drop 1 + i32.const 1.
    assertThat(runner.cost("early", 1)).isEqualTo(5);
    assertThat(runner.cost("early", 0)).isEqualTo(7);
    Outcome exactly = runner.call("early", 5, 1);
    assertThat(exactly.trapped()).isFalse();
    assertThat(exactly.result()).isEqualTo(5);
    assertThat(exactly.instructionsLeft()).isZero();
    assertThat(exactly.callDepth()).isZero();
    Outcome oneShort = runner.call("early", 4, 1);
    assertThat(oneShort.trapped()).isTrue();
    assertThat(oneShort.instructionsLeft()).isNegative();

    // Called from Wasm: both ways out of $early leave the caller's depth as it was.
    for (int x : new int[] {0, 1}) {
      Outcome twice = runner.call("twice", 1000, x);
      assertThat(twice.trapped()).isFalse();
      assertThat(twice.result()).isEqualTo(x == 0 ? 14 : 10);
      assertThat(twice.callDepth()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aBranchTableOutOfTheFunctionRestoresTheDepth(Engine engine) {
    ChicoryRunner runner = branches(engine);
    // Out through the function's label: entry 1 + local.get 1 + br_table 2 = 4; through the
    // block: + nop 1.
    assertThat(runner.cost("table", 1)).isEqualTo(4);
    assertThat(runner.cost("table", 0)).isEqualTo(5);
    for (int x : new int[] {0, 1, 2}) {
      Outcome twice = runner.call("tableTwice", 1000, x);
      assertThat(twice.trapped()).isFalse();
      assertThat(twice.callDepth()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void straightLineCodeAfterALoopIsChargedWithTheLastIteration(Engine engine) {
    ChicoryRunner runner = branches(engine);
    // entry 1 | per iteration: get, const, add, set = 4; get, get, lt_u, br_if(2) = 5
    // | after the loop's end (no join point): local.get 1.
    for (int n : new int[] {1, 2, 999, 1000, 1001, 5000}) {
      assertThat(runner.cost("loopOnly", n)).as("n=%d", n).isEqualTo(9L * n + 2);
      long cost = 9L * n + 2;
      assertThat(runner.call("loopOnly", cost, n).instructionsLeft()).isZero();
      Outcome oneShort = runner.call("loopOnly", cost - 1, n);
      assertThat(oneShort.trapped()).isTrue();
      assertThat(oneShort.instructionsLeft()).isNegative();
    }
  }

  /**
   * Note: a trap the program causes itself comes where the counter may be valid only in a frame's
   * local. The engine's compiled code brings the global to it as the trap leaves each frame
   * (dev.canopy.wasm.TrapCounterSync), so the trap is charged exactly what ran, the trapping block
   * included. Chicory's own code has no such handler: there the global stays where it was last
   * synced (here, at the start), the same on both of Chicory's engines.
   */
  @org.junit.jupiter.api.Test
  void aProgramTrapIsChargedExactlyOnTheEngine() {
    byte[] wasm = INSTRUMENTER.instrument(Wat2Wasm.parse(BRANCHES)).wasm();
    long budget = 1L << 40;
    for (int n : new int[] {1, 10, 1000, 100_000}) {
      // entry 1, 9 per iteration, then i32.const, i32.const, i32.div_u (10) = 12.
      long charged = 9L * n + 13;
      assertThat(budget - engineLeftAfterTrap(wasm, "loopThenDivide", budget, n)).as("n=%d", n).isEqualTo(charged);
      Outcome compiled = branches(Engine.COMPILER).call("loopThenDivide", budget, n);
      assertThat(compiled.trapped()).isTrue();
      assertThat(budget - compiled.instructionsLeft()).as("n=%d", n).isLessThan(charged);
      assertThat(branches(Engine.INTERPRETER).call("loopThenDivide", budget, n).instructionsLeft())
          .isEqualTo(compiled.instructionsLeft());
    }
  }

  /** The counter global after {@code export(arg)} traps on the engine's compiled form. */
  private static long engineLeftAfterTrap(byte[] wasm, String export, long budget, long arg) {
    Instance instance = dev.canopy.wasm.StandaloneInstances.of(wasm);
    instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).setValue(budget);
    try {
      instance.export(export).apply(arg);
    } catch (TrapException | WasmRuntimeException e) {
      return instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).getValue();
    }
    throw new AssertionError(export + "(" + arg + ") did not trap");
  }

  /** Straight-line code after a recursive call, run once per frame on the way back up. */
  private static final int TAIL_INSTRUCTIONS = 300;

  private static final String DEEP_THEN_TRAP =
      """
      (module
        (func $down (param $n i32)
          (if (local.get $n) (then (call $down (i32.sub (local.get $n) (i32.const 1)))))
          NOPS)
        (func $downValue (param $n i32) (result i32)
          (if (local.get $n) (then (drop (call $downValue (i32.sub (local.get $n) (i32.const 1))))))
          NOPS
          (local.get $n))
        (func (export "deepThenDivide") (param $n i32) (result i32)
          (call $down (local.get $n))
          (i32.div_u (i32.const 1) (i32.const 0)))
        (func (export "deepValueThenDivide") (param $n i32) (result i32)
          (drop (call $downValue (local.get $n)))
          (i32.div_u (i32.const 1) (i32.const 0))))
      """.replace("NOPS", "(nop)".repeat(TAIL_INSTRUCTIONS));

  /**
   * Note: returns hand the counter back through the global (written) or as a result (in the
   * caller's local); either way a trap after a chain of returns is charged exactly on the engine.
   */
  @org.junit.jupiter.api.Test
  void aTrapAfterAChainOfReturnsIsChargedExactlyOnTheEngine() {
    byte[] wasm = INSTRUMENTER.instrument(Wat2Wasm.parse(DEEP_THEN_TRAP)).wasm();
    long budget = 1L << 40;
    for (String export : List.of("deepThenDivide", "deepValueThenDivide")) {
      for (int n : new int[] {0, 3, 50, 500}) {
        // Export: entry 1 + local.get 1 + call 5 (+ drop 1) + i32.const, i32.const, i32.div_u 12.
        // Each frame: entry 1 + local.get 1 + if 2; all but the last: local.get, const, sub 3,
        // call 5 (+ drop 1); the tail (+ local.get 1).
        boolean value = export.equals("deepValueThenDivide");
        long frame = 4 + TAIL_INSTRUCTIONS + (value ? 1 : 0);
        long charged = 19 + (value ? 1 : 0) + frame * (n + 1) + (8L + (value ? 1 : 0)) * n;
        assertThat(budget - engineLeftAfterTrap(wasm, export, budget, n))
            .as("%s(%d)", export, n)
            .isEqualTo(charged);
      }
    }
  }

  private static final String HOST_CALL =
      """
      (module
        (import "env" "charge" (func $charge (param i64)))
        (func (export "run") (param $n i32) (result i32)
          (call $charge (i64.const 100))
          (i32.add (local.get $n) (i32.const 1))))
      """;

  /** A host function that records the counter it sees and charges its argument. */
  private static Instance withChargingHost(byte[] wasm, Engine engine, List<Long> seen) {
    var module = Parser.parse(wasm);
    var imported = (FunctionImport) module.importSection().getImport(0);
    var type = module.typeSection().getType(imported.typeIndex());
    var charge =
        new HostFunction("env", "charge", type, (instance, args) -> {
          GlobalInstance counter = instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
          seen.add(counter.getValue());
          counter.setValue(counter.getValue() - args[0]);
          return null;
        });
    var builder =
        Instance.builder(module).withImportValues(ImportValues.builder().addFunction(charge).build());
    if (engine == Engine.COMPILER) {
      builder.withMachineFactory(MachineFactoryCompiler::compile);
    }
    return builder.build();
  }

  private static boolean run(Instance instance, long budget) {
    instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).setValue(budget);
    instance.exports().global(MeteringInstrumenter.CALL_DEPTH_EXPORT).setValue(0);
    try {
      instance.export("run").apply(41);
      return false;
    } catch (TrapException | WasmRuntimeException e) {
      return true;
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void hostFunctionsSeeTheExactCounterAndTheirChargesCount(Engine engine) {
    byte[] wasm = INSTRUMENTER.instrument(Wat2Wasm.parse(HOST_CALL)).wasm();
    List<Long> seen = new ArrayList<>();
    Instance instance = withChargingHost(wasm, engine, seen);
    GlobalInstance counter = instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
    // The block is charged at its start: entry 1 + i64.const 1 + call 5 + local.get 1 + i32.const 1
    // + i32.add 1 = 10; the host then charges 100.
    assertThat(run(instance, 1000)).isFalse();
    assertThat(seen).containsExactly(990L);
    assertThat(counter.getValue()).isEqualTo(1000 - 110);

    assertThat(run(instance, 110)).isFalse();
    assertThat(counter.getValue()).isZero();
    // The host's charge took the counter below 0: the wrapper's check after the call traps.
    assertThat(run(instance, 109)).isTrue();
    assertThat(counter.getValue()).isEqualTo(-1);
    // Out of instructions before the call: the host function never runs.
    seen.clear();
    assertThat(run(instance, 9)).isTrue();
    assertThat(seen).isEmpty();
    assertThat(counter.getValue()).isEqualTo(-1);
  }
}
