package dev.canopy.wasm.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.canopy.wasm.instrument.ChicoryRunner.Engine;
import dev.canopy.wasm.instrument.ChicoryRunner.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Functions with one result hand the counter back through the global, which the caller reads only
 * when it next needs the counter; others return it as one more result. Control flow that joins
 * after such calls (if arms, branches out of blocks, br_table, loops, return, traps, calls through
 * the table) must still charge exactly, trap at exactly the budget and compute what the original
 * computes.
 */
class CounterChannelTest {
  private static final String JOINS =
      """
      (module
        (type $i2i (func (param i32) (result i32)))
        (table 2 funcref)
        (elem (i32.const 0) func $leaf $void2)
        (global $g (mut i32) (i32.const 0))
        (func $leaf (param $x i32) (result i32) (i32.add (local.get $x) (i32.const 1)))
        (func $void (param $x i32) (global.set $g (i32.add (global.get $g) (local.get $x))))
        (func $void2 (param $x i32) (result i32) (call $void (local.get $x)) (local.get $x))
        (func $pair (param $x i32) (result i32 i32) (local.get $x) (i32.mul (local.get $x) (i32.const 2)))
        (func $countdown (param $n i32)
          (if (local.get $n) (then (call $countdown (i32.sub (local.get $n) (i32.const 1))))))
        (func (export "armThenMore") (param $x i32) (result i32)
          (if (result i32) (local.get $x) (then (call $leaf (local.get $x))) (else (i32.const 7)))
          (i32.const 3)
          (i32.add))
        (func (export "armThenReturn") (param $x i32) (result i32)
          (if (result i32) (local.get $x) (then (call $leaf (local.get $x))) (else (i32.const 7))))
        (func (export "ifWithoutElse") (param $x i32) (result i32)
          (local $r i32)
          (local.set $r (call $leaf (local.get $x)))
          (if (i32.and (local.get $x) (i32.const 1))
            (then (local.set $r (call $leaf (local.get $r)))))
          (local.get $r))
        (func (export "callThenIfElse") (param $x i32) (result i32)
          (local $r i32)
          (local.set $r (call $leaf (local.get $x)))
          (if (result i32) (i32.and (local.get $x) (i32.const 1))
            (then (i32.const 5))
            (else (i32.const 6)))
          (local.get $r)
          (i32.add))
        (func (export "brIfAfterCall") (param $x i32) (result i32)
          (block $b (result i32)
            (call $leaf (local.get $x))
            (br_if $b (i32.and (local.get $x) (i32.const 1)))
            (drop)
            (i32.const 100))
          (i32.const 1)
          (i32.add))
        (func (export "brIfOutOfTheFunction") (param $x i32) (result i32)
          (call $leaf (local.get $x))
          (br_if 0 (i32.and (local.get $x) (i32.const 1)))
          (i32.const 5)
          (i32.add))
        (func (export "table") (param $x i32) (result i32)
          (local $i i32)
          (block $done
            (block $b
              (loop $l
                (local.set $i (call $leaf (local.get $i)))
                (br_table $b $l $done (i32.rem_u (i32.add (local.get $x) (local.get $i)) (i32.const 3)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1000))))
          (local.get $i))
        (func (export "loopEndsWithCall") (param $n i32) (result i32)
          (local $i i32) (local $s i32)
          (loop $l
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $s (call $leaf (local.get $s)))
            (br_if $l (i32.lt_u (local.get $i) (i32.and (local.get $n) (i32.const 63)))))
          (local.get $s))
        (func (export "returnAfterCall") (param $x i32) (result i32)
          (return (call $leaf (local.get $x))))
        (func (export "trapAfterCall") (param $x i32) (result i32)
          (drop (call $leaf (local.get $x)))
          (unreachable))
        (func (export "indirectAfterCall") (param $x i32) (result i32)
          (call_indirect (type $i2i) (call $leaf (local.get $x)) (i32.and (local.get $x) (i32.const 1))))
        (func (export "voidAndPair") (param $x i32) (result i32)
          (call $void (local.get $x))
          (call $pair (local.get $x))
          (i32.add)
          (global.get $g)
          (i32.add))
        (func (export "countdown") (param $n i32) (result i32)
          (call $countdown (i32.and (local.get $n) (i32.const 255)))
          (i32.const 1)))
      """;

