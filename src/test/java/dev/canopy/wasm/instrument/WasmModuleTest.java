package dev.canopy.wasm.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.types.Hex;
import dev.canopy.wasm.instrument.ChicoryRunner.Engine;
import java.util.List;
import org.junit.jupiter.api.Test;

class WasmModuleTest {
  /**
   * A hand-made module with custom sections before, between and after the standard ones, and
   * padded (non-shortest) LEB128s in a section size, a body size, an i32.const and a call index.
   */
  static final byte[] PADDED =
      Hex.decode(
          String.join(
              "",
              "0061736d01000000",
              "0007" + "056669727374" + "78", // custom "first" "x"
              "0185808080" + "00" + "0160000" + "17f", // type section, size padded to 5 bytes
              "0303020000", // two functions of type 0
              "000b" + "07" + "6265747765656e" + "010203", // custom "between"
              "0705" + "0101" + "66" + "0001", // export "f" = function 1
              "0a17" + "02",
              "8880808000" + "00" + "41aa80808000" + "0b", // () -> i32.const 42, padded
              "08" + "00" + "108080808000" + "0b", // call 0, index padded
              "0008" + "07" + "747261696c6572")); // custom "trailer"

  @Test
  void aHandMadeModuleWithPaddedLebsAndCustomSectionsRoundTripsByteForByte() {
    WasmModule module = WasmModule.parse(PADDED);
    assertThat(module.encode()).isEqualTo(PADDED);
    assertThat(module.sections()).extracting(WasmModule.Section::id).containsExactly(0, 1, 3, 0, 7, 10, 0);
    assertThat(module.sections().get(3).customName()).isEqualTo("between");
  }

  @Test
  void instrumentingKeepsCustomSectionsInPlaceAndOriginalInstructionBytes() {
    byte[] instrumented = MeteringInstrumenter.builder().build().instrument(PADDED).wasm();
    WasmModule module = WasmModule.parse(instrumented);
    List<Integer> ids = module.sections().stream().map(WasmModule.Section::id).toList();
    // ... and the metering section after them all.
    assertThat(ids).containsExactly(0, 1, 3, 6, 0, 7, 10, 0, 0);
    assertThat(module.sections().get(8).customName()).isEqualTo(MeteringInstrumenter.METERING_SECTION);
    List<WasmModule.Section> original = WasmModule.parse(PADDED).sections();
    assertThat(module.sections().get(0).payload()).isEqualTo(original.get(0).payload());
    assertThat(module.sections().get(4).payload()).isEqualTo(original.get(3).payload());
    assertThat(module.sections().get(7).payload()).isEqualTo(original.get(6).payload());
    String code = Hex.encode(module.section(WasmModule.CODE).payload());
    assertThat(code).contains("41aa80808000").contains("108080808000");
    assertThat(ChicoryRunner.of(instrumented, Engine.INTERPRETER).call("f", 100).result()).isEqualTo(42);
  }

  @Test
  void watModulesRoundTripByteForByte() {
    for (String wat :
        new String[] {MeteringInstrumenterTest.COUNTING_LOOP, FeatureModules.KITCHEN_SINK, FeatureModules.SIMD}) {
      byte[] wasm = Wat2Wasm.parse(wat);
      assertThat(WasmModule.parse(wasm).encode()).isEqualTo(wasm);
    }
  }

  @Test
  void anEmptyModuleGainsAGlobalAndAnExportSection() {
    byte[] empty = Hex.decode("0061736d01000000");
    assertThat(WasmModule.parse(empty).encode()).isEqualTo(empty);
    InstrumentedModule module = MeteringInstrumenter.builder().build().instrument(empty);
    ChicoryRunner runner = ChicoryRunner.of(module.wasm(), Engine.INTERPRETER);
    assertThat(runner.instance().exports().global(MeteringInstrumenter.INSTRUCTIONS_LEFT_EXPORT).getValue())
        .isZero();
  }

  @Test
  void framingErrorsAreTyped() {
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736d0100")))
        .isInstanceOf(InvalidWasmException.class);
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736e01000000")))
        .isInstanceOf(InvalidWasmException.class)
        .hasMessageContaining("magic");
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736d0d000100")))
        .isInstanceOf(UnsupportedWasmFeatureException.class);
    // Section size past the end.
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736d01000000010560")))
        .isInstanceOf(InvalidWasmException.class)
        .hasMessageContaining("past the end");
    // Function section before type section; type section twice.
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736d01000000030100010100")))
        .hasMessageContaining("out of order");
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736d0100000001010001010000")))
        .hasMessageContaining("out of order");
    // Unknown section id; a u32 LEB128 longer than 5 bytes; a custom section without a name.
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736d010000001e00")))
        .hasMessageContaining("unknown section");
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736d0100000001808080808000")))
        .isInstanceOf(InvalidWasmException.class);
    assertThatThrownBy(() -> WasmModule.parse(Hex.decode("0061736d010000000000")))
        .isInstanceOf(InvalidWasmException.class);
    assertThatThrownBy(() -> WasmModule.parse(null)).isInstanceOf(InvalidWasmException.class);
  }
}
