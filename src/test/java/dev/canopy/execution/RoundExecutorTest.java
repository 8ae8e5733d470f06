package dev.canopy.execution;

import static dev.canopy.execution.ExecutionTestSupport.T;
import static dev.canopy.execution.ExecutionTestSupport.bytes;
import static dev.canopy.execution.ExecutionTestSupport.create;
import static dev.canopy.execution.ExecutionTestSupport.createAndInstall;
import static dev.canopy.execution.ExecutionTestSupport.executor;
import static dev.canopy.execution.ExecutionTestSupport.forwardArg;
import static dev.canopy.execution.ExecutionTestSupport.forwardManyArg;
import static dev.canopy.execution.ExecutionTestSupport.genesis;
import static dev.canopy.execution.ExecutionTestSupport.ingress;
import static dev.canopy.execution.ExecutionTestSupport.lastCanister;
import static dev.canopy.execution.ExecutionTestSupport.le64;
import static dev.canopy.execution.ExecutionTestSupport.readLe32;
import static dev.canopy.execution.ExecutionTestSupport.readLe64;
import static dev.canopy.execution.ExecutionTestSupport.round;
import static dev.canopy.execution.ExecutionTestSupport.status;
import static dev.canopy.execution.ExecutionTestSupport.testCanister;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.state.RequestStatus;
import dev.canopy.types.CanisterId;
import dev.canopy.types.RejectCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Rounds: ingress, traps, missing methods, inter-canister calls, starvation, ordering. */
class RoundExecutorTest {
  private final RoundExecutor ex = executor();

  private static ReplicatedState withTestCanisters(int n) {
    ReplicatedState s = genesis();
    for (int i = 0; i < n; i++) {
      s = createAndInstall(s, testCanister(), T.multiply(java.math.BigInteger.valueOf(100)));
    }
    return s;
  }

  private static byte[] reply(RequestStatus s) {
    assertThat(s).isInstanceOf(RequestStatus.Replied.class);
    return ((RequestStatus.Replied) s).reply();
  }

  private static RequestStatus.Rejected rejected(RequestStatus s) {
    assertThat(s).isInstanceOf(RequestStatus.Rejected.class);
    return (RequestStatus.Rejected) s;
  }

  @Test
  void anIngressCallIsRepliedInTheHistoryAndLogged() {
    ReplicatedState s = withTestCanisters(1);
    CanisterId a = lastCanister(s);
    IngressMessage m = ingress(a, "echo", bytes("hello"));
    RoundResult r = round(ex, s, m);
    assertThat(reply(status(r.state(), m))).isEqualTo(bytes("hello"));
    Canister c = r.state().canister(a).orElseThrow();
    assertThat(c.system().log().records()).extracting(rec -> new String(rec.content(),
        StandardCharsets.UTF_8)).containsExactly("echo called");
    assertThat(c.system().version()).isEqualTo(2);
    assertThat(c.system().callContexts().isEmpty()).isTrue();
    assertThat(r.state().height()).isEqualTo(1);
  }

  @Test
  void aTrapRejectsWithTheCanisterErrorCodes() {
    ReplicatedState s = withTestCanisters(1);
    CanisterId a = lastCanister(s);
    IngressMessage explicit = ingress(a, "trap", bytes("boom"));
    IngressMessage wasmTrap = ingress(a, "unreachable", new byte[0]);
    RoundResult r = round(ex, s, explicit, wasmTrap);
    RequestStatus.Rejected e = rejected(status(r.state(), explicit));
    assertThat(e.rejectCode()).isEqualTo(RejectCode.CANISTER_ERROR.code());
    assertThat(e.errorCode()).contains("IC0503");
    assertThat(e.message()).contains("boom").contains(a.toString());
    RequestStatus.Rejected w = rejected(status(r.state(), wasmTrap));
    assertThat(w.rejectCode()).isEqualTo(5);
    assertThat(w.errorCode()).contains("IC0502");
    // A trap keeps the state and does not bump the version.
    assertThat(r.state().canister(a).get().system().version()).isEqualTo(1);
  }

  @Test
  void missingMethodsAndMissingOrEmptyCanistersAreRejectedWithTheirCodes() {
    ReplicatedState s = withTestCanisters(1);
    CanisterId a = lastCanister(s);
    s = create(s, T);
    CanisterId empty = lastCanister(s);
    IngressMessage missing = ingress(a, "nope", new byte[0]);
    IngressMessage noCanister = ingress(CanisterId.fromIndex(999), "echo", new byte[0]);
    IngressMessage noModule = ingress(empty, "echo", new byte[0]);
    RoundResult r = round(ex, s, missing, noCanister, noModule);
    assertThat(rejected(status(r.state(), missing)).errorCode()).contains("IC0536");
    assertThat(rejected(status(r.state(), missing)).rejectCode()).isEqualTo(5);
    assertThat(rejected(status(r.state(), noCanister)).errorCode()).contains("IC0301");
    assertThat(rejected(status(r.state(), noCanister)).rejectCode()).isEqualTo(3);
    assertThat(rejected(status(r.state(), noModule)).errorCode()).contains("IC0537");
  }

