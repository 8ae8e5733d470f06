package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Corrupted modules fail only with {@link InvalidModuleException}, never anything unchecked. */
class MalformedModuleProperties {
  static final byte[] SEED_MODULE = ModuleValidatorTest.GOOD;

  static byte[] mutate(byte[] original, Random random) {
    byte[] b = original.clone();
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits; i++) {
      int at = 8 + random.nextInt(b.length - 8);
      switch (random.nextInt(3)) {
        case 0 -> b[at] = (byte) random.nextInt(256);
        case 1 -> b[at] ^= (byte) (1 << random.nextInt(8));
        default -> b = java.util.Arrays.copyOf(b, at);
      }
      if (b.length <= 8) {
        break;
      }
    }
    return b;
  }

  @Test
  void theValidatorAnswersCorruptionWithATypedError() {
    long seed = 424242L;
    Random random = new Random(seed);
    ModuleValidator validator = new ModuleValidator(ModuleLimits.internetComputerDefaults());
    int rejected = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] m = mutate(SEED_MODULE, random);
      try {
        validator.validate(m);
      } catch (InvalidModuleException e) {
        rejected++;
      } catch (RuntimeException | Error e) {
        throw new AssertionError("seed " + seed + ", case " + i + ": " + e, e);
      }
    }
    assertThat(rejected).as("seed %d", seed).isGreaterThan(1000);
  }

  @Test
  void theEngineAnswersCorruptionWithATypedError() {
    long seed = 777L;
    Random random = new Random(seed);
    try (WasmEngine engine = WasmTestSupport.engine()) {
      for (int i = 0; i < 150; i++) {
        byte[] m = mutate(SEED_MODULE, random);
        try {
          engine.load(m);
        } catch (InvalidModuleException e) {
          // expected for most
        } catch (RuntimeException | Error e) {
          throw new AssertionError("seed " + seed + ", case " + i + ": " + e, e);
        }
      }
    }
  }
}
