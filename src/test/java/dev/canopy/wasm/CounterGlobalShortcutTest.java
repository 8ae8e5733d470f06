package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import org.junit.jupiter.api.Test;

/**
 * The compiled code the engine runs reaches the counter global through the memory; it must count,
 * trap and compute exactly as Chicory's own compiled code of the same instrumented module does.
 */
class CounterGlobalShortcutTest {
  private static final String COUNTER = MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT;
  private static final String DEPTH = MeteringInstrumenter.CALL_DEPTH_EXPORT;

  // Calls with one result (the counter comes back through the global), without results (as a
  // result), a loop, memory, and a call through the table.
  private static final String MODULE =
      """
      (module
        (memory 1)
        (type $i2l (func (param i32) (result i64)))
        (table 1 funcref)
        (elem (i32.const 0) $fib)
        (func $fib (param $n i32) (result i64)
          (if (result i64) (i32.lt_u (local.get $n) (i32.const 2))
            (then (i64.extend_i32_u (local.get $n)))
            (else (i64.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                           (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
        (func $store (param $i i32) (param $v i64) (i64.store (i32.shl (local.get $i) (i32.const 3)) (local.get $v)))
        (func (export "run") (param $n i32) (result i64)
          (local $i i32) (local $sum i64)
          (loop $l
            (call $store (local.get $i) (call $fib (local.get $i)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $l (i32.le_u (local.get $i) (local.get $n))))
          (local.set $i (i32.const 0))
          (loop $s
            (local.set $sum (i64.add (local.get $sum) (i64.load (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $s (i32.le_u (local.get $i) (local.get $n))))
          (i64.add (local.get $sum) (call_indirect (type $i2l) (local.get $n) (i32.const 0))))
        (func $down (param $n i32) (result i32)
          (if (result i32) (local.get $n)
            (then (i32.add (call $down (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))
            (else (i32.const 0))))
        (func (export "down") (param $n i32) (result i32) (call $down (local.get $n))))
      """;

  private static byte[] instrumented() {
    return MeteringInstrumenter.builder().build().instrument(Wat2Wasm.parse(MODULE)).wasm();
  }

  private static Instance chicoryOwn(byte[] wasm) {
    var module = Parser.parse(wasm);
    return Instance.builder(module)
        .withMachineFactory(MachineFactoryCompiler::compile)
        .withMemoryFactory(ByteArrayMemory::new)
        .build();
  }

  /** {@code export(n)}'s result (Long.MIN_VALUE if it trapped) and the counter left after it. */
  private static long[] run(Instance instance, String export, long budget, long n) {
    instance.exports().global(COUNTER).setValue(budget);
    instance.exports().global(DEPTH).setValue(0);
    try {
      long result = instance.export(export).apply(n)[0];
      return new long[] {result, instance.exports().global(COUNTER).getValue()};
    } catch (TrapException | WasmRuntimeException e) {
      return new long[] {Long.MIN_VALUE, instance.exports().global(COUNTER).getValue()};
    }
  }

  @Test
  void everyAccessToTheCounterIsRewrittenAndNoOther() {
    var module = Parser.parse(instrumented());
    int counter = CounterGlobalShortcut.counterGlobal(module);
    assertThat(counter).isNotNegative();
    var compiled = CounterGlobalShortcut.compile(module, counter);
    // Every extended function with one result hands the counter back through the global, so the
    // module has many accesses; each must have matched the pattern.
    assertThat(compiled.rewrittenAccesses()).isGreaterThan(5);
    var unrewritten = CounterGlobalShortcut.compile(module, Integer.MAX_VALUE);
    assertThat(unrewritten.rewrittenAccesses()).isZero();
    // -1: a module whose counter is not reached through the memory; only comparisons are fused.
    var noCounter = CounterGlobalShortcut.compile(module, -1);
    assertThat(noCounter.rewrittenAccesses()).isZero();
    assertThat(noCounter.fusedComparisons()).isEqualTo(compiled.fusedComparisons());
  }

  @Test
  void everyCompiledFunctionTakesTheEnginesMemoryClassAndEveryCallPassesIt() {
    var module = Parser.parse(instrumented());
    var compiled = CounterGlobalShortcut.compile(module, CounterGlobalShortcut.counterGlobal(module));
    String chicorys = "Lcom/dylibso/chicory/runtime/Memory;Lcom/dylibso/chicory/runtime/Instance;)";
    String engines = "L" + PagedMemory.class.getName().replace('.', '/') + ";";
    var functions = GeneratedClasses.declared(compiled.payload()).stream()
        .filter(m -> m.name().matches("func_[0-9]+")).toList();
    // The module's functions, the instrumenter's wrappers and its checkpoint function.
    assertThat(functions).hasSizeGreaterThan(5);
    assertThat(compiled.retypedFunctions()).isEqualTo(functions.size());
    assertThat(functions).allSatisfy(m -> assertThat(m.descriptor()).contains(engines).doesNotContain(chicorys));
    assertThat(GeneratedClasses.called(compiled.payload()))
        .filteredOn(m -> m.name().matches("func_[0-9]+")).isNotEmpty()
        .allSatisfy(m -> assertThat(m.descriptor()).contains(engines).doesNotContain(chicorys));
  }