  @Test
  void stoppedAndStoppingCanistersRejectIngress() {
    ReplicatedState s = withTestCanisters(2);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = lastCanister(s);
    Canister ca = s.canister(a).get();
    s = s.withCanister(ca.withSystem(ca.system().withStatus(RunStatus.STOPPED)));
    Canister cb = s.canister(b).get();
    s = s.withCanister(cb.withSystem(cb.system().withStatus(new RunStatus.Stopping(List.of()))));
    IngressMessage toStopped = ingress(a, "echo", new byte[0]);
    IngressMessage toStopping = ingress(b, "echo", new byte[0]);
    RoundResult r = round(ex, s, toStopped, toStopping);
    assertThat(rejected(status(r.state(), toStopped)).errorCode()).contains("IC0508");
    assertThat(rejected(status(r.state(), toStopping)).errorCode()).contains("IC0509");
    // With nothing open, the stopping canister became stopped.
    assertThat(r.state().canister(b).get().system().status()).isEqualTo(RunStatus.STOPPED);
  }

  @Test
  void aCanisterThatDoesNotReplyIsAnsweredByTheSystem() {
    ReplicatedState s = withTestCanisters(1);
    IngressMessage m = ingress(lastCanister(s), "noreply", new byte[0]);
    RoundResult r = round(ex, s, m);
    RequestStatus.Rejected e = rejected(status(r.state(), m));
    assertThat(e.errorCode()).contains("IC0506");
    assertThat(e.rejectCode()).isEqualTo(5);
    assertThat(r.state().canister(lastCanister(s)).get().system().callContexts().isEmpty())
        .isTrue();
  }

  @Test
  void anExplicitRejectIsACanisterReject() {
    ReplicatedState s = withTestCanisters(1);
    IngressMessage m = ingress(lastCanister(s), "reject", bytes("no thanks"));
    RoundResult r = round(ex, s, m);
    RequestStatus.Rejected e = rejected(status(r.state(), m));
    assertThat(e.rejectCode()).isEqualTo(4);
    assertThat(e.message()).isEqualTo("no thanks");
    assertThat(e.errorCode()).contains("IC0406");
  }

  @Test
  void anInterCanisterCallIsAnsweredThroughTheCallback() {
    ReplicatedState s = withTestCanisters(2);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = lastCanister(s);
    IngressMessage m = ingress(a, "forward", forwardArg(b, "echo", 0, bytes("ping")));
    RoundResult r = round(ex, s, m);
    assertThat(reply(status(r.state(), m))).isEqualTo(bytes("ping"));
    assertThat(r.messagesExecuted()).isEqualTo(3); // forward, echo, callback
    for (Canister c : r.state().canisters().values()) {
      assertThat(c.system().callContexts().isEmpty()).isTrue();
      assertThat(c.system().inputQueues().isEmpty()).isTrue();
    }
  }

  @Test
  void rejectsPropagateToTheCallersRejectCallback() {
    ReplicatedState s = withTestCanisters(2);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = lastCanister(s);
    IngressMessage viaReject = ingress(a, "forward", forwardArg(b, "reject", 0, bytes("nope")));
    IngressMessage viaTrap = ingress(a, "forward", forwardArg(b, "trap", 0, bytes("bang")));
    IngressMessage viaMissing =
        ingress(a, "forward", forwardArg(CanisterId.fromIndex(4242), "echo", 0, new byte[0]));
    RoundResult r = round(ex, s, viaReject, viaTrap, viaMissing);
    byte[] rr = reply(status(r.state(), viaReject));
    assertThat(readLe32(rr, 0)).isEqualTo(4);
    assertThat(new String(rr, 4, rr.length - 4, StandardCharsets.UTF_8)).isEqualTo("nope");
    byte[] rt = reply(status(r.state(), viaTrap));
    assertThat(readLe32(rt, 0)).isEqualTo(5);
    assertThat(new String(rt, 4, rt.length - 4, StandardCharsets.UTF_8)).contains("bang");
    byte[] rm = reply(status(r.state(), viaMissing));
    assertThat(readLe32(rm, 0)).isEqualTo(3);
  }

  @Test
  void aTrappingCallbackRunsTheCleanupAndTheCallerGetsTheTrap() {
    ReplicatedState s = withTestCanisters(2);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = lastCanister(s);
    IngressMessage m =
        ingress(a, "forward_trap_in_callback", forwardArg(b, "echo", 0, bytes("x")));
    IngressMessage cleaned = ingress(a, "cleaned", new byte[0]);
    RoundResult r = round(ex, s, m);
    assertThat(rejected(status(r.state(), m)).errorCode()).contains("IC0502");
    RoundResult r2 = round(ex, r.state(), cleaned);
    assertThat(readLe32(reply(status(r2.state(), cleaned)), 0)).isEqualTo(1);
  }

