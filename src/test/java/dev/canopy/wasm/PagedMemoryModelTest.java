package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.WasmRuntimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Wasm heap against a model (a plain byte array per image): seeded random accesses of every
 * width, many of them across block boundaries, bulk writes, growth, out-of-bounds accesses,
 * freezes, reverts (a trap) and resets to earlier images (a pooled instance taking another
 * version). After every bulk or structural step (and every 16th) the memory reads exactly as the
 * model, every read on the way returns what the model holds, and every frozen image holds
 * exactly what the model held when it was frozen, whatever happened to the memory since.
 */
class PagedMemoryModelTest {
  private static final int PAGE = 65536;
  private static final int MAX_PAGES = 6;
  private static final int STEPS = 1500;

  private record Version(PageMap image, byte[] bytes) {}

  @Test
  void theHeapReadsAsTheModelAfterEveryStepAndFrozenImagesNeverChange() {
    for (long seed = 1; seed <= 12; seed++) {
      run(seed);
    }
  }

  private static void run(long seed) {
    Random rnd = new Random(seed);
    String where = "seed " + seed;
    byte[] start = new byte[2 * PAGE];
    PagedMemory writer = PagedMemory.fresh(2, MAX_PAGES);
    for (int k = 0; k < 20; k++) {
      int a = rnd.nextInt(start.length - 8);
      writer.writeLong(a, rnd.nextLong());
      System.arraycopy(writer.readBytes(a, 8), 0, start, a, 8);
    }
    List<Version> versions = new ArrayList<>();
    versions.add(new Version(writer.freeze(), start.clone()));
    PagedMemory memory = PagedMemory.restore(versions.get(0).image(), 1, MAX_PAGES);
    byte[] model = start.clone();
    byte[] held = start.clone(); // what the memory's source image holds
    memory.beginExecution();
    for (int step = 0; step < STEPS; step++) {
      String at = where + ", step " + step;
      int op = rnd.nextInt(100);
      if (op < 45) {
        int width = new int[] {1, 2, 4, 8}[rnd.nextInt(4)];
        int a = address(rnd, model.length, width);
        long v = rnd.nextLong();
        switch (width) {
          case 1 -> memory.writeByte(a, (byte) v);
          case 2 -> memory.writeShort(a, (short) v);
          case 4 -> memory.writeI32(a, (int) v);
          default -> memory.writeLong(a, v);
        }
        for (int i = 0; i < width; i++) {
          model[a + i] = (byte) (v >>> (8 * i));
        }
      } else if (op < 55) {
        int a = address(rnd, model.length, 8);
        assertThat(memory.readLong(a)).as(at).isEqualTo(leLong(model, a));
        assertThat(memory.readInt(a)).as(at).isEqualTo((int) leLong(model, a));
        assertThat(memory.readShort(a)).as(at).isEqualTo((short) leLong(model, a));
      } else if (op < 60) {
        int size = rnd.nextInt(3 * 4096);
        int a = rnd.nextInt(model.length - size + 1);
        byte value = rnd.nextBoolean() ? 0 : (byte) rnd.nextInt();
        memory.fill(value, a, a + size);
        Arrays.fill(model, a, a + size, value);
      } else if (op < 65) {
        int size = rnd.nextInt(3 * 4096);
        int d = rnd.nextInt(model.length - size + 1);
        int s = rnd.nextBoolean() ? rnd.nextInt(model.length - size + 1)
            : Math.max(0, Math.min(model.length - size, d + rnd.nextInt(64) - 32));
        memory.copy(d, s, size);
        System.arraycopy(model, s, model, d, size);
      } else if (op < 69) {
        byte[] data = new byte[rnd.nextInt(9000)];
        rnd.nextBytes(data);
        int a = rnd.nextInt(model.length - data.length + 1);
        memory.write(a, data, 0, data.length);
        System.arraycopy(data, 0, model, a, data.length);
      } else if (op < 72) {
        // Past the end, or negative: Chicory hands an unsigned address of 2 GiB or more on to the
        // memory as a negative int, which must trap like any other address past the end.
        int a = switch (rnd.nextInt(3)) {
          case 0 -> model.length - rnd.nextInt(8);
          case 1 -> -1 - rnd.nextInt(160);
          default -> Integer.MIN_VALUE + rnd.nextInt(160);
        };
        assertThatThrownBy(() -> memory.writeLong(a, -1L)).as(at)
            .isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> memory.readLong(a)).as(at)
            .isInstanceOf(WasmRuntimeException.class);
        int narrow = a >= 0 ? model.length : a; // out of bounds for one byte too
        assertThatThrownBy(() -> memory.writeByte(narrow, (byte) -1)).as(at)
            .isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> memory.writeI32(narrow, -1)).as(at)
            .isInstanceOf(WasmRuntimeException.class);
        assertThatThrownBy(() -> memory.read(narrow)).as(at)
            .isInstanceOf(WasmRuntimeException.class);
      } else if (op < 75) {
        int delta = rnd.nextInt(2);
        int before = memory.grow(delta);
        if (before >= 0) {
          assertThat(before).as(at).isEqualTo(model.length / PAGE);
          model = Arrays.copyOf(model, model.length + delta * PAGE);
        } else {
          assertThat(model.length / PAGE + delta).as(at).isGreaterThan(MAX_PAGES);
        }
      } else if (op < 84) {
        PageMap image = memory.freeze();
        versions.add(new Version(image, model.clone()));
        held = model.clone();
        memory.beginExecution();
      } else if (op < 90) {
        memory.revert(); // a trap: back to the image it holds
        model = held.clone();
        memory.beginExecution();
      } else {
        Version v = versions.get(rnd.nextInt(versions.size()));
        memory.reset(v.image(), MAX_PAGES);
        model = v.bytes().clone();
        held = v.bytes().clone();
        memory.beginExecution();
      }
      assertThat(memory.pages()).as(at).isEqualTo(model.length / PAGE);
      if (op >= 55 || step % 16 == 0) { // after bulk and structural steps, and now and then
        assertThat(memory.readBytes(0, model.length)).as(at).isEqualTo(model);
      }
    }
    for (int k = 0; k < versions.size(); k++) {
      Version v = versions.get(k);
      byte[] image = new byte[(int) v.image().sizeBytes()];
      v.image().read(0, image, 0, image.length);
      assertThat(image).as(where + ", version " + k).isEqualTo(v.bytes());
      assertThat(v.image().contentHash()).as(where + ", version " + k)
          .isEqualTo(rebuilt(v.bytes()).contentHash());
    }
  }

  /** An address for an access of {@code width} bytes, often just around a block boundary. */
  private static int address(Random rnd, int size, int width) {
    if (rnd.nextBoolean()) {
      return rnd.nextInt(size - width + 1);
    }
    int boundary = 4096 * (1 + rnd.nextInt(size / 4096 - 1));
    return Math.min(size - width, Math.max(0, boundary - rnd.nextInt(2 * width) + 1));
  }

  private static long leLong(byte[] b, int a) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[a + i] & 0xff);
    }
    return v;
  }

  /** The same bytes as an image built page by page, as a checkpoint would. */
  private static PageMap rebuilt(byte[] bytes) {
    PageMap.Builder b = new PageMap.Builder(bytes.length / PAGE);
    for (int p = 0; p < bytes.length / PAGE; p++) {
      b.page(p, Arrays.copyOfRange(bytes, p * PAGE, (p + 1) * PAGE));
    }
    return b.build();
  }
}
