package dev.canopy.execution;

import static dev.canopy.execution.ExecutionTestSupport.T;
import static dev.canopy.execution.ExecutionTestSupport.USER;
import static dev.canopy.execution.ExecutionTestSupport.bytes;
import static dev.canopy.execution.ExecutionTestSupport.createAndInstall;
import static dev.canopy.execution.ExecutionTestSupport.engine;
import static dev.canopy.execution.ExecutionTestSupport.executor;
import static dev.canopy.execution.ExecutionTestSupport.forwardArg;
import static dev.canopy.execution.ExecutionTestSupport.genesis;
import static dev.canopy.execution.ExecutionTestSupport.ingress;
import static dev.canopy.execution.ExecutionTestSupport.readLe32;
import static dev.canopy.execution.ExecutionTestSupport.readLe64;
import static dev.canopy.execution.ExecutionTestSupport.round;
import static dev.canopy.execution.ExecutionTestSupport.testCanister;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Non-replicated and composite queries against a snapshot (spec "Query call"). */
class QueryExecutorTest {
  private static final QueryExecutor QUERIES = new QueryExecutor(engine(), CyclesFees.free(),
      new byte[0], QueryExecutor.Limits.defaults());

  private static ReplicatedState threeCanisters() {
    ReplicatedState s = genesis();
    for (int i = 0; i < 3; i++) {
      s = createAndInstall(s, testCanister(), T);
    }
    return s;
  }

  private static CanisterId nth(ReplicatedState s, int n) {
    return s.canisters().keySet().stream().skip(n).findFirst().orElseThrow();
  }

  private static QueryExecutor.QueryResult query(QueryExecutor q, ReplicatedState s,
      CanisterId id, String method, byte[] arg) {
    return q.query(s, new QueryExecutor.Query(USER, id, method, arg, Optional.empty()));
  }

  private static byte[] reply(QueryExecutor.QueryResult r) {
    assertThat(r.outcome()).isInstanceOf(CallOutcome.Reply.class);
    return ((CallOutcome.Reply) r.outcome()).payload();
  }

  private static CallOutcome.Reject reject(QueryExecutor.QueryResult r) {
    assertThat(r.outcome()).isInstanceOf(CallOutcome.Reject.class);
    return (CallOutcome.Reject) r.outcome();
  }

  @Test
  void aQueryReadsTheStateAndNeverChangesIt() {
    ReplicatedState s = threeCanisters();
    CanisterId a = nth(s, 0);
    RoundResult r = round(executor(), s, ingress(a, "inc", new byte[0]));
    ReplicatedState snap = r.state();
    byte[] hash = snap.stateHash();
    assertThat(readLe64(reply(query(QUERIES, snap, a, "q_inc", new byte[0])), 0)).isEqualTo(2);
    assertThat(readLe64(reply(query(QUERIES, snap, a, "q_inc", new byte[0])), 0)).isEqualTo(2);
    assertThat(readLe64(reply(query(QUERIES, snap, a, "get", new byte[0])), 0)).isEqualTo(1);
    assertThat(snap.stateHash()).isEqualTo(hash);
  }

  @Test
  void updateMethodsAndUnknownCanistersAreNotQueryable() {
    ReplicatedState s = threeCanisters();
    CallOutcome.Reject update = reject(query(QUERIES, s, nth(s, 0), "inc", new byte[0]));
    assertThat(update.errorCode()).contains(ErrorCode.CANISTER_METHOD_NOT_FOUND);
    CallOutcome.Reject missing =
        reject(query(QUERIES, s, CanisterId.fromIndex(4000), "get", new byte[0]));
    assertThat(missing.errorCode()).contains(ErrorCode.CANISTER_NOT_FOUND);
    assertThat(missing.code().code()).isEqualTo(3);
  }

  @Test
  void aStoppedCanisterRejectsQueries() {
    ReplicatedState s = threeCanisters();
    Canister c = s.canister(nth(s, 1)).get();
    s = s.withCanister(c.withSystem(c.system().withStatus(RunStatus.STOPPED)));
    assertThat(reject(query(QUERIES, s, c.id(), "get", new byte[0])).errorCode())
        .contains(ErrorCode.CANISTER_STOPPED);
  }

  @Test
  void theDataCertificateIsShownOnlyToTheQueriedCanister() {
    ReplicatedState s = threeCanisters();
    CanisterId a = nth(s, 0);
    CanisterId b = nth(s, 1);
    byte[] cert = bytes("certificate bytes");
    QueryExecutor.QueryResult direct =
        QUERIES.query(s, new QueryExecutor.Query(USER, b, "certificate", new byte[0],
            Optional.of(cert)));
    assertThat(reply(direct)).isEqualTo(cert);
    QueryExecutor.QueryResult viaComposite = QUERIES.query(s, new QueryExecutor.Query(USER, a,
        "cq_forward", forwardArg(b, "certificate", 0, new byte[0]), Optional.of(cert)));
    assertThat(reply(viaComposite)).isEqualTo(bytes("none"));
  }

  @Test
  void compositeQueriesCallOtherCanistersQueries() {
    ReplicatedState s = threeCanisters();
    CanisterId a = nth(s, 0);
    CanisterId b = nth(s, 1);
    QueryExecutor.QueryResult r = query(QUERIES, s, a, "cq_forward",
        forwardArg(b, "q_echo", 0, bytes("hi")));
    assertThat(reply(r)).isEqualTo(bytes("hi"));
    assertThat(r.instructionsUsed()).isPositive();
  }

  @Test
  void compositeQueryCallsNestOnlySoDeep() {
    ReplicatedState s = threeCanisters();
    CanisterId a = nth(s, 0);
    CanisterId b = nth(s, 1);
    CanisterId c = nth(s, 2);
    byte[] inner = forwardArg(c, "q_echo", 0, bytes("deep"));
    byte[] outer = forwardArg(b, "cq_forward", 0, inner);
    assertThat(reply(query(QUERIES, s, a, "cq_forward", outer))).isEqualTo(bytes("deep"));
    QueryExecutor shallow = new QueryExecutor(engine(), CyclesFees.free(), new byte[0],
        new QueryExecutor.Limits(1, 5_000_000_000L));
    byte[] r = reply(query(shallow, s, a, "cq_forward", outer));
    // b's reject callback saw CANISTER_ERROR (5) for its too-deep call, and a forwarded that.
    assertThat(readLe32(r, 0)).isEqualTo(5);
    assertThat(new String(Arrays.copyOfRange(r, 4, r.length), StandardCharsets.UTF_8))
        .contains("deeper");
  }

  @Test
  void aTrapInAQueryIsACanisterError() {
    ReplicatedState s = threeCanisters();
    CanisterId a = nth(s, 0);
    QueryExecutor.QueryResult r = query(QUERIES, s, a, "cq_forward",
        forwardArg(CanisterId.fromIndex(999), "get", 0, new byte[0]));
    assertThat(readLe32(reply(r), 0)).isEqualTo(3);
  }
}
