package dev.canopy.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IngressHistoryTest {
  static final long SECOND = 1_000_000_000L;
  static final long MINUTE = 60 * SECOND;
  static final long T0 = 1_700_000_000L * SECOND;
  static final Principal SENDER = TestState.user(1);
  static final EffectiveId ECID = EffectiveId.canister(CanisterId.fromIndex(5));

  final IngressHistory history = new IngressHistory(IngressHistorySettings.DEFAULT);

  static RequestStatus status(IngressHistory h, RequestId rid) {
    return h.get(rid).map(IngressEntry::status).orElse(null);
  }

  @Test
  void aReplyStaysFiveMinutesAfterItWasSetThenBecomesDoneThenGoes() {
    RequestId rid = TestState.rid(1);
    history.receive(rid, SENDER, ECID, T0 + 4 * MINUTE, T0);
    history.setStatus(rid, RequestStatus.PROCESSING, T0 + SECOND);
    history.setStatus(rid, new RequestStatus.Replied(new byte[] {1, 2}), T0 + 2 * SECOND);

    history.prune(T0 + 2 * SECOND + 5 * MINUTE - 1);
    assertThat(status(history, rid)).isEqualTo(new RequestStatus.Replied(new byte[] {1, 2}));
    history.prune(T0 + 2 * SECOND + 5 * MINUTE);
    assertThat(status(history, rid)).isEqualTo(RequestStatus.DONE);

    // Done stays for its own retention (5 minutes), expiry having passed long ago.
    history.prune(T0 + 2 * SECOND + 10 * MINUTE - 1);
    assertThat(status(history, rid)).isEqualTo(RequestStatus.DONE);
    history.prune(T0 + 2 * SECOND + 10 * MINUTE);
    assertThat(history.get(rid)).isEmpty();
    assertThat(history.size()).isZero();
    assertThat(history.sizeBytes()).isZero();
  }

  @Test
  void aCopyListsTheCallsSettledSinceItWasMadeAndOnlyThose() {
    RequestId replied = TestState.rid(1);
    RequestId rejected = TestState.rid(2);
    RequestId processing = TestState.rid(3);
    RequestId forgotten = TestState.rid(4);
    history.receive(forgotten, SENDER, ECID, T0 + MINUTE, T0);
    history.setStatus(forgotten, new RequestStatus.Replied(new byte[] {1}), T0);
    assertThat(history.settledSinceCopy()).as("a new history's changes are unknown").isEmpty();

    IngressHistory round = history.copy();
    for (RequestId rid : new RequestId[] {replied, rejected, processing}) {
      round.receive(rid, SENDER, ECID, T0 + 20 * MINUTE, T0 + SECOND);
    }
    round.setStatus(processing, RequestStatus.PROCESSING, T0 + SECOND);
    round.setStatus(replied, new RequestStatus.Replied(new byte[] {2}), T0 + SECOND);
    round.setStatus(rejected, new RequestStatus.Rejected(5, "trap", Optional.empty()), T0 + SECOND);
    round.prune(T0 + 6 * MINUTE); // the earlier reply becomes done
    assertThat(round.settledSinceCopy()).contains(java.util.List.of(replied, rejected, forgotten));

    assertThat(round.copy().settledSinceCopy()).contains(java.util.List.of());
    assertThat(IngressHistory.restore(IngressHistorySettings.DEFAULT, round.entries())
        .settledSinceCopy()).isEmpty();
  }

  @Test
  void conditionalChangesMoveOnlyAlongTheDiagramAndLeaveEverythingElseAsItIs() {
    RequestId rid = TestState.rid(1);
    assertThat(history.setStatusIfAllowed(rid, RequestStatus.PROCESSING, T0)).isFalse();
    assertThat(history.size()).isZero();

    assertThat(history.receiveIfNew(rid, SENDER, ECID, T0 + MINUTE, T0)).isTrue();
    assertThat(history.receiveIfNew(rid, TestState.user(2), ECID, T0 + 2 * MINUTE, T0)).isFalse();
    assertThat(history.get(rid).orElseThrow().sender()).isEqualTo(SENDER);
    assertThatThrownBy(() -> history.receive(rid, SENDER, ECID, T0 + MINUTE, T0))
        .isInstanceOf(IllegalStateException.class);

    assertThat(history.setStatusIfAllowed(rid, RequestStatus.PROCESSING, T0)).isTrue();
    assertThat(history.setStatusIfAllowed(rid, RequestStatus.PROCESSING, T0)).isFalse();
    RequestStatus reply = new RequestStatus.Replied(new byte[] {1});
    assertThat(history.setStatusIfAllowed(rid, reply, T0)).isTrue();
    long sizeBytes = history.sizeBytes();
    // A second answer, or going back to processing, leaves the first answer.
    assertThat(history.setStatusIfAllowed(
        rid, new RequestStatus.Rejected(5, "late", Optional.empty()), T0)).isFalse();
    assertThat(history.setStatusIfAllowed(rid, RequestStatus.PROCESSING, T0)).isFalse();
    assertThat(status(history, rid)).isEqualTo(reply);
    assertThat(history.sizeBytes()).isEqualTo(sizeBytes);
  }

  @Test
  void anOutcomeIsKeptAtLeastUntilTheCallsExpiry() {
    RequestId rid = TestState.rid(2);
    long expiry = T0 + 20 * MINUTE; // further out than agents send, but allowed in the history
    history.receive(rid, SENDER, ECID, expiry, T0);
    history.setStatus(rid, new RequestStatus.Rejected(5, "trap", Optional.of("IC0503")), T0);
    history.prune(T0 + 6 * MINUTE);
    assertThat(status(history, rid)).isInstanceOf(RequestStatus.Rejected.class);
    history.prune(expiry);
    assertThat(status(history, rid)).isEqualTo(RequestStatus.DONE);
  }

  @Test
  void aDoneCallIsNeverRemovedUntilPastItsExpiry() {
    IngressHistory h =
        new IngressHistory(new IngressHistorySettings(MINUTE, 0, 1000, 1 << 20));
    RequestId rid = TestState.rid(3);
    long expiry = T0 + 5 * MINUTE;
    h.receive(rid, SENDER, ECID, expiry, T0);
    h.setStatus(rid, new RequestStatus.Replied(new byte[0]), T0);
    h.prune(expiry);
    assertThat(status(h, rid)).isEqualTo(RequestStatus.DONE);
    h.prune(expiry); // at the expiry itself the call is still protected against replay
    assertThat(status(h, rid)).isEqualTo(RequestStatus.DONE);
    h.prune(expiry + 1);
    assertThat(h.get(rid)).isEmpty();
  }

  @Test
  void receivedAndProcessingCallsAreNotPrunedByTime() {
    RequestId received = TestState.rid(4);
    RequestId processing = TestState.rid(5);
    history.receive(received, SENDER, ECID, T0 + MINUTE, T0);
    history.receive(processing, SENDER, ECID, T0 + MINUTE, T0);
    history.setStatus(processing, RequestStatus.PROCESSING, T0);
    history.prune(T0 + 60 * MINUTE);
    assertThat(status(history, received)).isEqualTo(RequestStatus.RECEIVED);
    assertThat(status(history, processing)).isEqualTo(RequestStatus.PROCESSING);
  }

  @Test
  void byteBoundForgetsTheOldestRepliesFirst() {
    long fixed = new IngressEntry(RequestStatus.DONE, SENDER, ECID, 0, 0).sizeBytes();
    // Room for three calls with one 100-byte reply, not two.
    IngressHistory h =
        new IngressHistory(IngressHistorySettings.DEFAULT.withMaxSizeBytes(3 * fixed + 150));
    for (int i = 1; i <= 3; i++) {
      h.receive(TestState.rid(i), SENDER, ECID, T0 + 5 * MINUTE, T0);
    }
    h.setStatus(TestState.rid(2), new RequestStatus.Replied(new byte[100]), T0 + 1);
    h.setStatus(TestState.rid(1), new RequestStatus.Replied(new byte[100]), T0 + 2);
    assertThat(status(h, TestState.rid(2))).isEqualTo(RequestStatus.DONE);
    assertThat(status(h, TestState.rid(1))).isInstanceOf(RequestStatus.Replied.class);
    assertThat(h.sizeBytes()).isLessThanOrEqualTo(h.settings().maxSizeBytes());
  }

  @Test
  void countBoundRefusesNewCallsUntilOldOnesExpire() {
    IngressHistory h = new IngressHistory(IngressHistorySettings.DEFAULT.withMaxEntryCount(2));
    h.receive(TestState.rid(1), SENDER, ECID, T0 + MINUTE, T0);
    h.receive(TestState.rid(2), SENDER, ECID, T0 + MINUTE, T0);
    h.setStatus(TestState.rid(1), new RequestStatus.Replied(new byte[] {1}), T0);
    // What the HTTP interface asks before accepting a call agrees with what receive does.
    assertThat(h.hasRoomForCallAt(T0 + 1)).isFalse();
    assertThatThrownBy(() -> h.receive(TestState.rid(3), SENDER, ECID, T0 + 2 * MINUTE, T0 + 1))
        .isInstanceOf(IngressHistoryFullException.class)
        .hasMessageContaining("at most 2");
    // Once the done call is past its expiry, it may give way to a new call early.
    h.setStatus(TestState.rid(1), RequestStatus.DONE, T0 + 2);
    assertThat(h.hasRoomForCallAt(T0 + MINUTE)).as("done, not yet expired").isFalse();
    assertThat(h.hasRoomForCallAt(T0 + MINUTE + 1)).isTrue();
    h.receive(TestState.rid(3), SENDER, ECID, T0 + 3 * MINUTE, T0 + MINUTE + 1);
    assertThat(h.hasRoomForCallAt(T0 + MINUTE + 1)).isFalse();
    assertThat(h.get(TestState.rid(1))).isEmpty();
    assertThat(h.size()).isEqualTo(2);
  }

  @Test
  void transitionsFollowTheSpecsDiagram() {
    RequestId rid = TestState.rid(6);
    history.receive(rid, SENDER, ECID, T0 + MINUTE, T0);
    assertThatThrownBy(() -> history.receive(rid, SENDER, ECID, T0 + MINUTE, T0))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> history.setStatus(rid, RequestStatus.RECEIVED, T0))
        .isInstanceOf(IllegalStateException.class);
    history.setStatus(rid, new RequestStatus.Rejected(2, "frozen", Optional.empty()), T0);
    assertThatThrownBy(() -> history.setStatus(rid, RequestStatus.PROCESSING, T0))
        .isInstanceOf(IllegalStateException.class);
    history.setStatus(rid, RequestStatus.DONE, T0);
    assertThatThrownBy(() -> history.setStatus(rid, new RequestStatus.Replied(new byte[0]), T0))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> history.setStatus(TestState.rid(7), RequestStatus.PROCESSING, T0))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> history.prune(T0 - 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRestoredHistoryBehavesAsTheOriginal() {
    long seed = 0x1234_5678L;
    SplittableRandom random = new SplittableRandom(seed);
    IngressHistory h = new IngressHistory(IngressHistorySettings.DEFAULT.withMaxSizeBytes(20_000));
    long now = T0;
    int refused = 0;
    for (int i = 0; i < 500; i++) {
      now += random.nextLong(10 * SECOND);
      RequestId rid = TestState.rid(i);
      try {
        h.receive(rid, SENDER, ECID, now + random.nextLong(6 * MINUTE), now);
      } catch (IngressHistoryFullException full) {
        refused++;
        continue;
      }
      if (random.nextBoolean()) {
        h.setStatus(rid, new RequestStatus.Replied(new byte[random.nextInt(200)]), now);
      }
      h.prune(now);
      assertThat(h.sizeBytes()).as("seed %d", seed).isLessThanOrEqualTo(20_000);
    }
    assertThat(refused).as("seed %d: the bound was reached", seed).isPositive();
    IngressHistory restored = IngressHistory.restore(h.settings(), h.entries());
    assertThat(restored.sizeBytes()).isEqualTo(h.sizeBytes());
    now += 7 * MINUTE;
    h.prune(now);
    restored.prune(now);
    assertThat(restored.entries()).isEqualTo(h.entries());
  }

  @Test
  void aCopyBehavesAsARestoredHistoryAndLeavesTheOriginalAlone() {
    long seed = 0x5eed_c0b1L;
    SplittableRandom random = new SplittableRandom(seed);
    IngressHistory h = new IngressHistory(IngressHistorySettings.DEFAULT.withMaxSizeBytes(20_000));
    long now = T0;
    for (int i = 0; i < 300; i++) {
      now += random.nextLong(10 * SECOND);
      RequestId rid = TestState.rid(i);
      try {
        h.receive(rid, SENDER, ECID, now + random.nextLong(6 * MINUTE), now);
      } catch (IngressHistoryFullException full) {
        continue;
      }
      if (random.nextBoolean()) {
        h.setStatus(rid, new RequestStatus.Replied(new byte[random.nextInt(200)]), now);
      }
      h.prune(now);
    }
    java.util.Map<RequestId, IngressEntry> before = new java.util.TreeMap<>(h.entries());
    long bytesBefore = h.sizeBytes();
    IngressHistory copy = h.copy();
    IngressHistory restored = IngressHistory.restore(h.settings(), h.entries());
    assertThat(copy.entries()).isEqualTo(restored.entries());
    assertThat(copy.sizeBytes()).isEqualTo(restored.sizeBytes());
    // The same changes, later and earlier in batch time alike, give the same histories...
    long later = now + 7 * MINUTE;
    for (IngressHistory x : java.util.List.of(copy, restored)) {
      x.prune(now - SECOND); // allowed: a copy, like a restored history, starts its clock afresh
      x.receive(TestState.rid(1_000), SENDER, ECID, later + MINUTE, later);
      x.prune(later);
    }
    assertThat(copy.entries()).as("seed %d", seed).isEqualTo(restored.entries());
    assertThat(copy.sizeBytes()).isEqualTo(restored.sizeBytes());
    // ...and the original is untouched.
    assertThat(h.entries()).isEqualTo(before);
    assertThat(h.sizeBytes()).isEqualTo(bytesBefore);
    // The /request_status tries, kept beside the entries, hold the same entries: they certify
    // what tries built from scratch from the entries certify.
    for (IngressHistory x : java.util.List.of(h, copy, restored)) {
      assertThat(x.statusTrie().size()).as("seed %d", seed).isEqualTo(x.size());
      assertThat(trieDigest(x.statusTrie()))
          .as("seed %d", seed)
          .isEqualTo(trieDigest(RequestStatusTrie.of(x.entries())));
      x.entries().forEach((rid, e) -> assertThat(x.statusTrie().get(rid)).isSameAs(e));
    }
  }

  private static byte[] trieDigest(RequestStatusTrie trie) {
    return trie.digest(dev.canopy.types.Hashing.sha256Digest(), new long[1]);
  }
}
