package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/**
 * Every integer comparison fused with its branch decides as the Wasm specification says, in each
 * form Chicory compiles a conditional branch from ({@code if}, {@code br_if}, both ways round), on
 * the values at the edges of signed and unsigned order; a comparison used as a value keeps
 * Chicory's helper and computes the same.
 */
class FusedComparisonsTest {
  private static final long[] I32_VALUES = {0, 1, 2, -1, -2, Integer.MIN_VALUE, Integer.MIN_VALUE + 1,
      Integer.MAX_VALUE, Integer.MAX_VALUE - 1, 0x7FFF, 0x8000};
  private static final long[] I64_VALUES = {0, 1, 2, -1, -2, Long.MIN_VALUE, Long.MIN_VALUE + 1,
      Long.MAX_VALUE, Long.MAX_VALUE - 1, Integer.MIN_VALUE, 0xFFFF_FFFFL, 1L << 32};

  /** Each Wasm comparison and its meaning on (a, b), both given as the operand type's value. */
  private static Map<String, BiPredicate<Long, Long>> comparisons() {
    Map<String, BiPredicate<Long, Long>> m = new LinkedHashMap<>();
    for (String t : new String[] {"i32", "i64"}) {
      boolean wide = t.equals("i64");
      m.put(t + ".eq", (a, b) -> a.longValue() == b.longValue());
      m.put(t + ".ne", (a, b) -> a.longValue() != b.longValue());
      m.put(t + ".lt_s", (a, b) -> a < b);
      m.put(t + ".gt_s", (a, b) -> a > b);
      m.put(t + ".le_s", (a, b) -> a <= b);
      m.put(t + ".ge_s", (a, b) -> a >= b);
      m.put(t + ".lt_u", (a, b) -> unsigned(a, b, wide) < 0);
      m.put(t + ".gt_u", (a, b) -> unsigned(a, b, wide) > 0);
      m.put(t + ".le_u", (a, b) -> unsigned(a, b, wide) <= 0);
      m.put(t + ".ge_u", (a, b) -> unsigned(a, b, wide) >= 0);
      m.put(t + ".eqz", (a, b) -> a == 0);
    }
    return m;
  }

  private static int unsigned(long a, long b, boolean wide) {
    return wide ? Long.compareUnsigned(a, b) : Integer.compareUnsigned((int) a, (int) b);
  }

  private static String name(String op) {
    return op.replace('.', '_');
  }

  /**
   * Per comparison: {@code if} (taken when it holds), {@code br_if} out of a block (taken when it
   * holds), {@code br_if} on its negation by {@code i32.eqz} (which fuses too), and {@code
   * select} (a value, not fused). Each returns 1 when the comparison holds.
   */
  private static String module() {
    StringBuilder wat = new StringBuilder("(module (memory 1)\n");
    for (String op : comparisons().keySet()) {
      String t = op.substring(0, 3);
      String args = op.endsWith("eqz") ? "(local.get $a)" : "(local.get $a) (local.get $b)";
      String compare = "(" + op + " " + args + ")";
      String params = "(param $a " + t + ") (param $b " + t + ") (result i32)";
      wat.append("(func (export \"if_").append(name(op)).append("\") ").append(params)
          .append(" (if (result i32) ").append(compare).append(" (then (i32.const 1)) (else (i32.const 0))))\n");
      wat.append("(func (export \"br_").append(name(op)).append("\") ").append(params)
          .append(" (block $yes (br_if $yes ").append(compare).append(") (return (i32.const 0))) (i32.const 1))\n");
      wat.append("(func (export \"brnot_").append(name(op)).append("\") ").append(params)
          .append(" (block $no (br_if $no (i32.eqz ").append(compare)
          .append(")) (return (i32.const 1))) (i32.const 0))\n");
      wat.append("(func (export \"select_").append(name(op)).append("\") ").append(params)
          .append(" (select (i32.const 1) (i32.const 0) ").append(compare).append("))\n");
    }
    return wat.append(")").toString();
  }

  private static byte[] instrumented() {
    return MeteringInstrumenter.builder().build().instrument(Wat2Wasm.parse(module())).wasm();
  }

  @Test
  void fusedComparisonsDecideAsTheSpecificationSays() {
    Instance instance = StandaloneInstances.of(instrumented());
    var counter = instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
    for (var e : comparisons().entrySet()) {
      boolean wide = e.getKey().startsWith("i64");
      long[] values = wide ? I64_VALUES : I32_VALUES;
      for (long a : values) {
        for (long b : values) {
          long expected = e.getValue().test(a, b) ? 1 : 0;
          for (String form : new String[] {"if_", "br_", "brnot_", "select_"}) {
            counter.setValue(1L << 40);
            long got = instance.export(form + name(e.getKey())).apply(a, b)[0];
            assertThat(got).as("%s%s(%d, %d)", form, e.getKey(), a, b).isEqualTo(expected);
          }
        }
      }
    }
  }

  /**
   * Unmetered, each function's deepest operand stack is the comparison's own operands, so the
   * fused code's extra slots (the flipped sign bits, the zero) must be declared, or the JVM's
   * verifier refuses the class.
   */
  @Test
  void fusedCodeDeclaresTheOperandStackItNeeds() {
    Instance instance = StandaloneInstances.of(Wat2Wasm.parse("""
        (module
          (func (export "lt_u64") (param $a i64) (param $b i64) (result i32)
            (if (result i32) (i64.lt_u (local.get $a) (local.get $b)) (then (i32.const 1)) (else (i32.const 0))))
          (func (export "lt_u32") (param $a i32) (param $b i32) (result i32)
            (if (result i32) (i32.lt_u (local.get $a) (local.get $b)) (then (i32.const 1)) (else (i32.const 0))))
          (func (export "eqz64") (param $a i64) (result i32)
            (if (result i32) (i64.eqz (local.get $a)) (then (i32.const 1)) (else (i32.const 0)))))
        """));
    assertThat(instance.export("lt_u64").apply(-1L, 1L)[0]).isZero();
    assertThat(instance.export("lt_u64").apply(1L, -1L)[0]).isEqualTo(1);
    assertThat(instance.export("lt_u32").apply(0xFFFF_FFFFL, 1L)[0]).isZero();
    assertThat(instance.export("eqz64").apply(0L)[0]).isEqualTo(1);
  }

  @Test
  void everyComparisonThatOnlyBranchesIsFused() {
    var module = Parser.parse(instrumented());
    var compiled = CounterGlobalShortcut.compile(module, CounterGlobalShortcut.counterGlobal(module));
    // At least the if, br_if and negated br_if forms of each comparison (the negation's eqz is the
    // one fused there); the instrumenter's own checkpoints and checks add more.
    assertThat(compiled.fusedComparisons()).isGreaterThanOrEqualTo(3 * comparisons().size());
  }
}
