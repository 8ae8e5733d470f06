package dev.canopy.execution;

import static dev.canopy.execution.ExecutionTestSupport.T;
import static dev.canopy.execution.ExecutionTestSupport.USER;
import static dev.canopy.execution.ExecutionTestSupport.createAndInstall;
import static dev.canopy.execution.ExecutionTestSupport.engine;
import static dev.canopy.execution.ExecutionTestSupport.executor;
import static dev.canopy.execution.ExecutionTestSupport.genesis;
import static dev.canopy.execution.ExecutionTestSupport.ingress;
import static dev.canopy.execution.ExecutionTestSupport.round;
import static dev.canopy.execution.ExecutionTestSupport.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidText;
import dev.canopy.candid.CandidType;
import dev.canopy.state.RequestStatus;
import dev.canopy.types.CanisterId;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Motoko fixtures through rounds and queries: updates, queries, and awaits across canisters. */
class MotokoCanistersTest {
  static byte[] fixture(String name) {
    try (InputStream in = MotokoCanistersTest.class.getResourceAsStream("/motoko/" + name
        + ".wasm")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static byte[] candid(String types, String values) {
    List<CandidType> t = new ArrayList<>();
    if (!types.isEmpty()) {
      for (String type : types.split(";")) {
        t.add(CandidText.parseType(type.trim()));
      }
    }
    return new CandidArgs(t, CandidText.parseArgs(values, t)).encode();
  }

  static final byte[] NO_ARGS = candid("", "()");

  @Test
  void aMotokoCounterCountsUpdatesAndAnswersQueries() {
    ReplicatedState s = createAndInstall(genesis(), fixture("counter"), T);
    CanisterId counter = s.canisters().lastKey();
    RoundExecutor ex = executor();
    IngressMessage inc1 = ingress(counter, "inc", NO_ARGS);
    IngressMessage inc2 = ingress(counter, "inc", NO_ARGS);
    RoundResult r = round(ex, s, inc1, inc2);
    assertThat(status(r.state(), inc2)).isInstanceOf(RequestStatus.Replied.class);
    QueryExecutor q = new QueryExecutor(engine(), CyclesFees.free(), new byte[0],
        QueryExecutor.Limits.defaults());
    QueryExecutor.QueryResult get = q.query(r.state(),
        new QueryExecutor.Query(USER, counter, "get", NO_ARGS, Optional.empty()));
    assertThat(((CallOutcome.Reply) get.outcome()).payload()).isEqualTo(candid("nat", "(2)"));
  }

  @Test
  void aMotokoCallerAwaitsAnotherCanisterWithinARound() {
    ReplicatedState s = createAndInstall(genesis(), fixture("counter"), T);
    CanisterId counter = s.canisters().lastKey();
    s = createAndInstall(s, fixture("caller"), T);
    CanisterId caller = s.canisters().lastKey();
    RoundExecutor ex = executor();
    byte[] target = candid("principal", "(principal \"" + counter.toText() + "\")");
    IngressMessage first = ingress(caller, "callInc", target);
    RoundResult r1 = round(ex, s, first);
    assertThat(((RequestStatus.Replied) status(r1.state(), first)).reply())
        .isEqualTo(candid("nat", "(1)"));
    IngressMessage failing = ingress(caller, "callFailing",
        candid("principal; bool; text", "(principal \"" + caller.toText() + "\", false, \"no\")"));
    RoundResult r2 = round(ex, r1.state(), failing);
    assertThat(((RequestStatus.Replied) status(r2.state(), failing)).reply())
        .isEqualTo(candid("text", "(\"canister_reject: no\")"));
    for (Canister c : r2.state().canisters().values()) {
      assertThat(c.system().callContexts().isEmpty()).isTrue();
    }
  }
}