  @Test
  void aModuleWithoutAMemoryRunsWithTheRetypedFunctions() {
    // Chicory passes no memory (null) to its functions; the cast before each call lets it through.
    Instance instance = StandaloneInstances.of(Wat2Wasm.parse("""
        (module
          (func $down (param $n i32) (result i32)
            (if (result i32) (local.get $n)
              (then (i32.add (call $down (i32.sub (local.get $n) (i32.const 1))) (i32.const 2)))
              (else (i32.const 0))))
          (func (export "run") (param $n i32) (result i32) (call $down (local.get $n))))
        """));
    assertThat(instance.export("run").apply(21)[0]).isEqualTo(42);
  }

  @Test
  void theCounterGlobalIsTheMemorysFieldForTheHostAndTheCompiledCodeAlike() {
    Instance shortcut = StandaloneInstances.of(instrumented());
    var global = shortcut.exports().global(COUNTER);
    PagedMemory memory = (PagedMemory) shortcut.memory();
    assertThat(global).isInstanceOf(CounterGlobal.class);
    global.setValue(12_345);
    assertThat(memory.instructionsLeft).isEqualTo(12_345);
    global.setValue(com.dylibso.chicory.wasm.types.Value.i64(99));
    assertThat(memory.instructionsLeft).isEqualTo(99);
    memory.instructionsLeft = 777; // as the compiled code writes it
    assertThat(global.getValue()).isEqualTo(777);
    assertThat(global.getValueLow()).isEqualTo(777);
    assertThat(global.getValueHigh()).isZero();
    // The instrumentation's other global, the call depth, stays an ordinary one.
    assertThat(shortcut.exports().global(DEPTH)).isNotInstanceOf(CounterGlobal.class);
  }

  @Test
  void countsTrapsAndResultsAreThoseOfChicorysOwnCode() {
    byte[] wasm = instrumented();
    Instance own = chicoryOwn(wasm);
    Instance shortcut = StandaloneInstances.of(wasm);
    for (int n : new int[] {0, 1, 5, 12}) {
      long[] expected = run(own, "run", Long.MAX_VALUE / 2, n);
      assertThat(run(shortcut, "run", Long.MAX_VALUE / 2, n)).containsExactly(expected);
      long used = Long.MAX_VALUE / 2 - expected[1];
      // Exactly enough returns with 0 left; one less traps, in both.
      assertThat(run(shortcut, "run", used, n)).containsExactly(run(own, "run", used, n));
      assertThat(run(shortcut, "run", used, n)[1]).isZero();
      long[] short1 = run(shortcut, "run", used - 1, n);
      assertThat(short1[0]).isEqualTo(Long.MIN_VALUE);
      assertThat(short1).containsExactly(run(own, "run", used - 1, n));
      for (long budget = 1; budget < used; budget += Math.max(1, used / 37)) {
        assertThat(run(shortcut, "run", budget, n)).containsExactly(run(own, "run", budget, n));
      }
    }
  }

  @Test
  void deepRecursionTrapsAtTheDepthLimitNotWithAStackOverflow() throws Exception {
    Instance shortcut = StandaloneInstances.of(instrumented());
    long[] ok = new long[2];
    Throwable[] failure = new Throwable[1];
    // As the engine does: a thread with a stack large enough for the depth limit.
    Thread t = new Thread(null, () -> {
      try {
        ok[0] = run(shortcut, "down", 1L << 40, MeteringInstrumenter.DEFAULT_MAX_CALL_DEPTH - 2)[0];
        shortcut.exports().global(COUNTER).setValue(1L << 40);
        shortcut.exports().global(DEPTH).setValue(0);
        shortcut.export("down").apply(MeteringInstrumenter.DEFAULT_MAX_CALL_DEPTH);
      } catch (Throwable e) {
        failure[0] = e;
      }
    }, "deep", 256L << 20);
    t.start();
    t.join();
    assertThat(ok[0]).isEqualTo(MeteringInstrumenter.DEFAULT_MAX_CALL_DEPTH - 2);
    assertThat(failure[0]).isInstanceOf(TrapException.class);
    assertThat(shortcut.exports().global(DEPTH).getValue()).isEqualTo(MeteringInstrumenter.DEFAULT_MAX_CALL_DEPTH + 1);
  }

  @Test
  void aModuleWithoutMemoryOrCounterKeepsChicorysCode() {
    byte[] noMemory = MeteringInstrumenter.builder().build()
        .instrument(Wat2Wasm.parse("(module (func (export \"f\") (result i32) (i32.const 1)))")).wasm();
    assertThat(CounterGlobalShortcut.counterGlobal(Parser.parse(noMemory))).isEqualTo(-1);
    assertThat(CounterGlobalShortcut.counterGlobal(Parser.parse(Wat2Wasm.parse("(module (memory 1))"))))
        .isEqualTo(-1);
    Instance instance = StandaloneInstances.of(noMemory);
    assertThat(run(instance, "f", 100, 0)[0]).isEqualTo(1);
    instance.exports().global(COUNTER).setValue(0);
    assertThatThrownBy(() -> instance.export("f").apply()).isInstanceOf(TrapException.class);
  }
}
