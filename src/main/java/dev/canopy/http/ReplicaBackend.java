package dev.canopy.http;

import dev.canopy.crypto.Ed25519SigningKey;
import dev.canopy.execution.QueryExecutor;
import dev.canopy.ingress.CallContent;
import dev.canopy.ingress.EnvelopeDecoder;
import dev.canopy.ingress.IngressPool;
import dev.canopy.ingress.IngressValidator;
import dev.canopy.ingress.ValidatedRequest;
import dev.canopy.state.CertifiedState;
import dev.canopy.state.EffectiveId;
import dev.canopy.state.ReadStateAccess;
import dev.canopy.types.NodeId;
import dev.canopy.types.RequestId;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * What the routes need of the replica behind them. The node implements it over its actors; the
 * routes decode, validate and answer, and never execute a call themselves.
 */
public interface ReplicaBackend {
  EnvelopeDecoder decoder();

  /**
   * Why the replica serves no call, query or read_state now (its subnet's keys do not exist yet),
   * answered 503 so clients retry; empty when it serves.
   */
  default Optional<String> unavailableReason() {
    return Optional.empty();
  }

  IngressValidator validator();

  ReadStateAccess readStateAccess();

  QueryExecutor queryExecutor();

  /** The fees the round executor charges, for the frozen check of {@link CallPrecheck}. */
  dev.canopy.execution.CyclesFees fees();

  /** The node's key, which signs query responses (spec "Request: Query call"). */
  Ed25519SigningKey nodeSigningKey();

  NodeId nodeId();

  /** The node's clock in nanoseconds since 1970: for expiry checks and query timestamps. */
  long nowNs();

  /** Where CPU-heavy request work (signature checks, queries) runs, off the HTTP threads. */
  Executor workExecutor();

  /** The latest certified height, once there is one. */
  Optional<PublishedState> latest();

  /** Hands an accepted call to the ingress pool. */
  CompletionStage<IngressPool.Admission> submit(
      ValidatedRequest<CallContent> call, EffectiveId effectiveId);

  /**
   * Completes with the first certified state in which the request is replied, rejected or done;
   * with empty after {@link #syncCallTimeoutMs()}, or at once when too many calls wait already.
   */
  CompletionStage<Optional<CertifiedState>> awaitCertifiedOutcome(RequestId requestId);

  long syncCallTimeoutMs();
}
