package dev.canopy.wasm;

import static dev.canopy.wasm.MotokoCanisterTest.NO_ARGS;
import static dev.canopy.wasm.MotokoCanisterTest.candid;
import static dev.canopy.wasm.WasmTestSupport.USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.RejectCode;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.CanisterInput.Response;
import dev.canopy.wasm.CanisterInput.ResponseContent;
import dev.canopy.wasm.CanisterInput.SystemTask;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.ExecutionResult.OutgoingCall;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import dev.canopy.wasm.WasmEngine.UpgradeArgs;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Motoko timer canister driven through {@code canister_global_timer} the way the round
 * executor schedules it (spec "Global timer"): when the batch time reaches the timer, the timer is
 * set to 0 and the hook runs; Motoko then runs each expired job as a call to itself, which a small
 * router here delivers, and sets the timer again. Time comes only from the environment.
 */
class MotokoTimerTest {
  static final CanisterId ID = CanisterId.fromIndex(200);
  static final long SECOND_NS = 1_000_000_000L;
  static final long START_NS = WasmTestSupport.TIME_NS;
  /** Bound on the calls one timer run may cause, so a runaway canister fails the test. */
  static final int MAX_STEPS_PER_RUN = 100;

  WasmEngine engine;
  CanisterModule module;
  CanisterState state;
  long nowNs;
  long version = 1;
  int timerRuns;

  ExecutionEnvironment env() {
    ExecutionEnvironment e = WasmTestSupport.env();
    return new ExecutionEnvironment(ID, e.subnetId(), 13, e.controllers(), e.status(), version,
        e.balanceCycles(), e.freezingLimitCycles(), e.reservedBalanceCycles(), nowNs,
        e.rootKey(), e.environmentVariables());
  }

  @BeforeEach
  void install() throws IOException {
    engine = WasmTestSupport.sharedEngine();
    try (InputStream in = getClass().getResourceAsStream("/motoko/timer.wasm")) {
      module = engine.load(in.readAllBytes());
    }
    nowNs = START_NS;
    ExecutionResult r = engine.install(module, new InstallArgs(NO_ARGS, USER), env());
    assertThat(r.trap()).isEmpty();
    state = r.state();
  }

  @Test
  void theRecurringTimerIsSetAtInstallAndTicksOncePerSecond() {
    assertThat(state.globalTimerNs()).as("timer armed by install").isEqualTo(START_NS + SECOND_NS);
    assertThat(ticks()).isZero();
    advanceTo(START_NS + SECOND_NS - 1);
    assertThat(timerRuns).as("not due yet").isZero();
    assertThat(ticks()).isZero();
    for (int s = 1; s <= 5; s++) {
      advanceTo(START_NS + s * SECOND_NS);
      assertThat(ticks()).as("after %d s", s).isEqualTo(s);
      assertThat(state.globalTimerNs()).as("re-armed after %d s", s)
          .isEqualTo(START_NS + (s + 1) * SECOND_NS);
    }
  }

  @Test
  void aOneShotTimerFiresOnceWhenDue() {
    advanceTo(START_NS + SECOND_NS);
    nowNs += SECOND_NS / 2;
    ExecutionResult set = update("setOneShot", candid("nat", "(3)"));
    assertThat(set.response()).containsInstanceOf(CallResponse.Reply.class);
    long setAtNs = nowNs;
    assertThat(oneShots()).isZero();
    advanceTo(setAtNs + 3 * SECOND_NS - 1);
    assertThat(oneShots()).as("one nanosecond early").isZero();
    advanceTo(setAtNs + 3 * SECOND_NS);
    assertThat(oneShots()).isEqualTo(1);
    advanceTo(setAtNs + 10 * SECOND_NS);
    assertThat(oneShots()).as("a one-shot fires once").isEqualTo(1);
    assertThat(ticks()).as("the recurring timer kept going").isGreaterThanOrEqualTo(4);
  }

