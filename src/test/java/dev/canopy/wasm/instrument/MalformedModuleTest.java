package dev.canopy.wasm.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.canopy.types.Hex;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** Malformed input is answered with InvalidWasmException, never another exception. */
class MalformedModuleTest {
  private static final MeteringInstrumenter INSTRUMENTER = MeteringInstrumenter.builder().build();
  private static final byte[] KITCHEN_SINK = Wat2Wasm.parse(FeatureModules.KITCHEN_SINK);

  @Test
  void everyTruncationIsInstrumentedOrRejectedWithATypedError() {
    for (int length = 0; length < KITCHEN_SINK.length; length++) {
      instrumentOrTypedError(Arrays.copyOf(KITCHEN_SINK, length), "prefix of " + length + " bytes");
    }
  }

  /**
   * Random byte corruptions: the instrumenter answers with a typed error or a module; and whenever
   * Chicory accepts the corrupted input and the instrumenter does too, Chicory accepts the output.
   */
  @Property(tries = 400, seed = "20240917")
  void corruptedModulesAreRejectedWithTypedErrorsOrStayValid(@ForAll @LongRange long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] wasm = KITCHEN_SINK.clone();
    int changes = 1 + random.nextInt(4);
    for (int i = 0; i < changes; i++) {
      int at = 8 + random.nextInt(wasm.length - 8);
      wasm[at] = random.nextBoolean() ? (byte) random.nextInt(256) : (byte) (wasm[at] ^ (1 << random.nextInt(8)));
    }
    boolean chicoryAccepts;
    try {
      Parser.parse(wasm);
      chicoryAccepts = true;
    } catch (RuntimeException | AssertionError e) {
      // Note: Chicory 1.7.5's parser can fail an internal assertion on corrupted code.
      chicoryAccepts = false;
    }
    byte[] instrumented = instrumentOrTypedError(wasm, "seed " + seed);
    if (chicoryAccepts && instrumented != null) {
      try {
        Parser.parse(instrumented);
      } catch (RuntimeException e) {
        fail("seed " + seed + ": valid input, invalid instrumented output: " + e);
      }
    }
  }

  private static byte[] instrumentOrTypedError(byte[] wasm, String what) {
    try {
      return INSTRUMENTER.instrument(wasm).wasm();
    } catch (InvalidWasmException expected) {
      assertThat(expected.getMessage()).as(what).isNotBlank();
      return null;
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
      throw new AssertionError(what + ": untyped " + e, e);
    }
  }

  private static void assertRejected(String hex, Class<? extends InvalidWasmException> type, String message) {
    assertThatThrownBy(() -> INSTRUMENTER.instrument(Hex.decode(hex)))
        .isInstanceOf(type)
        .hasMessageContaining(message);
  }

  /** A module with one function of type [] -> [] whose body is {@code bodyHex} (after locals). */
  private static String withBody(String bodyHex) {
    int size = bodyHex.length() / 2 + 1;
    String code = "01" + String.format("%02x", size) + "00" + bodyHex;
    return "0061736d01000000" + "010401600000" + "03020100" + "0a" + String.format("%02x", code.length() / 2) + code;
  }

  @Test
  void refusedFeaturesAreTypedAsUnsupported() {
    // i32.atomic.load, try, memory64, shared memory, tag section, relaxed SIMD.
    assertRejected(withBody("4100fe100200" + "1a0b"), UnsupportedWasmFeatureException.class, "atomics");
    assertRejected(withBody("06400b0b"), UnsupportedWasmFeatureException.class, "exception");
    assertRejected("0061736d01000000" + "0503010401", UnsupportedWasmFeatureException.class, "memory64");
    assertRejected("0061736d01000000" + "050401030101", UnsupportedWasmFeatureException.class, "shared");
    assertRejected("0061736d01000000" + "0d0100", UnsupportedWasmFeatureException.class, "tag");
    assertRejected(withBody("fd8002" + "0b"), UnsupportedWasmFeatureException.class, "relaxed SIMD");
  }

  @Test
  void structuralErrorsInCodeAreTyped() {
    assertRejected(withBody("050b"), InvalidWasmException.class, "else outside an if");
    assertRejected(withBody("01"), InvalidWasmException.class, "does not end with end");
    assertRejected(withBody("0b01"), InvalidWasmException.class, "after the function's final end");
    assertRejected(withBody("270b"), InvalidWasmException.class, "unknown opcode");
    assertRejected(withBody("fc12000b"), InvalidWasmException.class, "unknown 0xFC");
    assertRejected(withBody("fd9a010b"), InvalidWasmException.class, "unknown 0xFD");
    assertRejected(withBody("41ffffffff4f1a0b"), InvalidWasmException.class, "s32");
    assertRejected(withBody("0effffffff07000b"), InvalidWasmException.class, "exceeds");
    // A function section without code; a code section without functions.
    assertRejected("0061736d01000000" + "010401600000" + "03020100", InvalidWasmException.class, "declares 1");
    assertRejected("0061736d01000000" + "0a040102000b", InvalidWasmException.class, "declares 0");
    // A function type index out of range; too many locals.
    assertRejected("0061736d01000000" + "010401600000" + "03020101", InvalidWasmException.class, "type index");
    assertRejected(
        "0061736d01000000" + "010401600000" + "03020100" + "0a08010601e0d403 7f0b".replace(" ", ""),
        InvalidWasmException.class,
        "locals");
  }
}