  @Test
  void aCallbackThatDoesNotReplyLeadsToDidNotReply() {
    ReplicatedState s = withTestCanisters(2);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = lastCanister(s);
    IngressMessage m =
        ingress(a, "forward_noreply_in_callback", forwardArg(b, "echo", 0, bytes("x")));
    RoundResult r = round(ex, s, m);
    assertThat(rejected(status(r.state(), m)).errorCode()).contains("IC0506");
  }

  @Test
  void callsFromAToBRunInTheOrderASentThem() {
    ReplicatedState s = withTestCanisters(2);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = lastCanister(s);
    IngressMessage m = ingress(a, "forward_many", forwardManyArg(b, 20));
    IngressMessage log = ingress(b, "log", new byte[0]);
    RoundResult r = round(ex, s, m);
    assertThat(status(r.state(), m)).isInstanceOf(RequestStatus.Replied.class);
    RoundResult r2 = round(ex, r.state(), log);
    byte[] expected = new byte[20];
    for (int i = 0; i < 20; i++) {
      expected[i] = (byte) i;
    }
    assertThat(reply(status(r2.state(), log))).isEqualTo(expected);
    assertThat(r2.state().canister(a).get().system().callContexts().isEmpty()).isTrue();
  }

  @Test
  void aReplicatedQueryChangesNothing() {
    ReplicatedState s = withTestCanisters(1);
    CanisterId a = lastCanister(s);
    IngressMessage q = ingress(a, "q_inc", new byte[0]);
    RoundResult r = round(ex, s, q);
    assertThat(readLe64(reply(status(r.state(), q)), 0)).isEqualTo(1);
    IngressMessage get = ingress(a, "get", new byte[0]);
    RoundResult r2 = round(ex, r.state(), get);
    assertThat(readLe64(reply(status(r2.state(), get)), 0)).isZero();
    assertThat(r2.state().canister(a).get().system().version()).isEqualTo(1);
  }

  @Test
  void aDueGlobalTimerRunsOnceAndIsReset() {
    ReplicatedState s = withTestCanisters(1);
    CanisterId a = lastCanister(s);
    long due = s.batchTimeNs() + 2 * ExecutionTestSupport.SECOND_NS;
    IngressMessage set = ingress(a, "set_timer", le64(due));
    RoundResult r1 = round(ex, s, set); // time +1 s: not due yet
    assertThat(r1.state().canister(a).get().globalTimerNs()).isEqualTo(due);
    RoundResult r2 = round(ex, r1.state()); // +2 s: due
    RoundResult r3 = round(ex, r2.state());
    IngressMessage count = ingress(a, "timer_count", new byte[0]);
    RoundResult r4 = round(ex, r3.state(), count);
    assertThat(readLe32(reply(status(r4.state(), count)), 0)).isEqualTo(1);
    assertThat(r4.state().canister(a).get().globalTimerNs()).isZero();
  }

  @Test
  void duplicateIngressIsInductedOnce() {
    ReplicatedState s = withTestCanisters(1);
    CanisterId a = lastCanister(s);
    IngressMessage inc = ingress(a, "inc", new byte[0]);
    RoundResult r = round(ex, s, inc, inc);
    RoundResult r2 = round(ex, r.state(), inc);
    assertThat(readLe64(reply(status(r2.state(), inc)), 0)).isEqualTo(1);
    assertThat(r2.state().canister(a).get().system().version()).isEqualTo(2);
  }

  @Test
  void managementCallsGoToTheManagementCanisterSeam() {
    ReplicatedState s = withTestCanisters(1);
    CanisterId a = lastCanister(s);
    IngressMessage raw = ingress(CanisterId.MANAGEMENT, "raw_rand", new byte[0]);
    IngressMessage viaCanister = ingress(a, "forward",
        forwardArg(CanisterId.MANAGEMENT, "no_such_method", 0, new byte[0]));
    RoundResult r = round(ex, s, raw, viaCanister);
    RequestStatus.Rejected e = rejected(status(r.state(), raw));
    assertThat(e.errorCode()).contains("IC0407");
    byte[] rv = reply(status(r.state(), viaCanister));
    assertThat(readLe32(rv, 0)).isEqualTo(4);
    assertThat(new String(rv, 4, rv.length - 4, StandardCharsets.UTF_8))
        .contains("no_such_method");
    assertThat(r.managementCallsExecuted()).isEqualTo(2);
    assertThat(Arrays.asList(r.state().managementQueue().toArray())).isEmpty();
    assertThat(Optional.of(r.leftoverMessages())).contains(0);
  }
}
