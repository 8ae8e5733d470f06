package dev.canopy.wasm.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.canopy.wasm.instrument.ChicoryRunner.Engine;
import dev.canopy.wasm.instrument.ChicoryRunner.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Defined functions pass the counter and depth to each other as values; the host and tables reach
 * them through wrappers with the original signatures. Counts must be exactly those of the earlier
 * scheme (counter and depth in globals at every call).
 */
class CallCarryingTest {
  private static final MeteringInstrumenter INSTRUMENTER =
      MeteringInstrumenter.builder().withMaxCallDepth(1000).build();

  private static final String CALLS =
      """
      (module
        (type $cb (func (param i32)))
        (type $unary (func (param i32) (result i64)))
        (type $cb2 (func (param i32) (result i32)))
        (table 4 funcref)
        (elem (i32.const 0) func $callback $fibIndirect)
        (global $seen (mut i32) (i32.const 0))
        (func $fib (param $n i32) (result i64)
          (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
            (then (i64.extend_i32_u (local.get $n)))
            (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                           (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
        (func (export "fib") (param $n i32) (result i64) (call $fib (local.get $n)))
        (func $fibIndirect (param $n i32) (result i64)
          (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
            (then (i64.extend_i32_u (local.get $n)))
            (else (i64.add
              (call_indirect (type $unary) (i32.sub (local.get $n) (i32.const 1)) (i32.const 1))
              (call_indirect (type $unary) (i32.sub (local.get $n) (i32.const 2)) (i32.const 1))))))
        (func (export "fibIndirect") (param $n i32) (result i64)
          (call_indirect (type $unary) (local.get $n) (i32.const 1)))
        (func $callback (export "callback") (param $x i32)
          (global.set $seen (i32.add (global.get $seen) (local.get $x))))
        (func (export "seen") (result i32) (global.get $seen))
        (func (export "storeRef") (table.set (i32.const 2) (ref.func $callback)))
        (func $pair (param $x i32) (result i32 i64)
          (local $i i32)
          (local.set $i (i32.mul (local.get $x) (i32.const 3)))
          (br_if 0 (local.get $i) (i64.const 1) (i32.eqz (local.get $x)))
          (drop) (drop)
          (local.get $i) (i64.extend_i32_u (local.get $x)))
        (func (export "pair") (param $x i32) (result i64)
          (local $b i64)
          (call $pair (local.get $x))
          (local.set $b)
          (i64.extend_i32_u)
          (local.get $b)
          (i64.add))
        (func $down (export "down") (param $n i32) (result i32)
          (if (result i32) (i32.eqz (local.get $n))
            (then (i32.const 0))
            (else (i32.add (i32.const 1)
              (call_indirect (type $cb2) (i32.sub (local.get $n) (i32.const 1)) (i32.const 3)))))
        )
        (elem (i32.const 3) func $down))
      """;

  private static byte[] instrumented() {
    return INSTRUMENTER.instrument(Wat2Wasm.parse(CALLS)).wasm();
  }

