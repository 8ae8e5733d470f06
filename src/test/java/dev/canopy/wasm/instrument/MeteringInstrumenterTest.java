package dev.canopy.wasm.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.types.InvalidInputException;
import dev.canopy.wasm.instrument.ChicoryRunner.Engine;
import dev.canopy.wasm.instrument.ChicoryRunner.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MeteringInstrumenterTest {
  private static final MeteringInstrumenter INSTRUMENTER =
      MeteringInstrumenter.builder().withMaxCallDepth(1000).build();

  static final String COUNTING_LOOP =
      """
      (module
        (func (export "count") (param $n i32) (result i32)
          (local $i i32)
          (block $exit
            (loop $top
              (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $top)))
          (local.get $i))
        (func (export "spin") (loop $forever (br $forever)))
        (func $down (export "down") (param $n i32) (result i32)
          (if (result i32) (i32.eqz (local.get $n))
            (then (i32.const 0))
            (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))))
        (memory 64)
        (func (export "fill") (param $n i32)
          (memory.fill (i32.const 0) (i32.const 7) (local.get $n))))
      """;

  private static ChicoryRunner metered(String wat, Engine engine) {
    return ChicoryRunner.of(INSTRUMENTER.instrument(Wat2Wasm.parse(wat)).wasm(), engine);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aLoopOfNIterationsCostsElevenPerIterationPlusSeven(Engine engine) {
    // entry 1 | per iteration: get, get, ge_u, br_if(2) = 5; get, const, add, set, br(2) = 6
    // | last test 5 | after the block: local.get 1.
    ChicoryRunner runner = metered(COUNTING_LOOP, engine);
    for (int n : new int[] {0, 1, 10, 1000}) {
      assertThat(runner.cost("count", n)).as("n=%d", n).isEqualTo(11L * n + 7);
    }
    assertThat(runner.call("count", 1L << 40, 1000).result()).isEqualTo(1000);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aBudgetExactlyEnoughSucceedsAndOneLessTrapsWithTheCounterNegative(Engine engine) {
    ChicoryRunner runner = metered(COUNTING_LOOP, engine);
    long cost = 11L * 100 + 7;

    Outcome enough = runner.call("count", cost, 100);
    assertThat(enough.trapped()).isFalse();
    assertThat(enough.result()).isEqualTo(100);
    assertThat(enough.instructionsLeft()).isZero();

    Outcome oneShort = runner.call("count", cost - 1, 100);
    assertThat(oneShort.trapped()).isTrue();
    assertThat(oneShort.instructionsLeft()).isNegative();
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void anInfiniteLoopRunsOutOfInstructions(Engine engine) {
    Outcome outcome = metered(COUNTING_LOOP, engine).call("spin", 1_000_000);
    assertThat(outcome.trapped()).isTrue();
    assertThat(outcome.instructionsLeft()).isNegative();
    // The trap left the exported function's own frame counted.
    assertThat(outcome.callDepth()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void recursionTrapsExactlyPastTheMaximumCallDepth(Engine engine) {
    ChicoryRunner runner = metered(COUNTING_LOOP, engine);
    // down(n) has n + 1 frames at its deepest.
    Outcome atLimit = runner.call("down", 1L << 40, 999);
    assertThat(atLimit.trapped()).isFalse();
    assertThat(atLimit.result()).isEqualTo(999);
    assertThat(atLimit.callDepth()).isZero();

    Outcome pastLimit = runner.call("down", 1L << 40, 1000);
    assertThat(pastLimit.trapped()).isTrue();
    assertThat(pastLimit.callDepth()).isEqualTo(1001);
    assertThat(pastLimit.instructionsLeft()).isPositive();

    Outcome deep = runner.call("down", 1L << 40, 50_000_000);
    assertThat(deep.trapped()).isTrue();
    assertThat(deep.callDepth()).isGreaterThan(1000);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void memoryFillIsChargedPerByte(Engine engine) {
    ChicoryRunner runner = metered(COUNTING_LOOP, engine);
    long empty = runner.cost("fill", 0);
    long large = runner.cost("fill", 4_000_000);
    assertThat(large - empty).isEqualTo(4_000_000);

    ChicoryRunner fresh = metered(COUNTING_LOOP, engine);
    Outcome tooLarge = fresh.call("fill", empty + 999_999, 1_000_000);
    assertThat(tooLarge.trapped()).isTrue();
    assertThat(tooLarge.instructionsLeft()).isNegative();
    // The charge comes before the fill: nothing was written.
    assertThat(fresh.instance().memory().read(0)).isZero();
    assertThat(fresh.call("fill", empty + 1_000_000, 1_000_000).trapped()).isFalse();
    assertThat(fresh.instance().memory().read(999_999)).isEqualTo((byte) 7);
  }

  @Test
  void instrumentingIsDeterministicAcrossInstrumenters() {
    byte[] wasm = Wat2Wasm.parse(COUNTING_LOOP);
    MeteringInstrumenter a = MeteringInstrumenter.builder().withMaxCallDepth(1000).build();
    MeteringInstrumenter b = MeteringInstrumenter.builder().withMaxCallDepth(1000).build();
    InstrumentedModule first = a.instrument(wasm);
    InstrumentedModule second = b.instrument(wasm.clone());
    assertThat(second.wasm()).isEqualTo(first.wasm());
    assertThat(second).isEqualTo(first);

    ChicoryRunner x = ChicoryRunner.of(first.wasm(), Engine.COMPILER);
    ChicoryRunner y = ChicoryRunner.of(second.wasm(), Engine.INTERPRETER);
    for (int n : new int[] {3, 77, 500}) {
      assertThat(y.cost("count", n)).isEqualTo(x.cost("count", n));
      assertThat(y.cost("down", n)).isEqualTo(x.cost("down", n));
    }
  }

  @Test
  void theResultRecordsTheCostTableAndTheOriginalSize() {
    byte[] wasm = Wat2Wasm.parse(COUNTING_LOOP);
    InstrumentedModule module = INSTRUMENTER.instrument(wasm);
    assertThat(module.costTableVersion()).isEqualTo(CostTable.INTERNET_COMPUTER_VERSION);
    assertThat(module.originalSizeBytes()).isEqualTo(wasm.length);
    assertThat(module.maxCallDepth()).isEqualTo(1000);
    assertThat(module.instructionsLeftGlobalIndex()).isZero();
    assertThat(module.callDepthGlobalIndex()).isEqualTo(1);
    assertThat(module.originalInstructionCount()).isGreaterThan(20);
  }

  @Test
  void anExistingReservedExportIsATypedError() {
    byte[] wasm =
        Wat2Wasm.parse(
            "(module (global (export \"__canopy_instructions_left\") (mut i64) (i64.const 0)))");
    assertThatThrownBy(() -> INSTRUMENTER.instrument(wasm))
        .isInstanceOf(InvalidWasmException.class)
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("__canopy_instructions_left");
    byte[] depth = Wat2Wasm.parse("(module (func (export \"__canopy_call_depth\")))");
    assertThatThrownBy(() -> INSTRUMENTER.instrument(depth)).isInstanceOf(InvalidWasmException.class);
  }

  @Test
  void newGlobalsComeAfterImportedAndDefinedOnes() {
    byte[] wasm =
        Wat2Wasm.parse(
            """
            (module
              (import "env" "g" (global $g i32))
              (global $h (mut i32) (i32.const 5))
              (func (export "get") (result i32) (i32.add (global.get $g) (global.get $h))))
            """);
    InstrumentedModule module = INSTRUMENTER.instrument(wasm);
    assertThat(module.instructionsLeftGlobalIndex()).isEqualTo(2);
    assertThat(module.callDepthGlobalIndex()).isEqualTo(3);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void theStartFunctionBecomesAMeteredExportInsteadOfRunningAtInstantiation(Engine engine) {
    String wat =
        """
        (module
          (global $ran (mut i32) (i32.const 0))
          (func $init (global.set $ran (i32.add (global.get $ran) (i32.const 1))))
          (start $init)
          (func (export "ran") (result i32) (global.get $ran)))
        """;
    InstrumentedModule module = INSTRUMENTER.instrument(Wat2Wasm.parse(wat));
    assertThat(module.hasStartFunction()).isTrue();
    assertThat(WasmModule.parse(module.wasm()).section(WasmModule.START)).isNull();
    ChicoryRunner runner = ChicoryRunner.of(module.wasm(), engine);
    assertThat(runner.call("ran", 100).result()).isZero();
    // entry 1 + global.get 2 + i32.const 1 + i32.add 1 + global.set 2 = 7
    Outcome oneShort = runner.call(MeteringInstrumenter.START_FUNCTION_EXPORT, 6);
    assertThat(oneShort.trapped()).isTrue();
    assertThat(oneShort.instructionsLeft()).isEqualTo(-1);
    // A trapped run's effects are discarded by the engine (straight-line code may have run up to
    // the check at the function's exit), so start again from a fresh instance.
    runner = ChicoryRunner.of(module.wasm(), engine);
    assertThat(runner.call(MeteringInstrumenter.START_FUNCTION_EXPORT, 7).instructionsLeft()).isZero();
    assertThat(runner.call("ran", 100).result()).isEqualTo(1);

    String clash = wat.replace("(start $init)", "(start $init) (export \"canister_start\" (func $init))");
    assertThatThrownBy(() -> INSTRUMENTER.instrument(Wat2Wasm.parse(clash)))
        .isInstanceOf(InvalidWasmException.class)
        .hasMessageContaining("canister_start");
    assertThat(INSTRUMENTER.instrument(Wat2Wasm.parse(COUNTING_LOOP)).hasStartFunction()).isFalse();
  }

  /**
   * The default limit on a thread with a 16 MiB stack (the engine runs Wasm on such a thread):
   * the call depth traps first, never the JVM's StackOverflowError.
   */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void theDefaultCallDepthTrapsBeforeTheJvmStackOverflows(Engine engine) throws Exception {
    byte[] wasm = MeteringInstrumenter.builder().build().instrument(Wat2Wasm.parse(COUNTING_LOOP)).wasm();
    Outcome[] outcomes = new Outcome[2];
    Throwable[] failure = new Throwable[1];
    Thread thread =
        new Thread(null, () -> {
          try {
            ChicoryRunner runner = ChicoryRunner.of(wasm, engine);
            outcomes[0] = runner.call("down", 1L << 40, MeteringInstrumenter.DEFAULT_MAX_CALL_DEPTH - 1);
            outcomes[1] = runner.call("down", 1L << 40, 1_000_000);
          } catch (Throwable t) {
            failure[0] = t;
          }
        }, "wasm-deep", 16L << 20);
    thread.start();
    thread.join();
    assertThat(failure[0]).isNull();
    assertThat(outcomes[0].trapped()).isFalse();
    assertThat(outcomes[0].result()).isEqualTo(MeteringInstrumenter.DEFAULT_MAX_CALL_DEPTH - 1);
    assertThat(outcomes[1].trapped()).isTrue();
    assertThat(outcomes[1].callDepth()).isEqualTo(MeteringInstrumenter.DEFAULT_MAX_CALL_DEPTH + 1);
  }

  /**
   * The digest of one instrumented module, pinned with the scheme's name: compiled modules are
   * cached on disk under {@link MeteringInstrumenter#outputKey()}, so output that changes under an
   * unchanged name would run stale code after a restart. Changing the output: give the scheme a
   * new name and record the new digest here.
   */
  @Test
  void theOutputIsPinnedToTheSchemeName() throws java.io.IOException {
    byte[] counter;
    try (var in = getClass().getResourceAsStream("/motoko/counter.wasm")) {
      counter = in.readAllBytes();
    }
    byte[] out = MeteringInstrumenter.builder().build().instrument(counter).wasm();
    assertThat(MeteringInstrumenter.SCHEME_VERSION + " "
        + dev.canopy.types.Hex.encode(dev.canopy.types.Hashing.sha256(out)))
        .isEqualTo(PINNED_OUTPUT);
    assertThat(MeteringInstrumenter.builder().build().outputKey())
        .contains(MeteringInstrumenter.SCHEME_VERSION).contains(CostTable.INTERNET_COMPUTER_VERSION);
  }

  private static final String PINNED_OUTPUT =
      "call-params-exact-6 "
      + "69160265749c4558567e1d4d8b87aafdd13c4cddfb86e3df9b6d7f2e818fd61c";
}
