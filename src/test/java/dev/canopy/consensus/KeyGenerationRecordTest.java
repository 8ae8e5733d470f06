package dev.canopy.consensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.canopy.consensus.KeyGeneration.Key;
import dev.canopy.crypto.DeterministicRandom;
import dev.canopy.crypto.dkg.DishonestDealings;
import dev.canopy.crypto.dkg.Dkg;
import dev.canopy.crypto.dkg.DkgComplaint;
import dev.canopy.crypto.dkg.DkgDealing;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The outcome of a closed key generation record, which catch-up packages carry: the dealings its
 * transcripts chose and nothing else, giving every replica the same keys and shares as the whole
 * record, the same bytes whether computed from the whole record or from an outcome, and small
 * enough for a catch-up package of the largest subnet.
 */
class KeyGenerationRecordTest {
  private static final KeyGeneration.Schedule SCHEDULE = KeyGeneration.Schedule.defaults();

  /**
   * Members {@code 0..dealers-1} of {@code subnet} deal both keys at height 1; dealer 1's beacon
   * dealing gives receiver 1 (node 0) a bad share, and node 0's complaint about it is on the chain
   * at height 2. Closed at height 10.
   */
  private static KeyGenerationRecord closedRecord(TestSubnet subnet, int dealers, boolean withComplaint) {
    KeyGeneration setup = subnet.keyGeneration.orElseThrow();
    List<Artifact.KeyDealing> dealings = new ArrayList<>();
    List<Artifact.KeyComplaint> complaints = new ArrayList<>();
    for (int i = 0; i < dealers; i++) {
      List<Artifact.KeyDealing> own = setup.deal(i, subnet.nodeKeys.get(i), DeterministicRandom.fromSeed(i));
      if (i == 1 && withComplaint) {
        DkgDealing bad = DishonestDealings.withWrongShareFor(setup.config(Key.BEACON), own.get(0).dealing(), 1,
            subnet.nodeKeys.get(1));
        DkgComplaint complaint = Dkg.checkShare(setup.config(Key.BEACON), bad, 1, subnet.dkgKeys.get(0),
            DeterministicRandom.fromSeed(99)).orElseThrow();
        complaints.add(Artifact.KeyComplaint.sign(complaint, subnet.configs.get(0).self(), subnet.nodeKeys.get(0)));
        own = List.of(new Artifact.KeyDealing(bad), own.get(1));
      }
      dealings.addAll(own);
    }
    KeyGenerationRecord record = setup.start().append(1, new DkgPayload(dealings, List.of()))
        .append(2, new DkgPayload(List.of(), complaints));
    for (long h = 3; h <= SCHEDULE.intervalHeights(); h++) {
      record = record.append(h, DkgPayload.EMPTY);
    }
    assertThat(record.isClosed()).isTrue();
    return record;
  }

  @Test
  void theOutcomeKeepsTheChosenDealingsAndGivesTheSameKeysAndShares() {
    TestSubnet subnet = TestSubnet.generatingKeys(4, 11, SCHEDULE);
    KeyGenerationRecord record = closedRecord(subnet, 4, true);
    assertThat(record.complaints(Key.BEACON)).hasSize(1);
    assertThat(record.transcript(Key.BEACON).excludedDealers()).containsKey(2);

    KeyGenerationRecord outcome = record.outcome();

    assertThat(outcome.isClosed()).isTrue();
    assertThat(outcome.closedAtHeight()).isEqualTo(record.closedAtHeight());
    assertThat(outcome.complaints(Key.BEACON)).isEmpty();
    for (Key key : Key.values()) {
      assertThat(outcome.dealings(key)).extracting(d -> d.dealing())
          .containsExactlyElementsOf(record.transcript(key).dealings());
      assertThat(outcome.transcript(key).publicKeys()).isEqualTo(record.transcript(key).publicKeys());
    }
    // Beacon threshold f + 1 = 2 of the 3 acceptable dealings; certification n − f = 3 of 4.
    assertThat(outcome.dealings(Key.BEACON)).hasSize(2);
    assertThat(outcome.dealings(Key.CERTIFICATION)).hasSize(3);
    for (int i = 0; i < 4; i++) {
      assertThat(SubnetKeys.derive(outcome, i, subnet.dkgKeys.get(i))
          .sameAs(SubnetKeys.derive(record, i, subnet.dkgKeys.get(i)))).isTrue();
    }
  }

  @Test
  void theOutcomeIsItsOwnOutcomeAndRoundTripsSoEveryReplicaSignsTheSameBytes() {
    TestSubnet subnet = TestSubnet.generatingKeys(4, 12, SCHEDULE);
    KeyGenerationRecord record = closedRecord(subnet, 4, true);
    byte[] bytes = record.outcome().encode();

    KeyGenerationRecord decoded = KeyGenerationRecord.decode(subnet.keyGeneration.orElseThrow(), bytes);

    assertThat(decoded).isEqualTo(record.outcome());
    assertThat(decoded.outcome().encode()).isEqualTo(bytes);
    assertThat(record.outcome().outcome()).isSameAs(record.outcome());
    // The same chain folded by another replica gives the same outcome bytes.
    assertThat(closedRecord(subnet, 4, true).outcome().encode()).isEqualTo(bytes);
    assertThat(record.encode()).isNotEqualTo(bytes);
  }

  @Test
  void anOpenRecordHasNoOutcome() {
    TestSubnet subnet = TestSubnet.generatingKeys(4, 13, SCHEDULE);
    assertThatThrownBy(() -> subnet.keyGeneration.orElseThrow().start().outcome())
        .isInstanceOf(IllegalStateException.class);
  }

  /**
   * An outcome holds f + 1 beacon and n − f certification dealings: at most that many times the
   * larger dealing of each key, plus the record's own few fields.
   */
  private static long outcomeBound(TestSubnet subnet) {
    KeyGeneration setup = subnet.keyGeneration.orElseThrow();
    List<Artifact.KeyDealing> dealt = setup.deal(0, subnet.nodeKeys.get(0), DeterministicRandom.fromSeed(5));
    SubnetMembership m = subnet.membership;
    return (long) m.beaconParameters().threshold() * dealt.get(0).toBytes().length
        + (long) m.certificationParameters().threshold() * dealt.get(1).toBytes().length + 1024;
  }

  @Test
  void theOutcomeOfFourAndOfThirteenReplicasIsMeasuredAndThatOfSixtyFourIsWithinItsBound() {
    for (int n : new int[] {4, 13}) {
      TestSubnet subnet = TestSubnet.generatingKeys(n, 20 + n, SCHEDULE);
      int f = (n - 1) / 3;
      KeyGenerationRecord record = closedRecord(subnet, n - f, false);
      int outcomeBytes = record.outcome().encode().length;
      System.out.printf("key generation outcome of %d replicas: %d bytes (whole record %d bytes)%n", n,
          outcomeBytes, record.encode().length);
      assertThat((long) outcomeBytes).isLessThanOrEqualTo(outcomeBound(subnet));
    }
    // Measured: 3,785 bytes at n = 4 and 28,037 at n = 13 (5 beacon and 9 certification dealings);
    // the bound at n = 64 is 594,936 bytes.
    long largest = outcomeBound(TestSubnet.generatingKeys(64, 64, SCHEDULE));
    System.out.printf("bound of the key generation outcome of 64 replicas: %d bytes%n", largest);
    assertThat(largest).isLessThanOrEqualTo(KeyGenerationRecord.MAX_OUTCOME_BYTES);
  }
}