  /** What the IC cost table charges fib(n) (bench/wasm/fib.wat's shape), as the old scheme did. */
  private static long fibCost(int n) {
    // entry 1 + local.get, i32.const, i32.lt_u 3 + if 2 = 6; then: local.get, extend = 2;
    // else: 2 x (local.get, i32.const, i32.sub 3 + call 5) + i64.add = 17.
    return n < 2 ? 6 + 2 : 6 + 17 + fibCost(n - 1) + fibCost(n - 2);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void callHeavyCodeIsChargedExactlyAsBefore(Engine engine) {
    ChicoryRunner runner = ChicoryRunner.of(instrumented(), engine);
    for (int n : new int[] {0, 1, 2, 10, 20}) {
      // The export: entry 1 + local.get 1 + call 5 = 7.
      long cost = 7 + fibCost(n);
      assertThat(runner.cost("fib", n)).as("n=%d", n).isEqualTo(cost);
      Outcome exact = runner.call("fib", cost, n);
      assertThat(exact.trapped()).isFalse();
      assertThat(exact.instructionsLeft()).isZero();
      assertThat(exact.callDepth()).isZero();
      Outcome oneShort = runner.call("fib", cost - 1, n);
      assertThat(oneShort.trapped()).isTrue();
      assertThat(oneShort.instructionsLeft()).isNegative();
    }
    assertThat(runner.call("fib", 1L << 40, 20).result()).isEqualTo(6765);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void indirectCallsThroughTheTableAreChargedAndCountedInTheDepth(Engine engine) {
    ChicoryRunner runner = ChicoryRunner.of(instrumented(), engine);
    // As fib, with call_indirect (10) and its i32.const (1) for each call (5): 2 x 6 more.
    for (int n : new int[] {0, 1, 5, 15}) {
      long cost = 7 + 6 + indirectCost(n);
      assertThat(runner.cost("fibIndirect", n)).as("n=%d", n).isEqualTo(cost);
      assertThat(runner.call("fibIndirect", cost - 1, n).instructionsLeft()).isNegative();
    }
    assertThat(runner.call("fibIndirect", 1L << 40, 15).result()).isEqualTo(610);
    // down(n) recurses through the table: n + 1 frames at its deepest. Note: each such frame is a
    // wrapper and an extended function, two frames of Chicory's interpreter, whose own stack limit
    // would otherwise come first: so a smaller maximum here.
    ChicoryRunner shallow = ChicoryRunner.of(
        MeteringInstrumenter.builder().withMaxCallDepth(200).build().instrument(Wat2Wasm.parse(CALLS)).wasm(), engine);
    Outcome atLimit = shallow.call("down", 1L << 40, 199);
    assertThat(atLimit.trapped()).isFalse();
    assertThat(atLimit.result()).isEqualTo(199);
    assertThat(atLimit.callDepth()).isZero();
    Outcome pastLimit = shallow.call("down", 1L << 40, 200);
    assertThat(pastLimit.trapped()).isTrue();
    assertThat(pastLimit.callDepth()).isEqualTo(201);
    assertThat(pastLimit.instructionsLeft()).isPositive();
  }

  private static long indirectCost(int n) {
    return n < 2 ? 8 : 6 + 17 + 12 + indirectCost(n - 1) + indirectCost(n - 2);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void aBranchOutOfAMultiValueFunctionCarriesItsResultsAndTheCounter(Engine engine) {
    ChicoryRunner runner = ChicoryRunner.of(instrumented(), engine);
    // $pair: entry 1 + get, const, mul, set, get, const, get, eqz 8 + br_if 2 = 11; not taken:
    // drop, drop, get, get, extend = 5 more. Export: entry 1 + get 1 + call 5 + set, extend, get,
    // add 4 = 11.
    assertThat(runner.call("pair", 1L << 40, 0).result()).isEqualTo(1);
    assertThat(runner.cost("pair", 0)).isEqualTo(11 + 11);
    assertThat(runner.call("pair", 1L << 40, 4).result()).isEqualTo(16);
    assertThat(runner.cost("pair", 4)).isEqualTo(11 + 11 + 5);
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void tablesAndExportsHoldWrappersWithTheOriginalSignatures(Engine engine) {
    byte[] wasm = instrumented();
    ChicoryRunner runner = ChicoryRunner.of(wasm, engine);
    Instance instance = runner.instance();
    Outcome stored = runner.call("storeRef", 1L << 40);
    assertThat(stored.trapped()).as(stored.trapMessage()).isFalse();
    int fromElement = instance.table(0).ref(0);
    int fromRefFunc = instance.table(0).ref(2);
    int exported = exportIndex(instance, "callback");
    // One wrapper per function: the element segment, ref.func and the export name the same one.
    assertThat(fromRefFunc).isEqualTo(fromElement).isEqualTo(exported);
    FunctionType type = instance.type(instance.functionType(fromElement));
    assertThat(type.params()).containsExactly(ValType.I32);
    assertThat(type.returns()).isEmpty();

    // The host calls the callback by table index with its original signature, metered.
    instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).setValue(1000);
    instance.exports().global(MeteringInstrumenter.CALL_DEPTH_EXPORT).setValue(0);
    instance.getMachine().call(fromElement, new long[] {42});
    // entry 1 + global.get 2 + local.get 1 + i32.add 1 + global.set 2 = 7
    assertThat(instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).getValue()).isEqualTo(993);
    assertThat(instance.exports().global(MeteringInstrumenter.CALL_DEPTH_EXPORT).getValue()).isZero();
    assertThat(runner.call("seen", 100).result()).isEqualTo(42);
  }

  private static int exportIndex(Instance instance, String name) {
    var exports = instance.module().exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      if (exports.getExport(i).name().equals(name)) {
        return (int) exports.getExport(i).index();
      }
    }
    throw new AssertionError("no export " + name);
  }

  @Test
  void bothEnginesChargeIdenticallyAndInstrumentingIsReproducible() {
    byte[] wasm = Wat2Wasm.parse(CALLS);
    byte[] first = INSTRUMENTER.instrument(wasm).wasm();
    assertThat(MeteringInstrumenter.builder().withMaxCallDepth(1000).build().instrument(wasm.clone()).wasm())
        .isEqualTo(first);
    ChicoryRunner compiled = ChicoryRunner.of(first, Engine.COMPILER);
    ChicoryRunner interpreted = ChicoryRunner.of(first, Engine.INTERPRETER);
    for (String export : List.of("fib", "fibIndirect", "down", "pair")) {
      for (int n : new int[] {0, 3, 12}) {
        Outcome a = compiled.call(export, 1L << 40, n);
        Outcome b = interpreted.call(export, 1L << 40, n);
        assertThat(b.instructionsLeft()).as("%s(%d)", export, n).isEqualTo(a.instructionsLeft());
        assertThat(b.results()).isEqualTo(a.results());
      }
    }
  }

  /**
   * Counts measured with the earlier scheme (counter and depth in globals at every call, the
   * parent of this change): the kitchen sink's call-heavy export and the Motoko canisters' start
   * and init must be charged exactly the same.
   */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void countsAreThoseOfTheGlobalScheme(Engine engine) {
    byte[] sink = MeteringInstrumenter.builder().build().instrument(Wat2Wasm.parse(FeatureModules.KITCHEN_SINK)).wasm();
    long[] arguments = {0, 1, -1, 7, 123456789, -98765, Long.MAX_VALUE, Long.MIN_VALUE};
    long[] globals = {38, 38, 29618, 638, 1658, 4328, 638, 1028};
    ChicoryRunner runner = ChicoryRunner.of(sink, engine);
    for (int i = 0; i < arguments.length; i++) {
      assertThat(runner.cost("globals", arguments[i])).as("globals(%d)", arguments[i]).isEqualTo(globals[i]);
    }
    assertThat(ChicoryRunner.of(sink, engine).cost("control", 5)).isEqualTo(1392);
    assertThat(ChicoryRunner.of(sink, engine).cost("tables", 5)).isEqualTo(1413);
  }

  /**
   * The counter handed back as an extra result (the earlier form, kept as a builder option) and
   * through the global (the default) charge the same, trap at the same budgets and leave the same
   * counter and depth.
   */
  @ParameterizedTest
  @EnumSource(Engine.class)
  void bothWaysOfHandingBackTheCounterChargeIdentically(Engine engine) {
    byte[] wasm = Wat2Wasm.parse(CALLS);
    ChicoryRunner global = ChicoryRunner.of(MeteringInstrumenter.builder().withMaxCallDepth(1000)
        .withCounterReturnedInGlobal(true).build().instrument(wasm).wasm(), engine);
    ChicoryRunner result = ChicoryRunner.of(MeteringInstrumenter.builder().withMaxCallDepth(1000)
        .withCounterReturnedInGlobal(false).build().instrument(wasm).wasm(), engine);
    record Call(String name, int argument) {}
    for (Call c : List.of(new Call("fib", 12), new Call("fibIndirect", 9), new Call("pair", 0),
        new Call("pair", 4), new Call("down", 30), new Call("down", 2000))) { // the last: too deep
      Outcome a = global.call(c.name(), 1L << 40, c.argument());
      Outcome b = result.call(c.name(), 1L << 40, c.argument());
      assertThat(a.trapped()).as("%s", c).isEqualTo(b.trapped());
      assertThat(a.results()).as("%s", c).isEqualTo(b.results());
      assertThat(a.instructionsLeft()).as("%s", c).isEqualTo(b.instructionsLeft());
      assertThat(a.callDepth()).as("%s", c).isEqualTo(b.callDepth());
      if (!a.trapped()) {
        long cost = global.cost(c.name(), c.argument());
        assertThat(result.cost(c.name(), c.argument())).as("%s", c).isEqualTo(cost);
        assertThat(global.call(c.name(), cost - 1, c.argument()).trapped()).isTrue();
        assertThat(result.call(c.name(), cost - 1, c.argument()).trapped()).isTrue();
        assertThat(global.call(c.name(), cost, c.argument()).instructionsLeft()).isZero();
      }
    }
  }
}
