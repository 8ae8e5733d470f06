package dev.canopy.wasm.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.wasm.instrument.ChicoryRunner.Engine;
import dev.canopy.wasm.instrument.ChicoryRunner.Outcome;
import com.dylibso.chicory.wasm.Parser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Instrumented modules validate and compute exactly what the originals compute. */
class InstrumentedSemanticsTest {
  private static final long[] ARGUMENTS = {0, 1, -1, 7, 123456789, -98765, Long.MAX_VALUE, Long.MIN_VALUE};

  @ParameterizedTest
  @EnumSource(Engine.class)
  void everyFeatureComputesTheSameResultsAsTheOriginal(Engine engine) {
    byte[] original = Wat2Wasm.parse(FeatureModules.KITCHEN_SINK);
    byte[] instrumented = MeteringInstrumenter.builder().build().instrument(original).wasm();
    for (String export : FeatureModules.KITCHEN_SINK_EXPORTS) {
      // Fresh instances per export: memory, tables and globals change as they run.
      ChicoryRunner plain = ChicoryRunner.of(original, engine);
      ChicoryRunner metered = ChicoryRunner.of(instrumented, engine);
      for (long argument : ARGUMENTS) {
        Outcome expected = plain.call(export, 0, argument);
        Outcome actual = metered.call(export, 1L << 40, argument);
        assertThat(actual.trapped()).as("%s(%d) trapped: %s", export, argument, actual.trapMessage())
            .isEqualTo(expected.trapped());
        if (!expected.trapped()) {
          assertThat(actual.results()).as("%s(%d)", export, argument).isEqualTo(expected.results());
          assertThat(actual.callDepth()).isZero();
        }
        assertThat(actual.instructionsLeft()).isLessThan(1L << 40);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Engine.class)
  void bothEnginesChargeTheSameCounts(Engine engine) {
    byte[] instrumented =
        MeteringInstrumenter.builder().build().instrument(Wat2Wasm.parse(FeatureModules.KITCHEN_SINK)).wasm();
    Engine other = engine == Engine.COMPILER ? Engine.INTERPRETER : Engine.COMPILER;
    for (String export : FeatureModules.KITCHEN_SINK_EXPORTS) {
      ChicoryRunner a = ChicoryRunner.of(instrumented, engine);
      ChicoryRunner b = ChicoryRunner.of(instrumented, other);
      for (long argument : ARGUMENTS) {
        // Traps included (a second "tables" call traps on the dropped element segment).
        Outcome x = a.call(export, 1L << 40, argument);
        Outcome y = b.call(export, 1L << 40, argument);
        assertThat(y.trapped()).as("%s(%d)", export, argument).isEqualTo(x.trapped());
        assertThat(y.instructionsLeft()).as("%s(%d)", export, argument).isEqualTo(x.instructionsLeft());
      }
    }
  }

  @Test
  void simdModulesInstrumentIntoValidModules() {
    byte[] original = Wat2Wasm.parse(FeatureModules.SIMD);
    InstrumentedModule instrumented = MeteringInstrumenter.builder().build().instrument(original);
    // Chicory's parser validates (types, stack heights, lanes) while decoding.
    var module = Parser.parse(instrumented.wasm());
    // The extended function, the wrapper of its export and the checkpoint's slow path.
    assertThat(module.codeSection().functionBodies()).hasSize(3);
    assertThat(instrumented.originalInstructionCount()).isEqualTo(34);
  }
}
