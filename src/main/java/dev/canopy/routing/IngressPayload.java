package dev.canopy.routing;

import dev.canopy.consensus.Hash;
import dev.canopy.execution.IngressMessage;
import dev.canopy.ingress.CallContent;
import dev.canopy.ingress.Envelope;
import dev.canopy.ingress.EnvelopeDecoder;
import dev.canopy.state.EffectiveId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import java.util.Optional;

/**
 * What an ingress message is inside a block: canonical CBOR {@code {envelope: bytes, effective_kind:
 * "canister"|"subnet", effective_id: bytes}}, with the request id as its consensus message id.
 *
 * <p>Note: the envelope travels exactly as the client signed it, so every replica can check the
 * signature itself; the effective id travels beside it because it comes from the request's URL,
 * and the request status keeps it for the read_state access rule (spec "Request: Read state").
 */
public final class IngressPayload {
  private IngressPayload() {}

  /** The consensus message for an accepted call sent to {@code effectiveId}. */
  public static dev.canopy.consensus.IngressMessage encode(
      Envelope<CallContent> envelope, EffectiveId effectiveId) {
    CborMap map =
        CborMap.builder()
            .put("envelope", envelope.encoded())
            .put("effective_kind", effectiveId.isCanister() ? "canister" : "subnet")
            .put("effective_id", effectiveId.id().toBytes())
            .build();
    return new dev.canopy.consensus.IngressMessage(
        messageId(envelope.content().requestId()), CborEncoder.encode(map));
  }

  /** The consensus message id of a request. */
  public static Hash messageId(RequestId requestId) {
    return new Hash(requestId.toBytes());
  }

  /** A call as the ingress layer accepted it: the signed envelope and its effective id. */
  public record Submitted(Envelope<CallContent> envelope, EffectiveId effectiveId) {}

  /**
   * Decodes a message back into the envelope and effective id it was made of ({@link #encode}),
   * for a replica that receives it from a peer and validates it itself; throws {@link
   * InvalidPayloadException} if it is not such a message.
   */
  public static Submitted decodeSubmitted(
      dev.canopy.consensus.IngressMessage message, EnvelopeDecoder decoder) {
    try {
      CborMap map = CborDecoder.DEFAULT.decodeMap(message.content(), "ingress payload");
      Envelope<CallContent> envelope = decoder.decodeCall(map.getBytes("envelope"));
      if (!messageId(envelope.content().requestId()).equals(message.messageId())) {
        throw new InvalidPayloadException("message id " + message.messageId()
            + " is not the request id " + envelope.content().requestId());
      }
      Principal effective = Principal.fromBytes(map.getBytes("effective_id"));
      EffectiveId effectiveId =
          switch (map.getText("effective_kind")) {
            case "canister" -> new EffectiveId(EffectiveId.Kind.CANISTER, effective);
            case "subnet" -> new EffectiveId(EffectiveId.Kind.SUBNET, effective);
            default -> throw new InvalidPayloadException("unknown effective_kind");
          };
      return new Submitted(envelope, effectiveId);
    } catch (InvalidPayloadException e) {
      throw e;
    } catch (InvalidInputException | IllegalArgumentException e) {
      throw new InvalidPayloadException("not an ingress payload: " + e.getMessage(), e);
    }
  }

  /**
   * Decodes a block's message into the call execution inducts; throws {@link
   * InvalidPayloadException} if the bytes are not an envelope of a call, or the id does not match.
   */
  public static IngressMessage decode(
      dev.canopy.consensus.IngressMessage message, EnvelopeDecoder decoder) {
    return call(decodeSubmitted(message, decoder));
  }

  /**
   * The call execution inducts for a call the ingress layer accepted: what {@link #decode}
   * returns for the message {@link #encode} makes of it. Throws {@link InvalidPayloadException}
   * if execution cannot take it (the callee is not a canister id).
   */
  public static IngressMessage call(Submitted submitted) {
    CallContent call = submitted.envelope().content();
    try {
      return new IngressMessage(
          call.requestId(),
          call.sender(),
          new CanisterId(call.canisterId()),
          call.methodName(),
          call.arg(),
          call.ingressExpiryNs(),
          submitted.effectiveId());
    } catch (InvalidInputException | IllegalArgumentException e) {
      throw new InvalidPayloadException("not an ingress payload: " + e.getMessage(), e);
    }
  }

  /**
   * A block message with the call it decodes to, for a replica that decoded those bytes already
   * (when the call arrived from a client or a peer), so that executing its block need not decode
   * them again ({@link BatchRouting#toExecution(dev.canopy.consensus.Batch, java.util.Collection)}).
   *
   * <p>Note: {@code call} must be {@link #decode}'s result for {@code message}, or replicas could
   * execute different calls for the same block; so these are made only by {@link #decoded}, from
   * a submission that was decoded from the message itself or that the message was encoded from.
   */
  public static final class Decoded {
    private final dev.canopy.consensus.IngressMessage message;
    private final IngressMessage call;

    private Decoded(dev.canopy.consensus.IngressMessage message, IngressMessage call) {
      this.message = message;
      this.call = call;
    }

    public dev.canopy.consensus.IngressMessage message() {
      return message;
    }

    public IngressMessage call() {
      return call;
    }
  }

  /**
   * {@code message} with its call, where {@code submitted} is what {@link #decodeSubmitted} made of
   * {@code message}, or what {@link #encode} made {@code message} of (its envelope as {@link
   * EnvelopeDecoder} decoded it from {@link Envelope#encoded()}, the bytes {@code encode} keeps):
   * either way {@link #decode} would give the same call. Empty if execution cannot take the call,
   * which {@code decode} then refuses as well.
   */
  public static Optional<Decoded> decoded(
      dev.canopy.consensus.IngressMessage message, Submitted submitted) {
    if (!messageId(submitted.envelope().content().requestId()).equals(message.messageId())) {
      throw new IllegalArgumentException("the message is not the submission's");
    }
    try {
      return Optional.of(new Decoded(message, call(submitted)));
    } catch (InvalidPayloadException e) {
      return Optional.empty();
    }
  }
}
