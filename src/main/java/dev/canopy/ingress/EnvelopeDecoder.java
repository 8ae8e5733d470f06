package dev.canopy.ingress;

import dev.canopy.crypto.Delegation;
import dev.canopy.crypto.SignedDelegation;
import dev.canopy.ingress.IngressRejection.Reason;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborDecoder;
import dev.canopy.types.cbor.CborFieldException;
import dev.canopy.types.cbor.CborLimits;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import dev.canopy.types.hashtree.Label;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the body of a {@code call}, {@code query} or {@code read_state} request into a typed
 * {@link Envelope} ({@code requests.cddl}, spec "Authentication", "CBOR encoding of requests and
 * responses"), or refuses it with an {@link IngressRejection} that says what is wrong.
 *
 * <p>It checks the shape only: sizes, kinds, {@code request_type} against the endpoint, the nonce
 * and path bounds, and that principals are principals. Signatures, expiry and the effective
 * canister id are {@link IngressValidator}'s. Fields it does not know are kept in the content (and
 * so in the request id); unknown envelope keys are ignored.
 *
 * <p>Thread-safe: it holds only immutable configuration.
 */
public final class EnvelopeDecoder {
  /** Envelopes nest five levels (envelope, delegations, delegation, targets); paths four. */
  private static final int MAX_DEPTH = 16;

  private final EnvelopeLimits limits;
  private final CborDecoder cbor;

  public EnvelopeDecoder(EnvelopeLimits limits) {
    this.limits = limits;
    this.cbor =
        CborDecoder.builder()
            .limits(CborLimits.DEFAULT.withMaxSizeBytes(limits.maxBodySizeBytes()).withMaxDepth(MAX_DEPTH))
            .build();
  }

  public EnvelopeLimits limits() {
    return limits;
  }

  @SuppressWarnings("unchecked")
  public Envelope<CallContent> decodeCall(byte[] body) {
    return (Envelope<CallContent>) decode(RequestType.CALL, body);
  }

  @SuppressWarnings("unchecked")
  public Envelope<QueryContent> decodeQuery(byte[] body) {
    return (Envelope<QueryContent>) decode(RequestType.QUERY, body);
  }

  @SuppressWarnings("unchecked")
  public Envelope<ReadStateContent> decodeReadState(byte[] body) {
    return (Envelope<ReadStateContent>) decode(RequestType.READ_STATE, body);
  }

  /** Decodes a body sent to the endpoint for {@code expected} requests. */
  public Envelope<? extends RequestContent> decode(RequestType expected, byte[] body) {
    if (body.length > limits.maxBodySizeBytes()) {
      throw new IngressRejection(
          Reason.TOO_LARGE,
          "Request body of " + body.length + " bytes is larger than the maximum of "
              + limits.maxBodySizeBytes() + " bytes.");
    }
    if (limits.requireSelfDescribeTag() && !startsWithSelfDescribeTag(body)) {
      throw malformed(expected, "the body must start with the CBOR self-describe tag 55799 (d9 d9 f7)", null);
    }
    CborMap envelope;
    try {
      envelope = cbor.decodeMap(body, "envelope");
    } catch (InvalidInputException e) {
      throw malformed(expected, e.getMessage(), e);
    }
    try {
      CborMap contentFields = envelope.getMap("content");
      RequestContent content = content(expected, contentFields);
      return new Envelope<>(
          content,
          envelope.findBytes("sender_pubkey"),
          envelope.findBytes("sender_sig"),
          envelope.findArray("sender_delegation").map(EnvelopeDecoder::delegations),
          body);
    } catch (IngressRejection e) {
      throw e;
    } catch (InvalidInputException e) {
      throw malformed(expected, e.getMessage(), e);
    }
  }

  private RequestContent content(RequestType expected, CborMap fields) {
    String requestType = fields.getText("request_type");
    if (!requestType.equals(expected.wireName())) {
      throw new IngressRejection(
          Reason.WRONG_REQUEST_TYPE,
          "This endpoint accepts requests with request_type \"" + expected.wireName()
              + "\", but the request has request_type \"" + abbreviate(requestType)
              + "\"; send it to the " + endpointFor(requestType) + " endpoint.");
    }
    RequestId requestId = RequestId.of(fields);
    Principal sender = principal(fields, "sender");
    long ingressExpiryNs = u64(fields.getUnsigned("ingress_expiry"), "ingress_expiry");
    Optional<byte[]> nonce = fields.findBytes("nonce");
    if (nonce.isPresent() && nonce.get().length > limits.maxNonceBytes()) {
      throw new IngressRejection(
          Reason.NONCE_TOO_LONG,
          "Nonce in request is too big: got " + nonce.get().length + " bytes, but at most "
              + limits.maxNonceBytes() + " are allowed.");
    }
    switch (expected) {
      case CALL:
      case QUERY:
        {
          Principal canisterId = principal(fields, "canister_id");
          String methodName = fields.getText("method_name");
          byte[] arg = fields.getBytes("arg");
          Optional<SenderInfo> senderInfo = fields.findMap("sender_info").map(EnvelopeDecoder::senderInfo);
          CanisterRequest request =
              new CanisterRequest(requestId, fields, sender, ingressExpiryNs, nonce, canisterId, methodName, arg, senderInfo);
          return expected == RequestType.CALL ? new CallContent(request) : new QueryContent(request);
        }
      case READ_STATE:
        return new ReadStateContent(requestId, fields, sender, ingressExpiryNs, nonce, paths(fields.getArray("paths")));
      default:
        throw new IllegalStateException("unknown request type " + expected);
    }
  }