  private static final List<String> EXPORTS = List.of("armThenMore", "armThenReturn", "ifWithoutElse", "callThenIfElse",
      "brIfAfterCall", "brIfOutOfTheFunction", "table", "loopEndsWithCall", "returnAfterCall",
      "trapAfterCall", "indirectAfterCall", "voidAndPair", "countdown");
  private static final int[] ARGUMENTS = {0, 1, 2, 3, 4, 5, 100, 255};
  private static final long BUDGET = 1L << 40;

  private static byte[] instrumented(boolean counterInGlobal) {
    return MeteringInstrumenter.builder().withMaxCallDepth(1000).withCounterReturnedInGlobal(counterInGlobal)
        .build().instrument(Wat2Wasm.parse(JOINS)).wasm();
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void everyJoinComputesWhatTheOriginalDoesAndChargesExactly(Engine engine) {
    byte[] original = Wat2Wasm.parse(JOINS);
    byte[] lazy = instrumented(true);
    byte[] results = instrumented(false);
    for (String export : EXPORTS) {
      // The same calls in the same order on each: $g carries over from call to call alike.
      ChicoryRunner plain = ChicoryRunner.of(original, engine);
      ChicoryRunner global = ChicoryRunner.of(lazy, engine);
      ChicoryRunner result = ChicoryRunner.of(results, engine);
      List<ChicoryRunner> budgets = List.of(ChicoryRunner.of(lazy, engine), ChicoryRunner.of(results, engine));
      for (int argument : ARGUMENTS) {
        String what = export + "(" + argument + ")";
        Outcome expected = plain.call(export, 0, argument);
        Outcome viaGlobal = global.call(export, BUDGET, argument);
        Outcome viaResult = result.call(export, BUDGET, argument);
        assertThat(viaGlobal.trapped()).as(what).isEqualTo(expected.trapped());
        // The form that returns the counter from every function never leaves it only in the
        // global after a call to a defined function: the same charges, and traps leave the same.
        assertThat(viaGlobal.instructionsLeft()).as(what).isEqualTo(viaResult.instructionsLeft());
        assertThat(viaGlobal.instructionsLeft()).as(what).isLessThan(BUDGET);
        if (expected.trapped()) {
          continue;
        }
        assertThat(viaGlobal.results()).as(what).isEqualTo(expected.results());
        assertThat(viaResult.results()).as(what).isEqualTo(expected.results());
        assertThat(viaGlobal.callDepth()).as(what).isZero();
        // Costs here do not depend on $g, so runners whose $g differs charge the same.
        long cost = BUDGET - viaGlobal.instructionsLeft();
        for (ChicoryRunner runner : budgets) {
          Outcome exact = runner.call(export, cost, argument);
          assertThat(exact.trapped()).as(what).isFalse();
          assertThat(exact.instructionsLeft()).as(what).isZero();
          Outcome oneShort = runner.call(export, cost - 1, argument);
          assertThat(oneShort.trapped()).as(what).isTrue();
          assertThat(oneShort.instructionsLeft()).as(what).isNegative();
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void countsAreThoseOfTheCostTable(Engine engine) {
    ChicoryRunner runner = ChicoryRunner.of(instrumented(true), engine);
    // Exports: entry 1 + local.get 1 + call 5 = 7 before their own code; $leaf: entry 1 + get,
    // const, add 3 = 4.
    // armThenMore: entry 1 + local.get 1 + if 2 = 4; then: local.get 1 + call 5 (+ $leaf 4);
    // else: i32.const 1; after the if: i32.const, i32.add 2.
    assertThat(runner.cost("armThenMore", 0)).isEqualTo(4 + 1 + 2);
    assertThat(runner.cost("armThenMore", 5)).isEqualTo(4 + 6 + 4 + 2);
    // returnAfterCall: entry 1 + local.get 1 + call 5 + return 1, + $leaf 4.
    assertThat(runner.cost("returnAfterCall", 9)).isEqualTo(12);
    // trapAfterCall: entry 1 + local.get 1 + call 5 + drop 1 + unreachable 1, + $leaf 4; the trap
    // leaves the global exact.
    Outcome trapped = runner.call("trapAfterCall", 100, 9);
    assertThat(trapped.trapped()).isTrue();
    assertThat(trapped.instructionsLeft()).isEqualTo(100 - 13);
    assertThat(trapped.callDepth()).isEqualTo(1);
    // countdown(n): the export's entry 1 + local.get, const, and 3 + call 5 + i32.const 1 = 10;
    // each frame: entry 1 + local.get 1 + if 2; all but the last: local.get, const, sub 3 + call 5.
    for (int n : new int[] {0, 1, 7, 200}) {
      assertThat(runner.cost("countdown", n)).as("n=%d", n).isEqualTo(10 + 4L * (n + 1) + 8L * n);
    }
  }

  /**
   * The shape of bench/wasm/fib.wat: after the first recursive call the counter is read back once
   * (the second call needs it); after the second nothing more is charged, so the caller neither
   * reads it back nor writes it out again; only the leaf arm writes it (on its way to the join
   * before the exit). Besides, the depth trap and the entry checkpoint's slow path sync.
   */
  @Test
  void aRecursiveFunctionsLastCallMovesTheCounterNeitherBackNorOut() {
    String fib =
        """
        (module
          (func $fib (param $n i32) (result i64)
            (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
              (then (i64.extend_i32_u (local.get $n)))
              (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                             (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
          (func (export "run") (param $n i32) (result i64) (call $fib (local.get $n))))
        """;
    InstrumentedModule module = MeteringInstrumenter.builder().build().instrument(Wat2Wasm.parse(fib));
    WasmModule parsed = WasmModule.parse(module.wasm());
    ModuleDecoder.Decoded decoded = ModuleDecoder.decode(parsed);
    ModuleDecoder.CodeEntry body = decoded.code().get(0);
    InstructionDecoder decoder = new InstructionDecoder(new ByteReader(
        parsed.section(WasmModule.CODE).source(), body.localsEnd(), body.bodyEnd()), decoded.types().size());
    int reads = 0;
    int writes = 0;
    while (!decoder.atEnd()) {
      int op = decoder.next();
      if (decoder.index == module.instructionsLeftGlobalIndex()) {
        reads += op == 0x23 ? 1 : 0;
        writes += op == 0x24 ? 1 : 0;
      }
    }
    assertThat(reads).isEqualTo(1);
    assertThat(writes).isEqualTo(3);
  }

  @Test
  void functionsWithoutOrWithSeveralResultsReturnTheCounterAndOthersUseTheGlobal() {
    var module = Parser.parse(instrumented(true));
    FunctionType leaf = module.typeSection().getType(module.functionSection().getFunctionType(0));
    FunctionType voidFunction = module.typeSection().getType(module.functionSection().getFunctionType(1));
    FunctionType pair = module.typeSection().getType(module.functionSection().getFunctionType(3));
    assertThat(leaf.params()).containsExactly(ValType.I32, ValType.I64, ValType.I32);
    assertThat(leaf.returns()).containsExactly(ValType.I32);
    assertThat(voidFunction.returns()).containsExactly(ValType.I64);
    assertThat(pair.returns()).containsExactly(ValType.I32, ValType.I32, ValType.I64);

    var everyResult = Parser.parse(instrumented(false));
    FunctionType leafWithCounter =
        everyResult.typeSection().getType(everyResult.functionSection().getFunctionType(0));
    assertThat(leafWithCounter.returns()).containsExactly(ValType.I32, ValType.I64);
  }
}
