package dev.canopy.wasm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Copy-on-write pages: versions never affect each other, and hashes depend on contents only. */
class PageMapTest {
  @Test
  void writesThroughAnEditorNeverChangeTheBaseVersion() {
    PageMap.Editor e = PageMap.EMPTY.edit();
    e.grow(3);
    e.write(65530, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0, 10);
    PageMap v1 = e.freeze();
    e.write(65530, new byte[] {42}, 0, 1);
    PageMap v2 = e.freeze();
    byte[] b = new byte[10];
    v1.read(65530, b, 0, 10);
    assertThat(b).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    v2.read(65530, b, 0, 10);
    assertThat(b).containsExactly(42, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    assertThat(v1.materializedPages()).isEqualTo(2);
  }

  @Test
  void theHashDependsOnContentsNotOnHowPagesAreStored() {
    PageMap.Editor a = PageMap.EMPTY.edit();
    a.grow(4);
    a.write(3 * 65536L, new byte[] {7}, 0, 1);
    PageMap.Editor b = PageMap.EMPTY.edit();
    b.grow(4);
    b.write(0, new byte[100], 0, 100); // materializes a page of zeros
    b.write(3 * 65536L, new byte[] {7}, 0, 1);
    assertThat(a.freeze().contentHash()).isEqualTo(b.freeze().contentHash());
    PageMap.Editor c = PageMap.EMPTY.edit();
    c.grow(5);
    c.write(3 * 65536L, new byte[] {7}, 0, 1);
    assertThat(c.freeze().contentHash()).isNotEqualTo(a.freeze().contentHash());
  }

  @Test
  void pagedMemoryMatchesAFlatArrayUnderRandomAccess() {
    long seed = 77L;
    Random random = new Random(seed);
    PagedMemory memory = PagedMemory.fresh(2, 4);
    byte[] model = new byte[4 * 65536];
    PageMap before = memory.freeze();
    for (int i = 0; i < 20_000; i++) {
      int size = memory.pages() * 65536;
      int addr = random.nextInt(size - 8);
      switch (random.nextInt(5)) {
        case 0 -> {
          long v = random.nextLong();
          memory.writeLong(addr, v);
          for (int k = 0; k < 8; k++) {
            model[addr + k] = (byte) (v >>> (8 * k));
          }
        }
        case 1 -> {
          int v = random.nextInt();
          memory.writeI32(addr, v);
          for (int k = 0; k < 4; k++) {
            model[addr + k] = (byte) (v >>> (8 * k));
          }
        }
        case 2 -> {
          long expected = 0;
          for (int k = 0; k < 8; k++) {
            expected |= (model[addr + k] & 0xffL) << (8 * k);
          }
          assertThat(memory.readLong(addr)).as("seed %d step %d", seed, i).isEqualTo(expected);
        }
        case 3 -> {
          int len = random.nextInt(Math.min(70_000, size - addr));
          int dst = random.nextInt(size - len);
          memory.copy(dst, addr, len);
          System.arraycopy(model, addr, model, dst, len);
        }
        default -> {
          if (memory.pages() < 4) {
            memory.grow(1);
          }
        }
      }
    }
    byte[] all = memory.readBytes(0, memory.pages() * 65536);
    assertThat(all).as("seed %d", seed)
        .isEqualTo(java.util.Arrays.copyOf(model, memory.pages() * 65536));
    assertThat(before.pageCount()).isEqualTo(2);
    assertThat(before.materializedPages()).isZero();
    memory.grow(4 - memory.pages());
    assertThat(memory.pages()).isEqualTo(4);
    assertThat(memory.grow(1)).isEqualTo(-1);
    assertThatThrownBy(() -> memory.readInt(4 * 65536 - 2)).isInstanceOf(WasmRuntimeException.class);
    assertThatThrownBy(() -> memory.writeByte(-1, (byte) 0)).isInstanceOf(WasmRuntimeException.class);
  }

  @Test
  void theHashIsSha256OfThePageCountAndEveryNonZeroPageWithItsIndex() throws Exception {
    PageMap.Editor e = PageMap.EMPTY.edit();
    e.grow(70); // more than one chunk of blocks
    e.write(5, new byte[] {1, 2, 3}, 0, 3);
    e.write(65 * 65536L + 4095, new byte[] {9, 9}, 0, 2); // across two blocks of page 65
    e.write(66 * 65536L, new byte[4096], 0, 4096); // written, but zeros: not hashed
    PageMap map = e.freeze();
    java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
    java.nio.ByteBuffer index = java.nio.ByteBuffer.allocate(8);
    d.update(index.putLong(0, 70).array());
    for (long page : new long[] {0, 65}) {
      byte[] bytes = new byte[65536];
      map.read(page * 65536, bytes, 0, 65536);
      d.update(index.putLong(0, page).array());
      d.update(bytes);
    }
    assertThat(map.contentHash()).isEqualTo(d.digest());
    assertThat(map.materializedPages()).isEqualTo(3);
    // Pages out and back in, as a checkpoint writes and reads them.
    PageMap.Builder b = new PageMap.Builder(map.pageCount());
    java.util.List<Long> visited = new java.util.ArrayList<>();
    map.forEachNonZeroPage((i, page) -> {
      visited.add(i);
      b.page(i, page.clone());
    });
    assertThat(visited).containsExactly(0L, 65L);
    PageMap rebuilt = b.build();
    assertThat(rebuilt.contentHash()).isEqualTo(map.contentHash());
    byte[] two = new byte[2];
    rebuilt.read(65 * 65536L + 4095, two, 0, 2);
    assertThat(two).containsExactly(9, 9);
  }

  @Test
  void memoriesRestoredFromOneFrozenImageAndTheMemoryThatFrozeItWriteOnlyTheirOwnBlocks() {
    PagedMemory writer = PagedMemory.fresh(2, 4);
    writer.writeLong(8, 1L);
    writer.writeLong(65536 + 4095, 2L); // across two blocks
    PageMap image = writer.freeze();
    PagedMemory a = PagedMemory.restore(image, 2, 4);
    PagedMemory b = PagedMemory.restore(image, 2, 4);
    writer.writeLong(8, 10L); // the writer keeps its blocks and writes them in place
    a.writeLong(8, 20L);
    a.writeLong(65536 + 4095, 21L);
    assertThat(writer.writtenBlocks()).isEqualTo(1);
    assertThat(a.writtenBlocks()).as("a write across two blocks marks where it starts").isEqualTo(2);
    assertThat(writer.readLong(8)).isEqualTo(10L);
    assertThat(a.readLong(8)).isEqualTo(20L);
    assertThat(b.readLong(8)).isEqualTo(1L);
    assertThat(b.readLong(65536 + 4095)).isEqualTo(2L);
    byte[] eight = new byte[8];
    image.read(8, eight, 0, 8);
    assertThat(eight).containsExactly(1, 0, 0, 0, 0, 0, 0, 0);
    assertThat(a.freeze().contentHash()).isNotEqualTo(image.contentHash());
    assertThat(PagedMemory.restore(image, 2, 4).freeze().contentHash())
        .isEqualTo(image.contentHash());
  }

  @Test
  void aMemoryResetToItsImagePutsBackWhatItWroteAndFrozenVersionsStay() {
    PagedMemory first = PagedMemory.fresh(3, 8);
    first.writeI32(10, 1);
    first.writeI32(2 * 65536 + 100, 2);
    PageMap image = first.freeze();
    PagedMemory memory = PagedMemory.restore(image, 1, 8);
    for (int round = 0; round < 3; round++) {
      assertThat(memory.readInt(10)).isEqualTo(1);
      assertThat(memory.readInt(2 * 65536 + 100)).isEqualTo(2);
      assertThat(memory.readInt(65536)).isZero();
      memory.writeI32(10, 100 + round);
      memory.writeI32(65536, 7);
      memory.writeLong(4094, -1L); // across two blocks
      assertThat(memory.writtenBlocks()).isEqualTo(2);
      PageMap after = memory.freeze();
      byte[] spanning = new byte[8];
      after.read(4094, spanning, 0, 8);
      assertThat(spanning).as("the block the write ended in").containsOnly((byte) -1);
      memory.beginExecution();
      memory.writeI32(10, 555); // in place: the frozen version has its own copy
      memory.reset(image, 8);
      assertThat(memory.writtenBlocks()).isZero();
      int[] values = new int[1];
      byte[] four = new byte[4];
      after.read(10, four, 0, 4);
      values[0] = WasmTestSupport.readLe32(four);
      assertThat(values[0]).isEqualTo(100 + round);
      after.read(65536, four, 0, 4);
      assertThat(WasmTestSupport.readLe32(four)).isEqualTo(7);
      image.read(10, four, 0, 4);
      assertThat(WasmTestSupport.readLe32(four)).isEqualTo(1);
    }
    // Grown, then reset: the image's size and contents again.
    memory.grow(2);
    memory.writeI32(4 * 65536, 3);
    memory.reset(image, 8);
    assertThat(memory.pages()).isEqualTo(3);
    assertThat(memory.readInt(10)).isEqualTo(1);
    assertThatThrownBy(() -> memory.readInt(4 * 65536)).isInstanceOf(WasmRuntimeException.class);
  }

  private static PageMap imageWith(int pages, int... addressValuePairs) {
    PagedMemory m = PagedMemory.fresh(pages, 64);
    for (int k = 0; k < addressValuePairs.length; k += 2) {
      m.writeI32(addressValuePairs[k], addressValuePairs[k + 1]);
    }
    return m.freeze();
  }

  private static int readInt(PageMap image, int address) {
    byte[] four = new byte[4];
    image.read(address, four, 0, 4);
    return WasmTestSupport.readLe32(four);
  }

  @Test
  void aCommittedMemoryStartsFromItsFrozenImageAndWritesItsBlocksAgainWithoutCopying() {
    PageMap image = imageWith(4, 10, 1, 5 * 4096, 2);
    PagedMemory memory = PagedMemory.restore(image, 1, 8);
    memory.beginExecution();
    memory.writeI32(10, 11);
    memory.writeI32(5 * 4096, 12);
    assertThat(memory.writtenBlocks()).isEqualTo(2);
    PageMap first = memory.freeze();
    long physical = memory.physicalBytes();
    memory.reset(first, 8);
    assertThat(memory.writtenBlocks()).isZero();
    memory.beginExecution();
    memory.writeI32(10, 21);
    memory.writeI32(5 * 4096, 22);
    assertThat(memory.writtenBlocks()).isEqualTo(2);
    assertThat(memory.physicalBytes()).as("written in place: no new array").isEqualTo(physical);
    PageMap second = memory.freeze();
    assertThat(readInt(image, 10)).isEqualTo(1);
    assertThat(readInt(first, 10)).isEqualTo(11);
    assertThat(readInt(first, 5 * 4096)).isEqualTo(12);
    assertThat(readInt(second, 10)).isEqualTo(21);
    assertThat(readInt(second, 5 * 4096)).isEqualTo(22);
    // A trap after writes to kept and new blocks: the committed image exactly.
    memory.reset(second, 8);
    memory.beginExecution();
    memory.writeI32(10, 31);
    memory.writeI32(9 * 4096, 33);
    memory.revert();
    assertThat(memory.readInt(10)).isEqualTo(21);
    assertThat(memory.readInt(9 * 4096)).isZero();
    assertThat(memory.freeze()).as("nothing changed: the same image").isSameAs(second);
    assertThat(second.contentHash())
        .isEqualTo(imageWith(4, 10, 21, 5 * 4096, 22).contentHash());
  }

  @Test
  void aFrozenImageThatWasDiscardedIsNotWhereTheNextResetStarts() {
    PageMap image = imageWith(2, 100, 7);
    PagedMemory memory = PagedMemory.restore(image, 1, 8);
    memory.beginExecution();
    memory.writeI32(100, 8);
    memory.grow(1);
    memory.writeI32(2 * 65536, 9);
    PageMap discarded = memory.freeze();
    memory.revert(); // as the pool releases it: the discarded image is its source now
    memory.reset(image, 8);
    assertThat(memory.pages()).isEqualTo(2);
    assertThat(memory.readInt(100)).isEqualTo(7);
    memory.beginExecution();
    memory.writeI32(100, 10);
    assertThat(memory.freeze().contentHash()).isEqualTo(imageWith(2, 100, 10).contentHash());
    assertThat(readInt(discarded, 100)).isEqualTo(8);
    assertThat(readInt(discarded, 2 * 65536)).isEqualTo(9);
  }

  @Test
  void aResetCopiesOnlyTheChunksTheImagesDoNotShareOrTheMemoryWrote() {
    // 130 pages: chunks of 1,024 blocks (64 pages) 0, 1 and 2.
    PageMap a = imageWith(130, 8, 1, 70 * 65536, 2, 129 * 65536, 3);
    PagedMemory memory = PagedMemory.restore(a, 1, 130);
    memory.beginExecution();
    memory.writeI32(70 * 65536, 20); // chunk 1 only
    PageMap b = memory.freeze();
    assertThat(PageMap.sameChunk(a, b, 0)).isTrue();
    assertThat(PageMap.sameChunk(a, b, 70 * 16)).isFalse();
    memory.reset(a, 130);
    assertThat(memory.readInt(70 * 65536)).isEqualTo(2);
    memory.beginExecution();
    memory.writeI32(8, 100); // chunk 0, shared by a and b: written, so it must be copied back
    memory.writeI32(129 * 65536, 300);
    memory.reset(b, 130);
    assertThat(memory.readInt(8)).isEqualTo(1);
    assertThat(memory.readInt(70 * 65536)).isEqualTo(20);
    assertThat(memory.readInt(129 * 65536)).isEqualTo(3);
    assertThat(memory.freeze()).as("holds b exactly").isSameAs(b);
  }

  @Test
  void aGrowBombAllocatesNothingAndTheArrayCoversOnlyThePagesUsed() {
    PagedMemory memory = PagedMemory.fresh(1, Memory.RUNTIME_MAX_PAGES);
    assertThat(memory.physicalBytes()).isZero();
    assertThat(memory.grow(30_000)).isEqualTo(1);
    assertThat(memory.physicalBytes()).isZero();
    assertThat(memory.readBytes(29_999 * 65536, 16)).as("unused pages read as zeros")
        .containsOnly((byte) 0);
    memory.writeI32(3 << 20, 42);
    assertThat(memory.physicalBytes()).isBetween((3L << 20) + 4, 4L << 20);
    PageMap image = memory.freeze();
    assertThat(image.pageCount()).isEqualTo(30_001);
    assertThat(image.materializedPages()).isEqualTo(1);
    PagedMemory restored = PagedMemory.restore(image, 1, Memory.RUNTIME_MAX_PAGES);
    assertThat(restored.physicalBytes()).isEqualTo((3L << 20) + 65536);
    assertThat(restored.readInt(3 << 20)).isEqualTo(42);
    assertThat(memory.grow(Memory.RUNTIME_MAX_PAGES)).as("past the limit").isEqualTo(-1);
  }

  @Test
  void aResetToASmallerImageGivesUpTheLargerArray() {
    PageMap small = imageWith(2, 100, 7);
    PagedMemory memory = PagedMemory.restore(imageWith(8, 7 * 65536, 5), 1, 8);
    assertThat(memory.physicalBytes()).isEqualTo(8 * 65536);
    memory.reset(small, 8);
    assertThat(memory.physicalBytes()).isLessThanOrEqualTo(2 * 65536);
    assertThat(memory.readInt(100)).isEqualTo(7);
    assertThatThrownBy(() -> memory.readInt(2 * 65536)).isInstanceOf(WasmRuntimeException.class);
  }
}
