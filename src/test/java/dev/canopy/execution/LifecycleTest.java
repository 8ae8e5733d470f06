package dev.canopy.execution;

import static dev.canopy.execution.ExecutionTestSupport.T;
import static dev.canopy.execution.ExecutionTestSupport.createAndInstall;
import static dev.canopy.execution.ExecutionTestSupport.engine;
import static dev.canopy.execution.ExecutionTestSupport.forwardArg;
import static dev.canopy.execution.ExecutionTestSupport.genesis;
import static dev.canopy.execution.ExecutionTestSupport.ingress;
import static dev.canopy.execution.ExecutionTestSupport.readLe32;
import static dev.canopy.execution.ExecutionTestSupport.readLe64;
import static dev.canopy.execution.ExecutionTestSupport.round;
import static dev.canopy.execution.ExecutionTestSupport.status;
import static dev.canopy.execution.ExecutionTestSupport.testCanister;
import static dev.canopy.execution.ExecutionTestSupport.wat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.state.RequestStatus;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stopping with pending stop calls, uninstalling with open calls, heartbeats. */
class LifecycleTest {
  /**
   * A stand-in management canister for these tests only: "stop" and "uninstall" take the raw
   * canister id bytes as argument (the real one decodes Candid).
   */
  static final ManagementCanister TEST_MANAGEMENT = (state, call, ctx) -> {
    CanisterId id = CanisterId.fromBytes(call.argument());
    Canister c = state.canister(id).orElseThrow();
    switch (call.method()) {
      case "stop" -> {
        RunStatus.Stopping stopping = new RunStatus.Stopping(
            List.of(new RunStatus.PendingStop(call.origin(), call.cycles())));
        return ManagementOutcome.pending(
            state.withCanister(c.withSystem(c.system().withStatus(stopping))));
      }
      case "uninstall" -> {
        Lifecycle.Change ch = Lifecycle.uninstall(state, id);
        return ManagementOutcome.reply(ch.state(), Lifecycle.EMPTY_CANDID_REPLY, BigInteger.ZERO)
            .withOtherResponses(ch.responses());
      }
      default -> {
        return ManagementCanister.unsupported(state, call);
      }
    }
  };

  @Test
  void stopWaitsForOpenCallContextsAndIsAnsweredWhenTheCanisterStops() {
    ReplicatedState s = genesis();
    s = createAndInstall(s, testCanister(), T);
    s = createAndInstall(s, testCanister(), T);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = s.canisters().lastKey();
    RoundExecutor oneMessagePerRound = RoundExecutor.builder().withEngine(engine())
        .withFees(CyclesFees.free()).withManagementCanister(TEST_MANAGEMENT)
        .withLimits(RoundLimits.defaults().withInstructionsPerRound(1)).build();
    IngressMessage call = ingress(a, "forward", forwardArg(b, "echo", 0, new byte[] {7}));
    RoundResult r1 = round(oneMessagePerRound, s, call);
    assertThat(r1.state().canister(a).get().system().callContexts().hasOpenContexts()).isTrue();

    IngressMessage stop = ingress(CanisterId.MANAGEMENT, "stop", a.toBytes());
    RoundResult r2 = round(oneMessagePerRound, r1.state(), stop);
    assertThat(r2.state().canister(a).get().system().status())
        .isInstanceOf(RunStatus.Stopping.class);
    assertThat(status(r2.state(), stop)).isInstanceOf(RequestStatus.Processing.class);
    IngressMessage late = ingress(a, "echo", new byte[0]);
    RoundResult r3 = round(oneMessagePerRound, r2.state(), late);
    assertThat(((RequestStatus.Rejected) status(r3.state(), late)).errorCode()).contains("IC0509");

    RoundExecutor unlimited = RoundExecutor.builder().withEngine(engine())
        .withFees(CyclesFees.free()).withManagementCanister(TEST_MANAGEMENT).build();
    RoundResult r4 = round(unlimited, r3.state());
    // The open call finished (responses are processed while stopping), then a stopped.
    assertThat(((RequestStatus.Replied) status(r4.state(), call)).reply()).containsExactly(7);
    assertThat(r4.state().canister(a).get().system().status()).isEqualTo(RunStatus.STOPPED);
    assertThat(((RequestStatus.Replied) status(r4.state(), stop)).reply())
        .isEqualTo(Lifecycle.EMPTY_CANDID_REPLY);
  }

  @Test
  void uninstallRejectsCallsTheCanisterHasNotAnswered() {
    ReplicatedState s = genesis();
    s = createAndInstall(s, testCanister(), T);
    s = createAndInstall(s, testCanister(), T);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = s.canisters().lastKey();
    RoundExecutor oneMessagePerRound = RoundExecutor.builder().withEngine(engine())
        .withFees(CyclesFees.free()).withManagementCanister(TEST_MANAGEMENT)
        .withLimits(RoundLimits.defaults().withInstructionsPerRound(1)).build();
    IngressMessage call = ingress(a, "forward", forwardArg(b, "echo", 0, new byte[] {1}));
    RoundResult r1 = round(oneMessagePerRound, s, call);
    // b has a's request queued; uninstalling b rejects it, and a's reject callback answers.
    IngressMessage uninstall = ingress(CanisterId.MANAGEMENT, "uninstall", b.toBytes());
    RoundExecutor unlimited = RoundExecutor.builder().withEngine(engine())
        .withFees(CyclesFees.free()).withManagementCanister(TEST_MANAGEMENT).build();
    RoundResult r2 = round(unlimited, r1.state(), uninstall);
    assertThat(status(r2.state(), uninstall)).isInstanceOf(RequestStatus.Replied.class);
    byte[] reply = ((RequestStatus.Replied) status(r2.state(), call)).reply();
    assertThat(readLe32(reply, 0)).isEqualTo(4);
    assertThat(r2.state().canister(b).get().isEmpty()).isTrue();
    IngressMessage toEmpty = ingress(b, "echo", new byte[0]);
    RoundResult r3 = round(unlimited, r2.state(), toEmpty);
    assertThat(((RequestStatus.Rejected) status(r3.state(), toEmpty)).errorCode())
        .contains(ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND.text());
  }

  @Test
  void heartbeatsRunOncePerRound() {
    byte[] heartbeat = wat("""
        (module
          (import "ic0" "msg_reply" (func $reply))
          (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
          (memory 1)
          (func (export "canister_heartbeat")
            (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1))))
          (func (export "canister_update beats")
            (call $append (i32.const 0) (i32.const 8)) (call $reply)))
        """);
    ReplicatedState s = createAndInstall(genesis(), heartbeat, T);
    CanisterId id = s.canisters().lastKey();
    RoundExecutor ex = ExecutionTestSupport.executor();
    for (int i = 0; i < 3; i++) {
      s = round(ex, s).state();
    }
    IngressMessage beats = ingress(id, "beats", new byte[0]);
    RoundResult r = round(ex, s, beats);
    // Three rounds, then the fourth runs its heartbeat before the ingress message.
    assertThat(readLe64(((RequestStatus.Replied) status(r.state(), beats)).reply(), 0))
        .isEqualTo(4);
  }
}
