package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.wasm.instrument.InvalidWasmException;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import org.junit.jupiter.api.Test;

/**
 * A trap the program causes itself, deep in a chain of calls, is charged exactly what ran: the
 * innermost frame's counter, not a caller's, and not the global as last synced.
 */
class TrapCounterSyncTest {
  private static final String COUNTER = MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT;
  private static final long BUDGET = 1L << 40;

  // $down recurses n deep, each frame charging its blocks, and the last frame loads at addr: in
  // bounds it returns, out of bounds it traps, having run the same blocks.
  private static final String MODULE =
      """
      (module
        (memory 1)
        (func $down (param $n i32) (param $addr i32) (result i32)
          (if (result i32) (local.get $n)
            (then (i32.add (call $down (i32.sub (local.get $n) (i32.const 1)) (local.get $addr))
              (i32.const 1)))
            (else (i32.load (local.get $addr)))))
        (func (export "deep") (param $n i32) (param $addr i32) (result i32)
          (call $down (local.get $n) (local.get $addr))))
      """;

  private static byte[] instrumented() {
    return MeteringInstrumenter.builder().build().instrument(Wat2Wasm.parse(MODULE)).wasm();
  }

  @Test
  void aTrapDeepInACallChainIsChargedWhatTheSameRunChargesWhenItReturns() {
    Instance instance = StandaloneInstances.of(instrumented());
    for (int n : new int[] {0, 1, 7, 300}) {
      instance.exports().global(COUNTER).setValue(BUDGET);
      assertThat(instance.export("deep").apply(n, 0)[0]).isEqualTo(n);
      long returned = BUDGET - instance.exports().global(COUNTER).getValue();

      instance.exports().global(COUNTER).setValue(BUDGET);
      assertThatThrownBy(() -> instance.export("deep").apply(n, 65536)).isInstanceOf(WasmRuntimeException.class);
      long trapped = BUDGET - instance.exports().global(COUNTER).getValue();
      assertThat(trapped).as("n=%d", n).isGreaterThan(10L * n).isEqualTo(returned);
    }
  }

  @Test
  void theHandlersGoOnExactlyTheInstrumentedFunctions() {
    var plain = CounterGlobalShortcut.compile(Parser.parse(Wat2Wasm.parse(MODULE)), -1);
    assertThat(plain.trapHandlers()).isZero();
    var module = Parser.parse(instrumented());
    var compiled = CounterGlobalShortcut.compile(module, CounterGlobalShortcut.counterGlobal(module));
    int defined = Parser.parse(Wat2Wasm.parse(MODULE)).codeSection().functionBodies().length;
    assertThat(compiled.trapHandlers()).isEqualTo(defined);
    MeteringInstrumenter.MeteringSection metering = TrapCounterSync.metering(module);
    assertThat(metering.firstExtended()).isZero();
    assertThat(metering.extendedCount()).isEqualTo(defined);
    assertThat(metering.counterGlobal()).isEqualTo(CounterGlobalShortcut.counterGlobal(module));
  }

  @Test
  void aModuleThatCarriesTheMeteringSectionAlreadyIsRefused() {
    byte[] base = Wat2Wasm.parse("(module)");
    byte[] name = MeteringInstrumenter.METERING_SECTION.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    // A custom section: its id, size, name and one byte of content.
    byte[] withSection = java.util.Arrays.copyOf(base, base.length + 3 + name.length + 1);
    withSection[base.length] = 0;
    withSection[base.length + 1] = (byte) (1 + name.length + 1);
    withSection[base.length + 2] = (byte) name.length;
    System.arraycopy(name, 0, withSection, base.length + 3, name.length);
    assertThatThrownBy(() -> MeteringInstrumenter.builder().build().instrument(withSection))
        .isInstanceOf(InvalidWasmException.class)
        .hasMessageContaining(MeteringInstrumenter.METERING_SECTION);
  }
}
