package dev.canopy.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.canopy.execution.CallOutcome;
import dev.canopy.execution.QueryExecutor;
import dev.canopy.ingress.CallContent;
import dev.canopy.ingress.Envelope;
import dev.canopy.ingress.IngressExpiry;
import dev.canopy.ingress.IngressPool;
import dev.canopy.ingress.IngressRejection;
import dev.canopy.ingress.IngressVerdict;
import dev.canopy.ingress.NonReplicatedRejection;
import dev.canopy.ingress.QueryContent;
import dev.canopy.ingress.ReadStateContent;
import dev.canopy.ingress.ValidatedRequest;
import dev.canopy.state.CertifiedState;
import dev.canopy.state.DataCertificateCache;
import dev.canopy.state.EffectiveId;
import dev.canopy.state.ReadStateAccess;
import dev.canopy.state.ReadStateAccessException;
import dev.canopy.state.ReadStatePlan;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import dev.canopy.types.RepresentationIndependentHash;
import dev.canopy.types.RequestId;
import dev.canopy.types.SubnetId;
import dev.canopy.types.cbor.CborArray;
import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's public HTTP interface (interface spec, "HTTPS Interface"; digest §2). It decodes,
 * validates and answers; it never executes an update itself: calls go to the ingress pool through
 * the {@link ReplicaBackend}, queries run on the latest published state, certificates come from the
 * latest certified tree.
 *
 * <pre>
 * GET  /api/v2/status
 * POST /api/v2/canister/&lt;ecid&gt;/call             202, or 200 with a non-replicated rejection
 * POST /api/v3|v4/canister/&lt;ecid&gt;/call          200 {status: "replied", certificate} or 202
 * POST /api/v4/subnet/&lt;esid&gt;/call               canister creation only
 * POST /api/v2|v3/canister/&lt;ecid&gt;/query         200, signed by the node
 * POST /api/v3/subnet/&lt;esid&gt;/query              list_canisters only
 * POST /api/v2|v3/{canister,subnet}/&lt;id&gt;/read_state
 * </pre>
 *
 * <p>Bad input is a 4xx with a plain-text message (413 for an oversized body, the ingress
 * layer's statuses otherwise); a 5xx means the node itself failed.
 *
 * <p>Note (digest §2, §4): the v3 and v4 call endpoints differ in how a delegation's certificate
 * encodes canister ranges. This node is the root subnet and its certificates carry no delegation,
 * so both answer alike; the read_state versions differ in the paths they permit ({@link
 * ReadStateAccess.ApiVersion}).
 */
public final class HttpRoutes extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(HttpRoutes.class);
  private static final byte[] RESPONSE_DOMAIN = Hashing.domainSeparator("ic-response");
  /** How long reading a request body may take, discarding the rest of an oversized one included. */
  private static final long BODY_READ_TIMEOUT_MS = 30_000;
  /** How far past the limit an oversized body is read and discarded before its 413 (see body()). */
  static final long MAX_DISCARDED_BODY_BYTES = 16L * 1024 * 1024;

  private final ReplicaStatus status;
  private final Optional<ReplicaBackend> backend;
  private final long maxBodyBytes;
  private volatile RequestMetrics metrics = RequestMetrics.NONE;
  private static final int MAX_DATA_CERTIFICATES_PER_HEIGHT = 1024;
  private final DataCertificateCache dataCertificates =
      new DataCertificateCache(MAX_DATA_CERTIFICATES_PER_HEIGHT);

  /** Only {@code /api/v2/status}: for a node without a replica behind it. */
  public HttpRoutes(ReplicaStatus status) {
    this.status = status;
    this.backend = Optional.empty();
    this.maxBodyBytes = 0;
  }

  /** The whole interface; request bodies above {@code maxBodyBytes} get 413. */
  public HttpRoutes(ReplicaStatus status, ReplicaBackend backend, long maxBodyBytes) {
    this.status = status;
    this.backend = Optional.of(backend);
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Reports calls and queries to {@code metrics} (see {@link RequestMetrics}); returns this. */
  public HttpRoutes withMetrics(RequestMetrics metrics) {
    this.metrics = java.util.Objects.requireNonNull(metrics);
    return this;
  }

  public Route route() {
    return concat(
        path(
            segment("api").slash("v2").slash("status"),
            () ->
                concat(
                    get(() -> complete(statusResponse())),
                    complete(methodNotAllowed(HttpMethods.GET)))),
        extractUri(
            uri -> {
              Optional<Endpoint> endpoint =
                  backend.isPresent() ? Endpoint.parse(uri.path()) : Optional.empty();
              if (endpoint.isEmpty()) {
                return complete(notFound(uri.path()));
              }
              return concat(
                  post(
                      () ->
                          extractMaterializer(
                              materializer ->
                                  extractRequestEntity(
                                      entity ->
                                          completeWithFuture(
                                              handle(endpoint.get(), entity, materializer))))),
                  complete(methodNotAllowed(HttpMethods.POST)));
            }));
  }

  // ---- endpoints

  /** {@code /api/<version>/<kind>/<id>/<action>}, as far as it names an endpoint that exists. */
  record Endpoint(int version, boolean subnet, String id, String action) {
    static Optional<Endpoint> parse(String path) {
      String[] parts = path.split("/", -1);
      if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("api")) {
        return Optional.empty();
      }
      int version =
          switch (parts[2]) {
            case "v2" -> 2;
            case "v3" -> 3;
            case "v4" -> 4;
            default -> 0;
          };
      boolean subnet = parts[3].equals("subnet");
      if (version == 0 || !(subnet || parts[3].equals("canister")) || parts[4].isEmpty()) {
        return Optional.empty();
      }
      Endpoint e = new Endpoint(version, subnet, parts[4], parts[5]);
      boolean exists =
          switch (e.action) {
            case "call" -> subnet ? version == 4 : true;
            case "query" -> subnet ? version == 3 : version <= 3;
            case "read_state" -> version <= 3;
            default -> false;
          };
      return exists ? Optional.of(e) : Optional.empty();
    }

    EffectiveId effectiveId() {
      Principal p = Principal.fromText(id);
      return subnet
          ? EffectiveId.subnet(new SubnetId(p))
          : EffectiveId.canister(new CanisterId(p));
    }
  }

  private CompletionStage<HttpResponse> handle(
      Endpoint endpoint, HttpEntity entity, Materializer materializer) {
    ReplicaBackend replica = backend.orElseThrow();
    long startNs = System.nanoTime();
    java.util.concurrent.atomic.AtomicBoolean nonReplicated =
        new java.util.concurrent.atomic.AtomicBoolean();
    CompletionStage<HttpResponse> response =
        body(entity, materializer)
            .thenComposeAsync(
                body -> {
                  Optional<String> unavailable = replica.unavailableReason();
                  if (unavailable.isPresent()) {
                    throw new ReplicaNotReadyException(unavailable.get());
                  }
                  return switch (endpoint.action()) {
                    case "call" -> call(replica, endpoint, body, nonReplicated);
                    case "query" -> done(query(replica, endpoint, body));
                    default -> done(readState(replica, endpoint, body));
                  };
                },
                replica.workExecutor());
    return response
        .exceptionally(HttpRoutes::failure)
        .thenApply(r -> record(endpoint, r, startNs, nonReplicated.get()));
  }

  /**
   * The request body, at most {@code maxBodyBytes}. Note: a body that arrived whole (the usual
   * case for a request of a few hundred bytes) is taken as it is; a streamed one is read here.
   *
   * <p>Note: a body over the limit is read to its end and discarded before the 413 goes out (up
   * to {@link #MAX_DISCARDED_BODY_BYTES} past the limit, within {@link #BODY_READ_TIMEOUT_MS}).
   * Answering while the client still uploads makes the server close a socket with unread bytes,
   * which the kernel turns into a reset; a client that is still writing (the JDK's HttpClient
   * reads its answer only once it has sent the body) then loses the 413 and sees the connection
   * end without a response. Read to the end, the 413 even keeps the connection open. A body too
   * large to drain gets its 413 at once, and Pekko closes the connection after it.
   */
  private CompletionStage<byte[]> body(HttpEntity entity, Materializer materializer) {
    if (entity instanceof HttpEntity.Strict strict) {
      if (strict.getData().size() > maxBodyBytes) {
        return CompletableFuture.failedFuture(new BodyTooLargeException());
      }
      return CompletableFuture.completedFuture(strict.getData().toArray());
    }
    long readLimitBytes = maxBodyBytes + MAX_DISCARDED_BODY_BYTES;
    java.util.OptionalLong declaredBytes = entity.getContentLengthOption();
    if (declaredBytes.isPresent() && declaredBytes.getAsLong() > readLimitBytes) {
      return CompletableFuture.failedFuture(new BodyTooLargeException());
    }
    BoundedBody collected = new BoundedBody(maxBodyBytes);
    return entity
        .withSizeLimit(readLimitBytes)
        .getDataBytes()
        .completionTimeout(java.time.Duration.ofMillis(BODY_READ_TIMEOUT_MS))
        .runFold(collected, BoundedBody::add, materializer)
        .handle((body, failure) -> {
          if (collected.isOverLimit()) {
            throw new BodyTooLargeException(); // read to its end, or as far as the bounds allow
          }
          if (failure != null) {
            throw failure instanceof CompletionException c ? c : new CompletionException(failure);
          }
          return body.bytes();
        });
  }

  /** A streamed body: kept up to its limit, and past it only counted. */
  private static final class BoundedBody {
    private final long limitBytes;
    private ByteString data = ByteString.emptyByteString();
    private long receivedBytes;

    BoundedBody(long limitBytes) {
      this.limitBytes = limitBytes;
    }

    BoundedBody add(ByteString chunk) {
      receivedBytes += chunk.size();
      data = receivedBytes <= limitBytes ? data.concat(chunk) : ByteString.emptyByteString();
      return this;
    }

    boolean isOverLimit() {
      return receivedBytes > limitBytes;
    }

    byte[] bytes() {
      return data.toArray();
    }
  }

  /** A request body above the endpoint's limit. */
  private static final class BodyTooLargeException extends RuntimeException {
    BodyTooLargeException() {
      super("the request body is larger than the limit of this endpoint", null, false, false);
    }
  }

  private HttpResponse record(
      Endpoint endpoint, HttpResponse response, long startNs, boolean nonReplicated) {
    double seconds = (System.nanoTime() - startNs) / 1e9;
    int status = response.status().intValue();
    if (endpoint.action().equals("call")) {
      if (nonReplicated) {
        metrics.callRejected(status, RequestMetrics.NON_REPLICATED_REJECTION, seconds);
      } else if (status == 200 || status == 202) {
        metrics.callAccepted(seconds);
      } else {
        metrics.callRejected(status, RequestMetrics.reasonClassOf(status), seconds);
      }
    } else if (endpoint.action().equals("query")) {
      metrics.queryAnswered(status, seconds);
    }
    return response;
  }

  // ---- call

  private CompletionStage<HttpResponse> call(ReplicaBackend replica, Endpoint endpoint, byte[] body,
      java.util.concurrent.atomic.AtomicBoolean nonReplicated) {
    boolean synchronous = endpoint.version() >= 3;
    EffectiveId effectiveId = endpoint.effectiveId();
    Envelope<CallContent> envelope = replica.decoder().decodeCall(body);
    long now = replica.nowNs();
    IngressVerdict<CallContent> verdict =
        endpoint.subnet()
            ? replica.validator().validateSubnetCall(envelope, new SubnetId(effectiveId.id()), now)
            : replica.validator().validateCall(envelope, effectiveId.id(), now);
    if (verdict instanceof IngressVerdict.Rejected<CallContent> rejected) {
      nonReplicated.set(true);
      return done(nonReplicatedRejection(rejected.rejection(), synchronous));
    }
    ValidatedRequest<CallContent> request = ((IngressVerdict.Accepted<CallContent>) verdict).request();
    RequestId requestId = request.requestId();
    Optional<PublishedState> latest = replica.latest();
    if (latest.isPresent()) {
      if (latest.get().state().ingressHistory().get(requestId).isPresent()) {
        // Known already: a resubmission is harmless and answered as the first one was.
        return accepted(replica, requestId, synchronous);
      }
      if (!latest.get().state().ingressHistory().hasRoomForCallAt(now)) {
        return java.util.concurrent.CompletableFuture.failedFuture(
            new IngressPool.Admission.Full(requestId, "The request status history holds "
                + latest.get().state().ingressHistory().size() + " calls, its maximum"
                + " (canopy.replica.ingress-history.max-entry-count); room is made as older calls"
                + " expire.").toRejection());
      }
      Optional<NonReplicatedRejection> refusal =
          CallPrecheck.check(
              latest.get().state(), replica.fees(), replica.queryExecutor(), request.content());
      if (refusal.isPresent()) {
        nonReplicated.set(true);
        return done(nonReplicatedRejection(refusal.get(), synchronous));
      }
    }
    return replica
        .submit(request, effectiveId)
        .thenCompose(
            admission -> {
              if (admission instanceof IngressPool.Admission.Full full) {
                throw full.toRejection();
              }
              if (admission instanceof IngressPool.Admission.Expired) {
                throw new IngressRejection(
                    IngressRejection.Reason.INVALID_EXPIRY,
                    IngressExpiry.MESSAGE_PREFIX + "the request expired before it reached the pool");
              }
              return accepted(replica, requestId, synchronous);
            });
  }

  private CompletionStage<HttpResponse> accepted(
      ReplicaBackend replica, RequestId requestId, boolean synchronous) {
    if (!synchronous) {
      return done(HttpResponse.create().withStatus(StatusCodes.ACCEPTED));
    }
    // Note: the outcome arrives on the thread that publishes the height (the state manager's);
    // the certificate is cut on a request thread, so that thread goes straight to the next round.
    return replica
        .awaitCertifiedOutcome(requestId)
        .thenApplyAsync(
            certified -> {
              if (certified.isEmpty()) {
                return HttpResponse.create().withStatus(StatusCodes.ACCEPTED);
              }
              CertifiedState state = certified.get();
              CborMap map =
                  CborMap.builder()
                      .put("status", "replied")
                      .put("certificate", state.requestStatusCertificate(requestId).encode())
                      .build();
              return cbor(map);
            },
            replica.workExecutor());
  }

  private static HttpResponse nonReplicatedRejection(
      NonReplicatedRejection rejection, boolean synchronous) {
    CborMap.Builder map = CborMap.builder();
    if (synchronous) {
      map.put("status", "non_replicated_rejection");
    }
    map.put("reject_code", CborValue.UnsignedInt.of(rejection.rejectCode()))
        .put("reject_message", rejection.message())
        .put("error_code", rejection.errorCode());
    return cbor(map.build());
  }

  // ---- query

  private HttpResponse query(ReplicaBackend replica, Endpoint endpoint, byte[] body) {
    EffectiveId effectiveId = endpoint.effectiveId();
    Envelope<QueryContent> envelope = replica.decoder().decodeQuery(body);
    long now = replica.nowNs();
    IngressVerdict<QueryContent> verdict =
        endpoint.subnet()
            ? replica.validator().validateSubnetQuery(envelope, new SubnetId(effectiveId.id()), now)
            : replica.validator().validateQuery(envelope, effectiveId.id(), now);
    QueryContent content = envelope.content();
    if (verdict instanceof IngressVerdict.Rejected<QueryContent> rejected) {
      NonReplicatedRejection r = rejected.rejection();
      return signedQueryResponse(
          replica,
          content.requestId(),
          new CallOutcome.Reject(
              dev.canopy.types.RejectCode.fromCode(r.rejectCode()),
              r.message(),
              errorCodeOf(r.errorCode())));
    }
    PublishedState latest = requireLatest(replica);
    CanisterId canisterId = new CanisterId(content.canisterId());
    Optional<byte[]> dataCertificate =
        latest.state().canister(canisterId).isPresent()
            ? Optional.of(dataCertificates.get(latest.certified(), canisterId))
            : Optional.empty();
    QueryExecutor.QueryResult result =
        replica
            .queryExecutor()
            .query(
                latest.state(),
                new QueryExecutor.Query(
                    content.sender(), canisterId, content.methodName(), content.arg(),
                    dataCertificate));
    return signedQueryResponse(replica, content.requestId(), result.outcome());
  }

  private static Optional<dev.canopy.types.ErrorCode> errorCodeOf(String text) {
    for (dev.canopy.types.ErrorCode code : dev.canopy.types.ErrorCode.values()) {
      if (code.text().equals(text)) {
        return Optional.of(code);
      }
    }
    return Optional.empty();
  }

  /**
   * A query response with the node's signature over {@code "\x0Bic-response" ·
   * hash_of_map(response without signatures, plus timestamp and request_id)} (spec "Request: Query
   * call"; fields absent from the response are absent from the hash).
   */
  static HttpResponse signedQueryResponse(
      ReplicaBackend replica, RequestId requestId, CallOutcome outcome) {
    long timestamp = replica.nowNs();
    Map<String, Object> signed = new LinkedHashMap<>();
    CborMap.Builder map = CborMap.builder();
    if (outcome instanceof CallOutcome.Reply reply) {
      signed.put("status", "replied");
      signed.put("reply", Map.of("arg", reply.payload()));
      map.put("status", "replied")
          .put("reply", CborMap.builder().put("arg", reply.payload()).build());
    } else {
      CallOutcome.Reject reject = (CallOutcome.Reject) outcome;
      signed.put("status", "rejected");
      signed.put("reject_code", (long) reject.code().code());
      signed.put("reject_message", reject.message());
      map.put("status", "rejected")
          .put("reject_code", CborValue.UnsignedInt.of(reject.code().code()))
          .put("reject_message", reject.message());
      if (reject.errorCode().isPresent()) {
        signed.put("error_code", reject.errorCode().get().text());
        map.put("error_code", reject.errorCode().get().text());
      }
    }
    signed.put("timestamp", timestamp);
    signed.put("request_id", requestId.toBytes());
    byte[] hash = RepresentationIndependentHash.hashOfMap(signed);
    byte[] message = new byte[RESPONSE_DOMAIN.length + hash.length];
    System.arraycopy(RESPONSE_DOMAIN, 0, message, 0, RESPONSE_DOMAIN.length);
    System.arraycopy(hash, 0, message, RESPONSE_DOMAIN.length, hash.length);
    CborMap signature =
        CborMap.builder()
            .put("timestamp", CborValue.UnsignedInt.of(timestamp))
            .put("signature", replica.nodeSigningKey().sign(message))
            .put("identity", replica.nodeId().principal().toBytes())
            .build();
    map.put("signatures", CborArray.of(signature));
    return cbor(map.build());
  }

  // ---- read_state

  private HttpResponse readState(ReplicaBackend replica, Endpoint endpoint, byte[] body) {
    EffectiveId effectiveId = endpoint.effectiveId();
    Envelope<ReadStateContent> envelope = replica.decoder().decodeReadState(body);
    long now = replica.nowNs();
    ValidatedRequest<ReadStateContent> request =
        endpoint.subnet()
            ? replica.validator().validateSubnetReadState(envelope, new SubnetId(effectiveId.id()), now)
            : replica.validator().validateCanisterReadState(envelope, effectiveId.id(), now);
    PublishedState latest = requireLatest(replica);
    ReadStateContent content = request.content();
    ReadStatePlan plan =
        replica
            .readStateAccess()
            .check(
                latest.certified().tree(),
                new ReadStateAccess.Request(
                    endpoint.version() == 2
                        ? ReadStateAccess.ApiVersion.V2
                        : ReadStateAccess.ApiVersion.V3,
                    effectiveId,
                    content.sender(),
                    content.paths(),
                    request.targets()));
    CborMap map =
        CborMap.builder().put("certificate", latest.certified().certificate(plan).encode()).build();
    return cbor(map);
  }

  private static PublishedState requireLatest(ReplicaBackend replica) {
    return replica
        .latest()
        .orElseThrow(() -> new ReplicaNotReadyException("the node has no certified state yet"));
  }

  /** The node has not certified a height yet; answered 503, so clients retry. */
  static final class ReplicaNotReadyException extends dev.canopy.types.CanopyException {
    ReplicaNotReadyException(String message) {
      super(message);
    }
  }

  // ---- answers

  private static CompletionStage<HttpResponse> done(HttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static HttpResponse cbor(CborMap map) {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(
            HttpEntities.create(
                MediaTypes.APPLICATION_CBOR.toContentType(),
                CborEncoder.encodeWithSelfDescribeTag(map)));
  }

  /** Bad input to its 4xx; anything else is the node's own failure. */
  private static HttpResponse failure(Throwable thrown) {
    Throwable t = thrown;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof IngressRejection e) {
      return text(e.httpStatus(), e.getMessage());
    }
    if (t instanceof ReadStateAccessException e) {
      return text(e.httpStatus(), e.getMessage());
    }
    if (t instanceof InvalidInputException e) {
      return text(400, e.getMessage());
    }
    if (t instanceof EntityStreamSizeException || t instanceof BodyTooLargeException
        || isTooLarge(t)) {
      return text(413, "the request body is larger than the limit of this endpoint");
    }
    if (t instanceof EntityStreamException e) {
      return text(400, "cannot read the request body: " + e.getMessage());
    }
    if (t instanceof ReplicaNotReadyException e) {
      return text(503, e.getMessage());
    }
    if (t instanceof java.util.concurrent.TimeoutException
        || t instanceof java.util.concurrent.RejectedExecutionException) {
      return text(503, "the node is busy; try again");
    }
    log.error("request failed", t);
    return text(500, "internal error: " + t.getClass().getSimpleName());
  }

  /** Pekko HTTP reports a body over {@code max-content-length} as a stream error. */
  private static boolean isTooLarge(Throwable t) {
    return t instanceof EntityStreamException
        && String.valueOf(t.getMessage()).startsWith("Request too large");
  }

  private static HttpResponse text(int status, String message) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, message + "\n"));
  }

  private HttpResponse statusResponse() {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(
            HttpEntities.create(
                MediaTypes.APPLICATION_CBOR.toContentType(), StatusResponse.encode(status)));
  }

  private static HttpResponse methodNotAllowed(org.apache.pekko.http.javadsl.model.HttpMethod allowed) {
    return HttpResponse.create()
        .withStatus(StatusCodes.METHOD_NOT_ALLOWED)
        .addHeader(Allow.create(allowed))
        .withEntity(
            HttpEntities.create(
                ContentTypes.TEXT_PLAIN_UTF8, "method not allowed: use " + allowed.name() + "\n"));
  }

  private static HttpResponse notFound(String path) {
    return HttpResponse.create()
        .withStatus(StatusCodes.NOT_FOUND)
        .withEntity(
            HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "no such endpoint: " + path + "\n"));
  }
}
