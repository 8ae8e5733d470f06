package dev.canopy.consensus;

import static dev.canopy.consensus.CborFields.b;
import static dev.canopy.consensus.CborFields.node;
import static dev.canopy.consensus.CborFields.u;

import dev.canopy.types.NodeId;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.List;

/**
 * A block of round {@code height}: it extends {@code parentHash} (a notarized block of the previous
 * round), was made by {@code maker} with block-maker rank {@code rank} and carries the maker's
 * proposed batch time.
 *
 * <p>Its hash covers every field, so a finalized block's hash commits to the whole chain below it.
 */
public record Block(long height, Hash parentHash, int rank, NodeId maker, long timeMs, Payload payload) {
  public Block {
    if (height < 0 || rank < 0 || timeMs < 0) {
      throw new IllegalArgumentException("height, rank and time must not be negative");
    }
    if (parentHash == null || maker == null || payload == null) {
      throw new IllegalArgumentException("parent hash, maker and payload are required");
    }
  }

  /**
   * The block every chain of {@code subnet} starts from: height 0, notarized and finalized by
   * definition. Its maker is the subnet's own principal, which is no node's.
   */
  public static Block genesis(SubnetId subnet, long timeMs) {
    return new Block(0, Hash.ZERO, 0, new NodeId(subnet.principal()), timeMs, Payload.EMPTY);
  }

  /**
   * Note: a block's hash encodes its whole payload (up to thousands of messages), and the same
   * block is hashed many times in a round (pool lookups, notarization, finalization); a record
   * cannot keep it, and comparing blocks by value would cost as much as hashing them. Remembering
   * a few by identity changes no result.
   */
  private static final RecentByIdentity<Block, Hash> RECENT_HASHES =
      new RecentByIdentity<>(8, b -> Hash.of(Domains.BLOCK, CborEncoder.encode(b.toCbor())));

  public Hash hash() {
    return RECENT_HASHES.get(this);
  }

  CborMap toCbor() {
    List<CborValue> messages = new ArrayList<>(payload.messages().size());
    for (IngressMessage m : payload.messages()) {
      messages.add(CborArray.of(b(m.messageId().bytes()), b(m.content())));
    }
    CborMap.Builder map = CborMap.builder()
        .put("height", u(height))
        .put("parent", b(parentHash.bytes()))
        .put("rank", u(rank))
        .put("maker", node(maker))
        .put("time", u(timeMs))
        .put("messages", new CborArray(messages));
    // Only blocks of the key generation's bootstrap interval have the field, so every other block
    // encodes (and hashes) as it always did.
    if (!payload.keyGeneration().isEmpty()) {
      map.put("dkg", payload.keyGeneration().toCbor());
    }
    return map.build();
  }

  static Block fromCbor(CborMap m) {
    long rank = m.getLong("rank");
    if (rank > Integer.MAX_VALUE) {
      throw new InvalidArtifactException("field 'rank' is out of range: " + rank);
    }
    CborArray items = m.getArray("messages");
    if (items.size() > ArtifactCodec.MAX_MESSAGES_PER_BLOCK) {
      throw new InvalidArtifactException("a block carries at most " + ArtifactCodec.MAX_MESSAGES_PER_BLOCK + " messages");
    }
    List<IngressMessage> messages = new ArrayList<>(items.size());
    for (CborValue item : items.items()) {
      CborArray pair = item.asArray("messages");
      if (pair.size() != 2) {
        throw new InvalidArtifactException("each message must be [id, content]");
      }
      byte[] id = pair.get(0).asBytes("messages");
      if (id.length != Hash.BYTES) {
        throw new InvalidArtifactException("a message id has " + Hash.BYTES + " bytes");
      }
      messages.add(new IngressMessage(new Hash(id), pair.get(1).asBytes("messages")));
    }
    DkgPayload keyGeneration = m.findMap("dkg").map(DkgPayload::fromCbor).orElse(DkgPayload.EMPTY);
    if (m.size() != (keyGeneration.isEmpty() ? 6 : 7)) {
      throw new InvalidArtifactException("a block has unexpected fields");
    }
    return new Block(
        m.getLong("height"),
        CborFields.hash(m, "parent"),
        (int) rank,
        node(m.require("maker"), "maker"),
        m.getLong("time"),
        new Payload(messages, keyGeneration));
  }
}
