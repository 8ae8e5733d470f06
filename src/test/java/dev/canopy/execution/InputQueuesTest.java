package dev.canopy.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.state.EffectiveId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.RequestId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Input queues are values: every version keeps its messages, whatever is done to the others. */
class InputQueuesTest {
  private static final Principal A = CanisterId.fromIndex(1).principal();

  private static CanisterMessage message(int n) {
    byte[] id = new byte[RequestId.LENGTH_BYTES];
    id[0] = (byte) (n >> 8);
    id[1] = (byte) n;
    return new CanisterMessage.Ingress(new IngressMessage(RequestId.fromBytes(id),
        Principal.ANONYMOUS, CanisterId.fromIndex(1), "m" + n, new byte[0], 0,
        EffectiveId.canister(CanisterId.fromIndex(1))));
  }

  private static List<CanisterMessage> contents(InputQueues q) {
    List<CanisterMessage> all = new ArrayList<>();
    for (Map.Entry<Principal, CanisterMessage> e : q.drain()) {
      all.add(e.getValue());
    }
    return all;
  }

  @Test
  void versionsMadeFromTheSameQueueKeepTheirOwnMessages() {
    InputQueues one = InputQueues.EMPTY.enqueue(A, message(1));
    InputQueues left = one.enqueue(A, message(2));
    InputQueues right = one.enqueue(A, message(3)); // the same slot as left's message: a copy
    InputQueues rightAgain = right.enqueue(A, message(4));
    InputQueues popped = left.pop().enqueue(A, message(5));

    assertThat(contents(one)).containsExactly(message(1));
    assertThat(contents(left)).containsExactly(message(1), message(2));
    assertThat(contents(right)).containsExactly(message(1), message(3));
    assertThat(contents(rightAgain)).containsExactly(message(1), message(3), message(4));
    assertThat(contents(popped)).containsExactly(message(2), message(5));
    assertThat(left).isEqualTo(InputQueues.EMPTY.enqueue(A, message(1)).enqueue(A, message(2)));
  }

  @Test
  void anyMixOfAddingAndTakingOnAnyVersionBehavesAsAListCopiedEachTime() {
    SplittableRandom random = new SplittableRandom(42);
    List<InputQueues> versions = new ArrayList<>(List.of(InputQueues.EMPTY));
    List<List<CanisterMessage>> expected = new ArrayList<>(List.of(List.of()));
    for (int step = 0; step < 5_000; step++) {
      int v = random.nextInt(versions.size());
      InputQueues q = versions.get(v);
      List<CanisterMessage> model = new ArrayList<>(expected.get(v));
      if (!model.isEmpty() && random.nextInt(3) == 0) {
        assertThat(q.peek()).contains(model.get(0));
        q = q.pop();
        model.remove(0);
      } else {
        CanisterMessage m = message(step);
        q = q.enqueue(A, m);
        model.add(m);
      }
      versions.add(q);
      expected.add(List.copyOf(model));
      assertThat(q.size()).isEqualTo(model.size());
    }
    for (int i = 0; i < versions.size(); i++) {
      assertThat(contents(versions.get(i))).as("version %d", i).isEqualTo(expected.get(i));
    }
  }
}