  @Test
  void stopRecurringStopsTheTicksAndAnUpgradeStartsThemAgain() {
    advanceTo(START_NS + 2 * SECOND_NS);
    assertThat(ticks()).isEqualTo(2);
    assertThat(update("stopRecurring", NO_ARGS).response())
        .containsInstanceOf(CallResponse.Reply.class);
    advanceTo(START_NS + 10 * SECOND_NS);
    assertThat(ticks()).as("stopped").isEqualTo(2);

    // Note: spec "Global timer": an upgrade deactivates the timer; the actor body sets it again.
    ExecutionResult up = engine.upgrade(module, state, module,
        new UpgradeArgs(NO_ARGS, USER, false, ++version), env());
    assertThat(up.trap()).isEmpty();
    state = up.state();
    assertThat(state.globalTimerNs()).isEqualTo(nowNs + SECOND_NS);
    assertThat(ticks()).as("ticks are a stable variable").isEqualTo(2);
    long upgradedAtNs = nowNs;
    for (int s = 1; s <= 3; s++) {
      advanceTo(upgradedAtNs + s * SECOND_NS);
    }
    assertThat(ticks()).isEqualTo(5);
  }

  // ---- the scheduler's part

  /**
   * Moves the batch time to {@code timeNs}, running the timer hook at each due moment in between
   * as consecutive rounds would, with the calls it makes.
   */
  void advanceTo(long timeNs) {
    while (state.globalTimerNs() != 0 && state.globalTimerNs() <= timeNs) {
      nowNs = Math.max(nowNs, state.globalTimerNs());
      runDueTimer();
    }
    nowNs = timeNs;
  }

  private void runDueTimer() {
    state = state.withGlobalTimerNs(0);
    ExecutionResult r = engine.execute(module, state, new SystemTask(SystemTask.Task.GLOBAL_TIMER),
        env());
    assertThat(r.trap()).as("canister_global_timer").isEmpty();
    timerRuns++;
    state = r.state();
    ArrayDeque<OutgoingCall> queue = new ArrayDeque<>(r.calls());
    int steps = 0;
    while (!queue.isEmpty()) {
      assertThat(steps++).as("calls caused by one timer run").isLessThan(MAX_STEPS_PER_RUN);
      OutgoingCall call = queue.poll();
      assertThat(call.callee()).as("Motoko runs timer jobs as self-calls").isEqualTo(self());
      MethodKind kind = module.methodKind(call.method()).orElseThrow();
      ExecutionResult callee = engine.execute(module, state, new MethodCall(kind, call.method(),
          call.payload(), self(), call.cycles(), true, Optional.empty(), 0, 0,
          CanisterInput.CallerInfo.NONE), env());
      ResponseContent content;
      if (callee.trapped()) {
        content = new ResponseContent.Reject(RejectCode.CANISTER_ERROR,
            callee.trap().get().message());
      } else {
        state = callee.state();
        queue.addAll(callee.calls());
        content = callee.response().orElseThrow() instanceof CallResponse.Reply reply
            ? new ResponseContent.Reply(reply.payload())
            : new ResponseContent.Reject(RejectCode.CANISTER_REJECT,
                ((CallResponse.Reject) callee.response().get()).message());
      }
      ExecutionResult callback = engine.execute(module, state, new Response(call.callback(),
          content, BigInteger.ZERO, Principal.MANAGEMENT_CANISTER, BigInteger.ZERO, true, false,
          0, 0), env());
      assertThat(callback.trap()).as("callback of %s", call.method()).isEmpty();
      state = callback.state();
      queue.addAll(callback.calls());
    }
  }

  // ---- helpers

  Principal self() {
    return ID.principal();
  }

  ExecutionResult update(String method, byte[] arg) {
    ExecutionResult r = engine.execute(module, state, MethodCall.update(method, arg, USER), env());
    assertThat(r.trap()).as(method).isEmpty();
    state = r.state();
    return r;
  }

  long ticks() {
    return queryNat("get");
  }

  long oneShots() {
    return queryNat("oneShots");
  }

  long queryNat(String method) {
    ExecutionResult r = engine.execute(module, state, MethodCall.query(method, NO_ARGS, USER),
        env());
    CandidArgs reply = CandidArgs.decode(MotokoCanisterTest.reply(r));
    assertThat(reply.size()).isEqualTo(1);
    return ((CandidValue.Nat) reply.get(0)).value().longValueExact();
  }
}
