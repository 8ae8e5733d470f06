package dev.canopy.routing;

import dev.canopy.consensus.Artifact;
import dev.canopy.consensus.ArtifactCodec;
import dev.canopy.consensus.Block;
import dev.canopy.consensus.DkgPayload;
import dev.canopy.consensus.Hash;
import dev.canopy.execution.Batch;
import dev.canopy.execution.IngressMessage;
import dev.canopy.ingress.EnvelopeDecoder;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * From a finalized consensus batch to the batch of an execution round, and the canonical bytes of
 * a finalized batch for the journal.
 *
 * <p>Note: a message that does not decode is dropped, on every replica alike (the decision depends
 * on its bytes only); consensus validators should not let one into a block in the first place.
 */
public final class BatchRouting {
  /** A batch's time is the block's time in milliseconds; execution counts nanoseconds. */
  public static final long NANOS_PER_MILLI = 1_000_000L;

  private final EnvelopeDecoder decoder;

  public BatchRouting(EnvelopeDecoder decoder) {
    this.decoder = decoder;
  }

  public Batch toExecution(dev.canopy.consensus.Batch batch) {
    return toExecution(batch, List.of());
  }

  /**
   * Like {@link #toExecution(dev.canopy.consensus.Batch)}, taking the call of each message found
   * in {@code known} with the same bytes instead of decoding it again: the same batch, cheaper.
   */
  public Batch toExecution(
      dev.canopy.consensus.Batch batch, Collection<IngressPayload.Decoded> known) {
    Map<Hash, IngressPayload.Decoded> byId = new HashMap<>(known.size() * 2);
    for (IngressPayload.Decoded d : known) {
      byId.put(d.message().messageId(), d);
    }
    List<IngressMessage> ingress = new ArrayList<>();
    for (dev.canopy.consensus.IngressMessage m : batch.messages()) {
      IngressPayload.Decoded d = byId.get(m.messageId());
      if (d != null && d.message().equals(m)) { // the same bytes, so the same call
        ingress.add(d.call());
        continue;
      }
      try {
        ingress.add(IngressPayload.decode(m, decoder));
      } catch (InvalidPayloadException e) {
        // dropped deterministically; see the class comment
      }
    }
    return new Batch(batch.height(), Math.multiplyExact(batch.timeMs(), NANOS_PER_MILLI),
        batch.randomness(), ingress);
  }

  /** Canonical CBOR of a finalized batch: what the state manager journals. */
  public static byte[] encode(dev.canopy.consensus.Batch batch) {
    return encode(batch, true);
  }

  /**
   * Canonical CBOR of a finalized batch without its messages, for a journal that keeps the
   * batch's block proposal beside it: {@link #decode(byte[], byte[])} takes them from there.
   *
   * <p>Note: the proposal's bytes carry every message anyway, so journaling them twice per height
   * doubled the bytes written and encoded per call.
   */
  public static byte[] encodeWithoutMessages(dev.canopy.consensus.Batch batch) {
    return encode(batch, false);
  }

  private static byte[] encode(dev.canopy.consensus.Batch batch, boolean withMessages) {
    CborMap.Builder map = CborMap.builder()
        .put("height", CborValue.UnsignedInt.of(batch.height()))
        .put("block_hash", batch.blockHash().bytes())
        .put("time_ms", CborValue.UnsignedInt.of(batch.timeMs()))
        .put("randomness", batch.randomness());
    if (withMessages) {
      List<CborValue> messages = new ArrayList<>();
      for (dev.canopy.consensus.IngressMessage m : batch.messages()) {
        messages.add(CborArray.of(new CborValue.ByteString(m.messageId().bytes()),
            new CborValue.ByteString(m.content())));
      }
      map.put("messages", new CborArray(messages));
    }
    // Only batches of a key generation's bootstrap interval have it; others encode as before.
    if (!batch.keyGeneration().isEmpty()) {
      map.put("dkg", batch.keyGeneration().toCbor());
    }
    return CborEncoder.encode(map.build());
  }

  /** The inverse of {@link #encode}; a typed error for bytes it did not write. */
  public static dev.canopy.consensus.Batch decode(byte[] bytes) {
    return decode(bytes, new byte[0]);
  }

  /**
   * The inverse of {@link #encode} and of {@link #encodeWithoutMessages}, whose messages come from
   * {@code blockProposal}: the canonical bytes of the batch's block proposal, which must be of the
   * batch's height and hash (empty if the batch carries its messages). A typed error for anything
   * else.
   */
  public static dev.canopy.consensus.Batch decode(byte[] bytes, byte[] blockProposal) {
    try {
      CborMap map = BATCH_DECODER.decodeMap(bytes, "finalized batch");
      long height = map.getLong("height");
      Hash blockHash = new Hash(map.getBytes("block_hash"));
      List<dev.canopy.consensus.IngressMessage> messages;
      if (map.has("messages")) {
        messages = new ArrayList<>();
        for (CborValue item : map.getArray("messages").items()) {
          CborArray pair = item.asArray("messages");
          if (pair.size() != 2) {
            throw new InvalidPayloadException("a message is a pair [id, content]");
          }
          messages.add(new dev.canopy.consensus.IngressMessage(
              new Hash(pair.get(0).asBytes("message id")), pair.get(1).asBytes("message content")));
        }
      } else {
        messages = messagesOfBlock(blockProposal, height, blockHash);
      }
      DkgPayload keyGeneration = map.findMap("dkg").map(DkgPayload::fromCbor).orElse(DkgPayload.EMPTY);
      return new dev.canopy.consensus.Batch(height, blockHash, map.getLong("time_ms"),
          map.getBytes("randomness"), messages, keyGeneration);
    } catch (InvalidPayloadException e) {
      throw e;
    } catch (InvalidInputException | IllegalArgumentException e) {
      throw new InvalidPayloadException("not a finalized batch: " + e.getMessage(), e);
    }
  }

  private static List<dev.canopy.consensus.IngressMessage> messagesOfBlock(
      byte[] blockProposal, long height, Hash blockHash) {
    if (blockProposal.length == 0) {
      throw new InvalidPayloadException("a batch without its messages needs its block proposal");
    }
    if (!(ArtifactCodec.decode(blockProposal) instanceof Artifact.BlockProposal proposal)) {
      throw new InvalidPayloadException("the batch's block proposal is another artifact");
    }
    Block block = proposal.block();
    if (block.height() != height || !block.hash().equals(blockHash)) {
      throw new InvalidPayloadException("the block proposal beside batch " + height
          + " is not the batch's block");
    }
    return block.payload().messages();
  }

  private static final CborDecoder BATCH_DECODER =
      CborDecoder.builder().limits(CborLimits.DEFAULT.withMaxSizeBytes(64 << 20)).build();
}
