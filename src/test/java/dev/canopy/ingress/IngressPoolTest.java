package dev.canopy.ingress;

import static dev.canopy.ingress.TestRequests.CANISTER;
import static dev.canopy.ingress.TestRequests.NOW_NS;
import static dev.canopy.ingress.TestRequests.ONE_MINUTE_NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.crypto.TargetRestriction;
import dev.canopy.ingress.IngressPool.Admission;
import dev.canopy.ingress.IngressPool.PooledMessage;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import dev.canopy.types.cbor.CborValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IngressPoolTest {
  private static final EnvelopeDecoder DECODER = new EnvelopeDecoder(EnvelopeLimits.DEFAULT);
  private static final long SECOND_NS = 1_000_000_000L;

  /** An accepted anonymous call; {@code nonce} makes it distinct, {@code argBytes} sets its size. */
  private static ValidatedRequest<CallContent> message(int nonce, long expiryNs, int argBytes) {
    TestRequests.Content content =
        TestRequests.call(Principal.ANONYMOUS, CANISTER, "inc", new byte[argBytes])
            .set("nonce", new byte[] {(byte) (nonce >>> 24), (byte) (nonce >>> 16), (byte) (nonce >>> 8), (byte) nonce})
            .set("ingress_expiry", CborValue.unsigned(expiryNs));
    return new ValidatedRequest<>(
        DECODER.decodeCall(TestRequests.anonymous(content)), TargetRestriction.ALL, false, Optional.empty());
  }

  private static ValidatedRequest<CallContent> message(int nonce) {
    return message(nonce, NOW_NS + 4 * ONE_MINUTE_NS, 10);
  }

  private static List<RequestId> ids(List<PooledMessage> messages) {
    return messages.stream().map(PooledMessage::requestId).toList();
  }

  @Test
  void aResubmittedRequestIsADuplicateAndChangesNothing() {
    IngressPool pool = new IngressPool(IngressPoolLimits.DEFAULT);
    ValidatedRequest<CallContent> m = message(1);
    assertThat(pool.add(m, NOW_NS)).isEqualTo(new Admission.Added(m.requestId()));
    long bytes = pool.totalBytes();
    // The same content re-encoded is the same request id, hence the same message.
    assertThat(pool.add(message(1), NOW_NS)).isEqualTo(new Admission.Duplicate(m.requestId()));
    assertThat(pool.size()).isEqualTo(1);
    assertThat(pool.totalBytes()).isEqualTo(bytes).isEqualTo(m.envelope().encodedSizeBytes());
    assertThat(pool.add(message(2), NOW_NS)).isInstanceOf(Admission.Added.class);
    assertThat(pool.get(m.requestId())).hasValueSatisfying(p -> assertThat(p.envelope()).isEqualTo(m.envelope()));
  }

  @Test
  void aMessageThatExpiredBeforeReachingThePoolIsNotAdded() {
    IngressPool pool = new IngressPool(IngressPoolLimits.DEFAULT);
    ValidatedRequest<CallContent> m = message(1, NOW_NS - 1, 10);
    assertThat(pool.add(m, NOW_NS)).isEqualTo(new Admission.Expired(m.requestId()));
    assertThat(pool.size()).isZero();
    assertThat(pool.add(message(2, NOW_NS, 10), NOW_NS)).isInstanceOf(Admission.Added.class);
  }

  @Test
  void purgingDropsExactlyTheMessagesThatExpiredBeforeTheGivenTime() {
    IngressPool pool = new IngressPool(IngressPoolLimits.DEFAULT);
    ValidatedRequest<CallContent> early = message(1, NOW_NS + SECOND_NS, 10);
    ValidatedRequest<CallContent> middle = message(2, NOW_NS + 2 * SECOND_NS, 20);
    ValidatedRequest<CallContent> late = message(3, NOW_NS + 3 * SECOND_NS, 30);
    for (ValidatedRequest<CallContent> m : List.of(early, middle, late)) {
      pool.add(m, NOW_NS);
    }
    assertThat(pool.purgeExpired(NOW_NS + 2 * SECOND_NS)).isEqualTo(1);
    assertThat(pool.contains(early.requestId())).isFalse();
    assertThat(pool.contains(middle.requestId())).isTrue(); // expiry == now is still valid
    assertThat(pool.totalBytes())
        .isEqualTo(middle.envelope().encodedSizeBytes() + late.envelope().encodedSizeBytes());
    assertThat(pool.purgeExpired(NOW_NS + 10 * SECOND_NS)).isEqualTo(2);
    assertThat(pool.size()).isZero();
    assertThat(pool.totalBytes()).isZero();
  }

  @Test
  void aFullPoolByCountRefusesWith503UntilMessagesLeave() {
    IngressPool pool = new IngressPool(new IngressPoolLimits(2, IngressPoolLimits.DEFAULT.maxTotalBytes(), IngressExpiry.MAX_INGRESS_TTL_NS));
    pool.add(message(1), NOW_NS);
    pool.add(message(2), NOW_NS);
    Admission third = pool.add(message(3), NOW_NS);
    assertThat(third).isInstanceOf(Admission.Full.class);
    IngressRejection answer = ((Admission.Full) third).toRejection();
    assertThat(answer.httpStatus()).isEqualTo(503);
    assertThat(answer).hasMessageStartingWith("Service is overloaded, try again later.").hasMessageContaining("2 messages");
    assertThat(pool.size()).isEqualTo(2);
    assertThat(pool.removeIncluded(List.of(message(1).requestId()))).isEqualTo(1);
    assertThat(pool.add(message(3), NOW_NS)).isInstanceOf(Admission.Added.class);
  }

  @Test
  void aFullPoolByBytesRefusesAMessageThatWouldPassTheBound() {
    long maxBytes = EnvelopeLimits.INGRESS_MAX_BODY_SIZE_BYTES;
    IngressPool pool = new IngressPool(new IngressPoolLimits(100, maxBytes, IngressExpiry.MAX_INGRESS_TTL_NS));
    assertThat(pool.add(message(1, NOW_NS + ONE_MINUTE_NS, 1_500_000), NOW_NS)).isInstanceOf(Admission.Added.class);
    Admission big = pool.add(message(2, NOW_NS + ONE_MINUTE_NS, 600_000), NOW_NS);
    assertThat(big).isInstanceOf(Admission.Full.class);
    assertThat(((Admission.Full) big).detail()).contains("maximum of " + maxBytes + " bytes");
    assertThat(pool.add(message(3, NOW_NS + ONE_MINUTE_NS, 100_000), NOW_NS)).isInstanceOf(Admission.Added.class);
    assertThat(pool.totalBytes()).isLessThanOrEqualTo(maxBytes);
  }

  @Test
  void selectionFollowsArrivalOrderWithinCountAndByteBudgets() {
    IngressPool pool = new IngressPool(IngressPoolLimits.DEFAULT);
    List<ValidatedRequest<CallContent>> ms =
        List.of(message(1, NOW_NS + ONE_MINUTE_NS, 100), message(2, NOW_NS + ONE_MINUTE_NS, 5_000),
            message(3, NOW_NS + ONE_MINUTE_NS, 100), message(4, NOW_NS + ONE_MINUTE_NS, 100));
    ms.forEach(m -> pool.add(m, NOW_NS));
    int small = ms.get(0).envelope().encodedSizeBytes();

    assertThat(ids(pool.selectForBlock(NOW_NS, 2, Long.MAX_VALUE)))
        .containsExactly(ms.get(0).requestId(), ms.get(1).requestId());
    // The large second message does not fit three small ones' budget; later small ones still do.
    assertThat(ids(pool.selectForBlock(NOW_NS, 10, 3L * small)))
        .containsExactly(ms.get(0).requestId(), ms.get(2).requestId(), ms.get(3).requestId());
    assertThat(pool.selectForBlock(NOW_NS, 0, Long.MAX_VALUE)).isEmpty();
    assertThat(pool.size()).as("selection leaves the pool unchanged").isEqualTo(4);

    assertThat(pool.removeIncluded(List.of(ms.get(0).requestId(), ms.get(2).requestId(), message(99).requestId()))).isEqualTo(2);
    assertThat(ids(pool.selectForBlock(NOW_NS, 10, Long.MAX_VALUE)))
        .containsExactly(ms.get(1).requestId(), ms.get(3).requestId());
  }

  @Test
  void aBlockTakesOnlyMessagesWhoseExpiryIsWithinTtlOfItsTime() {
    IngressPool pool = new IngressPool(IngressPoolLimits.DEFAULT);
    ValidatedRequest<CallContent> soon = message(1, NOW_NS + ONE_MINUTE_NS, 10);
    // Accepted with the validator's 30 s of drift: beyond the block's 5 minute horizon for now.
    ValidatedRequest<CallContent> drifted = message(2, NOW_NS + 5 * ONE_MINUTE_NS + 20 * SECOND_NS, 10);
    pool.add(soon, NOW_NS);
    pool.add(drifted, NOW_NS);
    assertThat(ids(pool.selectForBlock(NOW_NS, 10, Long.MAX_VALUE))).containsExactly(soon.requestId());
    assertThat(ids(pool.selectForBlock(NOW_NS + 20 * SECOND_NS, 10, Long.MAX_VALUE)))
        .containsExactly(soon.requestId(), drifted.requestId());
    // Past its expiry a message is never selected, even before a purge.
    assertThat(ids(pool.selectForBlock(NOW_NS + 2 * ONE_MINUTE_NS, 10, Long.MAX_VALUE))).containsExactly(drifted.requestId());
  }

  @Test
  void poolsFedTheSameOperationsSelectTheSameMessagesAndKeepTheirByteCount() {
    for (long seed : new long[] {1, 42, 20261121}) {
      randomOperations(seed);
    }
  }

  private static void randomOperations(long seed) {
    Random random = new Random(seed);
    IngressPoolLimits limits = new IngressPoolLimits(40, 4L * 1024 * 1024, IngressExpiry.MAX_INGRESS_TTL_NS);
    IngressPool a = new IngressPool(limits);
    IngressPool b = new IngressPool(limits);
    long now = NOW_NS;
    List<RequestId> seen = new ArrayList<>();
    java.util.Set<RequestId> distinct = new java.util.LinkedHashSet<>();
    for (int step = 0; step < 300; step++) {
      int op = random.nextInt(10);
      if (op < 6) {
        ValidatedRequest<CallContent> m = message(random.nextInt(60), now + random.nextInt(6) * ONE_MINUTE_NS, random.nextInt(2_000));
        assertThat(a.add(m, now)).as("seed %d", seed).isEqualTo(b.add(m, now));
        if (distinct.add(m.requestId())) {
          seen.add(m.requestId());
        }
      } else if (op < 8) {
        int maxCount = 1 + random.nextInt(5);
        long maxBytes = 1 + random.nextInt(20_000);
        List<PooledMessage> selected = a.selectForBlock(now, maxCount, maxBytes);
        assertThat(ids(selected)).as("seed %d", seed).isEqualTo(ids(b.selectForBlock(now, maxCount, maxBytes)));
        assertThat(selected.size()).isLessThanOrEqualTo(maxCount);
        assertThat(selected.stream().mapToLong(PooledMessage::sizeBytes).sum()).as("seed %d", seed).isLessThanOrEqualTo(maxBytes);
        a.removeIncluded(ids(selected));
        b.removeIncluded(ids(selected));
      } else if (op < 9) {
        now += random.nextInt(90) * SECOND_NS;
        assertThat(a.purgeExpired(now)).as("seed %d", seed).isEqualTo(b.purgeExpired(now));
      } else if (!seen.isEmpty()) {
        RequestId id = seen.get(random.nextInt(seen.size()));
        assertThat(a.removeIncluded(List.of(id))).isEqualTo(b.removeIncluded(List.of(id)));
      }
      long sum = 0;
      for (RequestId id : seen) {
        sum += a.get(id).map(PooledMessage::sizeBytes).orElse(0);
      }
      assertThat(a.totalBytes()).as("seed %d", seed).isEqualTo(sum).isEqualTo(b.totalBytes()).isLessThanOrEqualTo(limits.maxTotalBytes());
      assertThat(a.size()).as("seed %d", seed).isEqualTo(b.size()).isLessThanOrEqualTo(limits.maxMessages());
    }
  }
}
