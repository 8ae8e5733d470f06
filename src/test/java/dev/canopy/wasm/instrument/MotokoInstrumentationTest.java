package dev.canopy.wasm.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionImport;
import dev.canopy.wasm.instrument.ChicoryRunner.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Real modules: the Motoko canisters committed under src/test/resources/motoko. */
class MotokoInstrumentationTest {
  private static final MeteringInstrumenter INSTRUMENTER = MeteringInstrumenter.builder().build();

  static byte[] fixture(String name) {
    try (InputStream in = MotokoInstrumentationTest.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      if (in == null) {
        throw new AssertionError("missing fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"counter", "counter_with_init", "caller", "stable_store", "stable_store_v2", "http", "timer"})
  void aCanisterRoundTripsUnchangedAndInstrumentsIntoAValidModule(String name) {
    byte[] wasm = fixture(name);
    assertThat(WasmModule.parse(wasm).encode()).isEqualTo(wasm);

    InstrumentedModule instrumented = INSTRUMENTER.instrument(wasm);
    var module = Parser.parse(instrumented.wasm());
    // Every defined function keeps its index; wrappers for what the host and tables reach follow.
    int defined = Parser.parse(wasm).codeSection().functionBodies().length;
    assertThat(module.codeSection().functionBodies().length).isGreaterThan(defined);
    assertThat(instrumented.originalInstructionCount()).isGreaterThan(10_000);
    assertThat(INSTRUMENTER.instrument(wasm.clone()).wasm()).isEqualTo(instrumented.wasm());
    // Custom sections are carried over in order and unchanged, except the local names in "name",
    // which move past the new parameters; the metering section follows them.
    List<String> expectedNames = new ArrayList<>(customSectionNames(wasm));
    expectedNames.add(MeteringInstrumenter.METERING_SECTION);
    assertThat(customSectionNames(instrumented.wasm())).isEqualTo(expectedNames);
    assertThat(customSections(instrumented.wasm()).stream()
            .filter(s -> !s.startsWith("name:") && !s.startsWith(MeteringInstrumenter.METERING_SECTION + ":")))
        .containsExactlyElementsOf(customSections(wasm).stream().filter(s -> !s.startsWith("name:")).toList());
  }

  private static List<String> customSectionNames(byte[] wasm) {
    List<String> result = new ArrayList<>();
    for (WasmModule.Section s : WasmModule.parse(wasm).sections()) {
      if (s.id() == WasmModule.CUSTOM) {
        result.add(s.customName());
      }
    }
    return result;
  }

  private static List<String> customSections(byte[] wasm) {
    List<String> result = new ArrayList<>();
    for (WasmModule.Section s : WasmModule.parse(wasm).sections()) {
      if (s.id() == WasmModule.CUSTOM) {
        result.add(s.customName() + ":" + java.util.Arrays.hashCode(s.payload()));
      }
    }
    return result;
  }

  /** The System API stubbed: every import returns zeros, except ic0.trap, which traps. */
  private static Instance instantiate(byte[] wasm, Engine engine) {
    var module = Parser.parse(wasm);
    List<ImportFunction> functions = new ArrayList<>();
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      if (imports.getImport(i) instanceof FunctionImport f) {
        var type = module.typeSection().getType(f.typeIndex());
        int results = type.returns().size();
        functions.add(
            new HostFunction(f.module(), f.name(), type, (instance, args) -> {
              if (f.name().equals("trap")) {
                throw new TrapException("canister trapped");
              }
              return results == 0 ? null : new long[results];
            }));
      }
    }
    var builder =
        Instance.builder(module)
            .withImportValues(ImportValues.builder().withFunctions(functions).build());
    if (engine == Engine.COMPILER) {
      builder.withMachineFactory(MachineFactoryCompiler::compile);
    }
    return builder.build();
  }

  private record Run(boolean trapped, long instructionsLeft, long callDepth) {}

  private static Run runInit(byte[] instrumented, Engine engine, long budget) {
    boolean hasStart = WasmModule.parse(instrumented).sections().stream()
        .anyMatch(s -> s.id() == WasmModule.EXPORT
            && new String(s.payload(), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains(MeteringInstrumenter.START_FUNCTION_EXPORT));
    Instance instance = instantiate(instrumented, engine);
    var counter = instance.exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT);
    counter.setValue(budget);
    boolean trapped = false;
    try {
      if (hasStart) {
        instance.export(MeteringInstrumenter.START_FUNCTION_EXPORT).apply();
      }
      instance.export("canister_init").apply();
    } catch (TrapException | WasmRuntimeException e) {
      trapped = true;
    }
    return new Run(trapped, counter.getValue(),
        instance.exports().global(MeteringInstrumenter.CALL_DEPTH_EXPORT).getValue());
  }

  @ParameterizedTest
  @ValueSource(strings = {"counter", "stable_store"})
  void canisterInitIsChargedIdenticallyByBothEnginesAndTrapsAtTheSameInstruction(String name) {
    byte[] instrumented = INSTRUMENTER.instrument(fixture(name)).wasm();
    Run interpreted = runInit(instrumented, Engine.INTERPRETER, 1L << 40);
    Run compiled = runInit(instrumented, Engine.COMPILER, 1L << 40);
    assertThat(compiled).isEqualTo(interpreted);
    long used = (1L << 40) - interpreted.instructionsLeft();
    assertThat(used).isGreaterThan(100);

    // Exactly the budget it needs; then one less runs out (if init itself succeeded).
    if (!interpreted.trapped()) {
      assertThat(runInit(instrumented, Engine.COMPILER, used)).isEqualTo(new Run(false, 0, 0));
      Run short1 = runInit(instrumented, Engine.COMPILER, used - 1);
      assertThat(short1.trapped()).isTrue();
      assertThat(short1.instructionsLeft()).isNegative();
    }
    Run half = runInit(instrumented, Engine.INTERPRETER, used / 2);
    assertThat(half.trapped()).isTrue();
    assertThat(half.instructionsLeft()).isNegative();
    assertThat(runInit(instrumented, Engine.COMPILER, used / 2)).isEqualTo(half);
  }
}