  private List<List<Label>> paths(CborArray paths) {
    if (paths.size() > limits.maxPaths()) {
      throw new IngressRejection(
          Reason.TOO_MANY_PATHS,
          "Too many paths in read state request: got " + paths.size() + " paths, but at most "
              + limits.maxPaths() + " are allowed.");
    }
    List<List<Label>> result = new ArrayList<>(paths.size());
    for (int i = 0; i < paths.size(); i++) {
      CborArray path = paths.get(i).asArray("paths[" + i + "]");
      if (path.size() > limits.maxLabelsPerPath()) {
        throw new IngressRejection(
            Reason.PATH_TOO_LONG,
            "At least one path in read state request is too deep: got " + path.size()
                + " labels, but at most " + limits.maxLabelsPerPath() + " are allowed.");
      }
      List<Label> labels = new ArrayList<>(path.size());
      for (int j = 0; j < path.size(); j++) {
        labels.add(Label.of(path.get(j).asBytes("paths[" + i + "][" + j + "]")));
      }
      result.add(labels);
    }
    return result;
  }

  private static SenderInfo senderInfo(CborMap m) {
    return new SenderInfo(
        m.getBytes("info"), principal(m, "signer"), m.getBytes("sig"));
  }

  private static List<SignedDelegation> delegations(CborArray array) {
    List<SignedDelegation> result = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      String name = "sender_delegation[" + i + "]";
      CborMap signed = array.get(i).asMap(name);
      CborMap d = signed.getMap("delegation");
      Optional<List<Principal>> targets =
          d.findArray("targets").map(a -> targets(a, name + ".delegation.targets"));
      Delegation delegation =
          new Delegation(
              d.getBytes("pubkey"),
              u64(d.getUnsigned("expiration"), name + ".delegation.expiration"),
              targets,
              d.findText("permissions"));
      result.add(new SignedDelegation(delegation, signed.getBytes("signature")));
    }
    return result;
  }

  private static List<Principal> targets(CborArray array, String name) {
    List<Principal> result = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      result.add(principalOf(array.get(i), name + "[" + i + "]"));
    }
    return result;
  }

  private static Principal principal(CborMap m, String field) {
    return principalOf(m.require(field), field);
  }

  private static Principal principalOf(CborValue v, String field) {
    byte[] bytes = v.asBytes(field);
    if (bytes.length > Principal.MAX_LENGTH_BYTES) {
      throw new CborFieldException(
          CborFieldException.Reason.OUT_OF_RANGE,
          field,
          "field '" + field + "' is " + bytes.length + " bytes; a principal has at most "
              + Principal.MAX_LENGTH_BYTES);
    }
    return Principal.fromBytes(bytes);
  }

  /** A nat that must fit 64 bits, returned as the unsigned bits of a long. */
  private static long u64(BigInteger value, String field) {
    if (value.bitLength() > 64) {
      throw new CborFieldException(
          CborFieldException.Reason.OUT_OF_RANGE,
          field,
          "field '" + field + "' is " + value + ", larger than the largest 64-bit timestamp");
    }
    return value.longValue();
  }

  private static boolean startsWithSelfDescribeTag(byte[] body) {
    return body.length >= 3
        && (body[0] & 0xff) == 0xd9
        && (body[1] & 0xff) == 0xd9
        && (body[2] & 0xff) == 0xf7;
  }

  private static IngressRejection malformed(RequestType expected, String detail, Throwable cause) {
    return new IngressRejection(
        Reason.MALFORMED,
        "Could not parse body as " + expected.wireName() + " request: " + detail,
        cause);
  }

  private static String endpointFor(String requestType) {
    for (RequestType t : RequestType.values()) {
      if (t.wireName().equals(requestType)) {
        return "/" + t.wireName();
      }
    }
    return "matching";
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
