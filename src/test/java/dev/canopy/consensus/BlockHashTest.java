package dev.canopy.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.CanisterId;
import dev.canopy.types.NodeId;
import dev.canopy.types.cbor.CborEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Block hashes are remembered for a few recent blocks (Block.hash); that never changes one. */
class BlockHashTest {
  private static Block block(long height, int messages, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<IngressMessage> payload = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      byte[] id = new byte[Hash.BYTES];
      byte[] content = new byte[1 + random.nextInt(40)];
      random.nextBytes(id);
      random.nextBytes(content);
      payload.add(new IngressMessage(new Hash(id), content));
    }
    return new Block(height, Hash.ZERO, 0, new NodeId(CanisterId.fromIndex(1).principal()),
        1_000 + height, new Payload(payload));
  }

  private static Hash recomputed(Block b) {
    return Hash.of(Domains.BLOCK, CborEncoder.encode(b.toCbor()));
  }

  @Test
  void everyBlockHashesAsItsEncodingInWhateverOrderBlocksAreHashed() {
    long seed = 0xb10cL;
    SplittableRandom order = new SplittableRandom(seed);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      blocks.add(block(i, i % 5, seed + i));
    }
    for (int k = 0; k < 200; k++) {
      Block b = blocks.get(order.nextInt(blocks.size()));
      assertThat(b.hash()).as("seed %d, step %d", seed, k).isEqualTo(recomputed(b));
    }
    // Equal blocks made separately hash alike; a different payload hashes differently.
    assertThat(block(3, 2, 7).hash()).isEqualTo(block(3, 2, 7).hash());
    assertThat(block(3, 2, 7).hash()).isNotEqualTo(block(3, 2, 8).hash());
  }
}
