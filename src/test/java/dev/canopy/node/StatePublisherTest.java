package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.consensus.Hash;
import dev.canopy.crypto.ThresholdBls;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.http.PublishedState;
import dev.canopy.state.CertifiedState;
import dev.canopy.state.CertifiedStateTree;
import dev.canopy.state.CertifiedStateTreeBuilder;
import dev.canopy.state.Certifier;
import dev.canopy.state.EffectiveId;
import dev.canopy.state.IngressHistory;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.state.RequestStatus;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.SubnetId;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Synchronous calls waiting in the {@link StatePublisher}: each is answered with the first
 * published height at which its call has an outcome, whichever heights were published, recorded
 * or skipped on the way.
 */
class StatePublisherTest {
  private static final SubnetId SUBNET = new SubnetId(Principal.selfAuthenticating(new byte[] {1}));
  private static final Principal SENDER = Principal.selfAuthenticating(new byte[] {2});
  private static final EffectiveId ECID = EffectiveId.canister(CanisterId.fromIndex(1));
  private static final long SECOND_NS = 1_000_000_000L;
  private static final long T0 = 1_700_000_000L * SECOND_NS;
  private static final long LONG_TIMEOUT_MS = 600_000;
  private static final ThresholdBls.Dealing KEY =
      ThresholdBls.deal(new ThresholdBls.Parameters(1, 1), new SplittableRandom(5));
  private static final Certifier CERTIFIER = new Certifier(KEY.parameters(), KEY.groupPublicKey());

  private ReplicatedState state = dev.canopy.execution.ExecutionTestSupport.genesis(SUBNET, T0);

  private static RequestId rid(int b) {
    byte[] bytes = new byte[RequestId.LENGTH_BYTES];
    bytes[0] = (byte) b;
    return RequestId.fromBytes(bytes);
  }

  /** Runs one height the way a round does: on a copy of the history. */
  private ReplicatedState execute(Consumer<IngressHistory> round) {
    long height = state.height() + 1;
    IngressHistory history = state.ingressHistoryCopy();
    round.accept(history);
    state = state.withIngressHistory(history).withBatch(height, T0 + height * SECOND_NS);
    return state;
  }

  private static Consumer<IngressHistory> receive(RequestId... ids) {
    return h -> {
      for (RequestId id : ids) {
        long now = T0 + 1000 * SECOND_NS; // after every height's time, as the tests only need order
        h.receive(id, SENDER, ECID, now + 60 * SECOND_NS, now);
      }
    };
  }

  private static Consumer<IngressHistory> reply(RequestId id) {
    return h -> h.setStatus(id, new RequestStatus.Replied(new byte[] {7}), T0 + 1000 * SECOND_NS);
  }

  private static PublishedState certified(ReplicatedState s) {
    CertifiedStateTree tree = new CertifiedStateTreeBuilder().build(s.certifiedView());
    return new PublishedState(s, new CertifiedState(tree,
        CERTIFIER.certifyAlone(s.height(), tree.rootHash(), KEY.secretKeyShares().get(0))));
  }

  private static void executedAndPublished(StatePublisher p, ReplicatedState s) {
    p.recordFinalized(s, blockHash(s));
    p.publish(certified(s));
  }

  private static Hash blockHash(ReplicatedState s) {
    byte[] b = new byte[32];
    b[0] = (byte) s.height();
    return new Hash(b);
  }

  @Test
  void aWaiterIsAnsweredAtTheFirstHeightWhereItsCallHasAnOutcome() throws Exception {
    StatePublisher publisher = new StatePublisher(LONG_TIMEOUT_MS, 10);
    executedAndPublished(publisher, execute(receive(rid(1), rid(2))));
    CompletableFuture<Optional<CertifiedState>> waiting = publisher.awaitOutcome(rid(1));
    assertThat(waiting).isNotDone();

    // Another call settles: this waiter's id did not change, and it keeps waiting.
    executedAndPublished(publisher, execute(reply(rid(2))));
    assertThat(waiting).isNotDone();

    executedAndPublished(publisher, execute(reply(rid(1))));
    assertThat(waiting).isCompleted();
    CertifiedState answer = waiting.get().orElseThrow();
    assertThat(answer.height()).isEqualTo(3);
    assertThat(answer.tree().requestStatus(rid(1)).orElseThrow().status())
        .isInstanceOf(RequestStatus.Replied.class);
  }

  @Test
  void aCallSettledAtAHeightThatWasNeverPublishedIsAnsweredAtTheNextPublishedOne() throws Exception {
    StatePublisher publisher = new StatePublisher(LONG_TIMEOUT_MS, 10);
    executedAndPublished(publisher, execute(receive(rid(1))));
    CompletableFuture<Optional<CertifiedState>> waiting = publisher.awaitOutcome(rid(1));

    // Heights 2 and 3 execute; 2 (where the call is replied) is never certified, 3 is.
    publisher.recordFinalized(execute(reply(rid(1))), blockHash(state));
    ReplicatedState third = execute(h -> {});
    publisher.recordFinalized(third, blockHash(third));
    assertThat(waiting).isNotDone();
    publisher.publish(certified(third));

    assertThat(waiting.get().orElseThrow().height()).isEqualTo(3);
  }

  @Test
  void aHeightWithoutARecordOfItsChangesLooksAtEveryWaiter() throws Exception {
    StatePublisher publisher = new StatePublisher(LONG_TIMEOUT_MS, 10);
    executedAndPublished(publisher, execute(receive(rid(1))));
    CompletableFuture<Optional<CertifiedState>> waiting = publisher.awaitOutcome(rid(1));

    // A state installed from a checkpoint: its history is restored, its changes unknown.
    execute(reply(rid(1)));
    ReplicatedState installed = state.withIngressHistory(IngressHistory.restore(
        IngressHistorySettings.DEFAULT, state.ingressHistory().entries()));
    executedAndPublished(publisher, installed);

    assertThat(waiting.get().orElseThrow().height()).isEqualTo(2);
  }

  @Test
  void aCallThatAlreadyHasAnOutcomeIsAnsweredAtOnce() throws Exception {
    StatePublisher publisher = new StatePublisher(LONG_TIMEOUT_MS, 10);
    executedAndPublished(publisher, execute(receive(rid(1))));
    executedAndPublished(publisher, execute(reply(rid(1))));

    CompletableFuture<Optional<CertifiedState>> answered = publisher.awaitOutcome(rid(1));
    assertThat(answered).isCompleted();
    assertThat(answered.get().orElseThrow().height()).isEqualTo(2);
  }

  @Test
  void waitersBeyondTheLimitAndWaitersPastTheTimeoutGetNoAnswer() throws Exception {
    StatePublisher limited = new StatePublisher(LONG_TIMEOUT_MS, 2);
    executedAndPublished(limited, execute(receive(rid(1), rid(2), rid(3))));
    CompletableFuture<Optional<CertifiedState>> first = limited.awaitOutcome(rid(1));
    limited.awaitOutcome(rid(2));
    CompletableFuture<Optional<CertifiedState>> beyond = limited.awaitOutcome(rid(3));
    assertThat(beyond).isCompletedWithValue(Optional.empty());
    assertThat(first).isNotDone();

    StatePublisher shortWait = new StatePublisher(1, 10);
    shortWait.publish(certified(state));
    assertThat(shortWait.awaitOutcome(rid(1)).get(30, TimeUnit.SECONDS)).isEmpty();
  }
}
