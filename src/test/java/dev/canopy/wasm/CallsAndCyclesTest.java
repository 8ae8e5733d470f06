package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.BALANCE;
import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static dev.canopy.wasm.WasmTestSupport.readLe32;
import static dev.canopy.wasm.WasmTestSupport.readLe64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.ErrorCode;
import dev.canopy.types.Principal;
import dev.canopy.types.RejectCode;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.CanisterInput.Response;
import dev.canopy.wasm.CanisterInput.ResponseContent;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.ExecutionResult.OutgoingCall;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Outgoing calls, callbacks by table index, cleanup, and cycles (spec "Inter-canister method calls", "Cycles"). */
class CallsAndCyclesTest {
  static final Principal CALLEE = Principal.fromBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 9, 1, 1});

  static final String MODULE =
      """
      (module
        (import "ic0" "msg_reply" (func $reply))
        (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
        (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
        (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
        (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
        (import "ic0" "msg_reject_msg_size" (func $reject_msg_size (result i32)))
        (import "ic0" "msg_reject_msg_copy" (func $reject_msg_copy (param i32 i32 i32)))
        (import "ic0" "msg_cycles_available128" (func $available128 (param i32)))
        (import "ic0" "msg_cycles_accept128" (func $accept128 (param i64 i64 i32)))
        (import "ic0" "msg_cycles_refunded128" (func $refunded128 (param i32)))
        (import "ic0" "cycles_burn128" (func $burn128 (param i64 i64 i32)))
        (import "ic0" "canister_cycle_balance128" (func $balance128 (param i32)))
        (import "ic0" "canister_liquid_cycle_balance128" (func $liquid128 (param i32)))
        (import "ic0" "msg_cycles_available" (func $available64 (result i64)))
        (import "ic0" "msg_cycles_accept" (func $accept64 (param i64) (result i64)))
        (import "ic0" "canister_cycle_balance" (func $balance64 (result i64)))
        (import "ic0" "call_cycles_add" (func $add64 (param i64)))
        (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
        (import "ic0" "call_data_append" (func $call_append (param i32 i32)))
        (import "ic0" "call_cycles_add128" (func $add128 (param i64 i64)))
        (import "ic0" "call_on_cleanup" (func $on_cleanup (param i32 i32)))
        (import "ic0" "call_with_best_effort_response" (func $best_effort (param i32)))
        (import "ic0" "call_perform" (func $perform (result i32)))
        (memory 1)
        (table 4 funcref)
        (elem (i32.const 0) $on_reply $on_reject $cleanup_cb $not_a_callback)
        (global $cleaned (mut i32) (i32.const 0))
        (data (i32.const 1000) "\\00\\00\\00\\00\\00\\00\\00\\09\\01\\01")
        (data (i32.const 1100) "method")
        (data (i32.const 1200) "payload")
        (func $reply_bytes (param i32 i32) (call $append (local.get 0) (local.get 1)) (call $reply))
        (func $new_call
          (call $call_new (i32.const 1000) (i32.const 10) (i32.const 1100) (i32.const 6)
            (i32.const 0) (i32.const 11) (i32.const 1) (i32.const 22)))
        ;; arg: u64 max; replies accepted128 ++ available128
        (func (export "canister_update accept")
          (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8))
          (call $accept128 (i64.const 0) (i64.load (i32.const 0)) (i32.const 16))
          (call $available128 (i32.const 32))
          (call $reply_bytes (i32.const 16) (i32.const 32)))
        (func (export "canister_update accept64")
          (i64.store (i32.const 16) (call $accept64 (i64.const 5)))
          (i64.store (i32.const 24) (call $available64))
          (call $reply_bytes (i32.const 16) (i32.const 16)))
        (func (export "canister_update balance")
          (call $balance128 (i32.const 16)) (call $liquid128 (i32.const 32))
          (i64.store (i32.const 48) (call $balance64))
          (call $reply_bytes (i32.const 16) (i32.const 40)))
        ;; arg: u64 amount to burn
        (func (export "canister_update burn")
          (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8))
          (call $burn128 (i64.const 0) (i64.load (i32.const 0)) (i32.const 16))
          (call $reply_bytes (i32.const 16) (i32.const 16)))
        ;; arg: u64 cycles to attach; replies the err code of call_perform
        (func (export "canister_update call")
          (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8))
          (call $new_call)
          (call $call_append (i32.const 1200) (i32.const 7))
          (call $add128 (i64.const 0) (i64.load (i32.const 0)))
          (call $on_cleanup (i32.const 2) (i32.const 33))
          (call $best_effort (i32.const 100000))
          (i32.store (i32.const 16) (call $perform))
          (call $reply_bytes (i32.const 16) (i32.const 4)))
        (func (export "canister_update call_then_trap")
          (call $new_call) (drop (call $perform)) unreachable)
        (func (export "canister_update call_new_twice")
          (call $new_call) (call $add64 (i64.const 500))
          (call $new_call) (drop (call $perform)) (call $reply))
        (func (export "canister_update call_without_perform")
          (call $new_call) (call $add128 (i64.const 0) (i64.const 700))
          (call $balance128 (i32.const 16)) (call $reply_bytes (i32.const 16) (i32.const 16)))
        (func (export "canister_update add_too_much")
          (call $new_call) (call $add128 (i64.const 1) (i64.const 0)) (call $reply))
        (func (export "canister_update add_without_call")
          (call $add128 (i64.const 0) (i64.const 1)) (call $reply))
        (func (export "canister_update cleanup_twice")
          (call $new_call) (call $on_cleanup (i32.const 2) (i32.const 1))
          (call $on_cleanup (i32.const 2) (i32.const 1)))
        (func (export "canister_update perform_twice")
          (call $new_call) (drop (call $perform)) (drop (call $perform)))
        (func (export "canister_composite_query cq_call")
          (call $new_call) (i32.store (i32.const 16) (call $perform))
          (call $reply_bytes (i32.const 16) (i32.const 4)))
        (func (export "canister_composite_query cq_add_cycles")
          (call $new_call) (call $add128 (i64.const 0) (i64.const 1)) (call $reply))
        (func (export "canister_query cleaned")
          (i32.store (i32.const 16) (global.get $cleaned)) (call $reply_bytes (i32.const 16) (i32.const 4)))
        ;; Reply callback: replies env ++ refunded128 ++ the reply payload; traps when env is 99.
        (func $on_reply (param $env i32)
          (if (i32.eq (local.get $env) (i32.const 99)) (then (global.set $cleaned (i32.const -1)) unreachable))
          (i32.store (i32.const 16) (local.get $env))
          (call $refunded128 (i32.const 20))
          (call $arg_copy (i32.const 36) (i32.const 0) (call $arg_size))
          (call $reply_bytes (i32.const 16) (i32.add (i32.const 20) (call $arg_size))))
        ;; Reject callback: replies env ++ reject code ++ reject message.
        (func $on_reject (param $env i32)
          (i32.store (i32.const 16) (local.get $env))
          (i32.store (i32.const 20) (call $reject_code))
          (call $reject_msg_copy (i32.const 24) (i32.const 0) (call $reject_msg_size))
          (call $reply_bytes (i32.const 16) (i32.add (i32.const 8) (call $reject_msg_size))))
        (func $cleanup_cb (param $env i32) (global.set $cleaned (local.get $env)))
        (func $not_a_callback (param i64))
      )
      """;

  static WasmEngine engine;
  static CanisterModule module;
  static CanisterState state;

  @BeforeAll
  static void install() {
    engine = WasmTestSupport.engine();
    module = engine.load(WasmTestSupport.wasm(MODULE));
    state = engine.install(module, new InstallArgs(new byte[0], USER), env()).state();
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static ExecutionResult call(String method, byte[] arg, BigInteger cycles) {
    return engine.execute(module, state,
        MethodCall.update(method, arg, USER).withCycles(cycles), env());
  }

  static byte[] reply(ExecutionResult r) {
    assertThat(r.trap()).isEmpty();
    assertThat(r.response()).containsInstanceOf(CallResponse.Reply.class);
    return ((CallResponse.Reply) r.response().get()).payload();
  }

  static byte[] le64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  static BigInteger u128(byte[] b, int offset) {
    return WasmTestSupport.readLe128(Arrays.copyOfRange(b, offset, offset + 16));
  }

  static BigInteger reservation() {
    return CyclesCosts.internetComputerDefaults().responseReservation();
  }

  @Test
  void acceptingMovesCyclesAndTheRestIsRefundedOnReply() {
    ExecutionResult r = call("accept", le64(300), BigInteger.valueOf(1000));
    byte[] b = reply(r);
    assertThat(u128(b, 0)).isEqualTo(300);
    assertThat(u128(b, 16)).isEqualTo(700);
    assertThat(r.cyclesAccepted()).isEqualTo(300);
    assertThat(((CallResponse.Reply) r.response().get()).refundCycles()).isEqualTo(700);
    assertThat(r.balanceCycles()).isEqualTo(BALANCE.add(BigInteger.valueOf(300)));
    // Never more than available.
    assertThat(u128(reply(call("accept", le64(5000), BigInteger.valueOf(1000))), 0))
        .isEqualTo(1000);
  }

  @Test
  void the64BitVariantsWork() {
    byte[] b = reply(call("accept64", new byte[0], BigInteger.valueOf(12)));
    assertThat(readLe64(b, 0)).isEqualTo(5);
    assertThat(readLe64(b, 8)).isEqualTo(7);
    byte[] bal = reply(call("balance", new byte[0], BigInteger.ZERO));
    assertThat(u128(bal, 0)).isEqualTo(BALANCE);
    assertThat(u128(bal, 16)).isEqualTo(BALANCE.subtract(BigInteger.valueOf(1_000_000)));
    assertThat(readLe64(bal, 32)).isEqualTo(BALANCE.longValueExact());
  }

  @Test
  void burningIsBoundedByTheLiquidBalance() {
    ExecutionResult r = call("burn", le64(1234), BigInteger.ZERO);
    assertThat(u128(reply(r), 0)).isEqualTo(1234);
    assertThat(r.cyclesBurned()).isEqualTo(1234);
    assertThat(r.balanceCycles()).isEqualTo(BALANCE.subtract(BigInteger.valueOf(1234)));
    ExecutionResult all = call("burn", le64(Long.MAX_VALUE), BigInteger.ZERO);
    assertThat(all.cyclesBurned()).isEqualTo(BALANCE.subtract(BigInteger.valueOf(1_000_000)));
  }

  @Test
  void aPerformedCallIsSentWithItsCallbacksAndCycles() {
    ExecutionResult r = call("call", le64(5000), BigInteger.ZERO);
    assertThat(readLe32(reply(r))).isZero();
    assertThat(r.calls()).hasSize(1);
    OutgoingCall c = r.calls().get(0);
    assertThat(c.callee()).isEqualTo(CALLEE);
    assertThat(c.method()).isEqualTo("method");
    assertThat(c.payload()).isEqualTo("payload".getBytes(StandardCharsets.UTF_8));
    assertThat(c.cycles()).isEqualTo(5000);
    assertThat(c.reservedCycles()).isEqualTo(reservation());
    assertThat(c.callback()).isEqualTo(
        new Callback(0, 11, 1, 22, java.util.Optional.of(new Callback.Cleanup(2, 33))));
    assertThat(c.timeoutSeconds()).hasValue(300);
    assertThat(r.balanceCycles())
        .isEqualTo(BALANCE.subtract(BigInteger.valueOf(5000)).subtract(reservation()));
  }

  @Test
  void aCallPerformedBeforeATrapIsNotSent() {
    ExecutionResult r = call("call_then_trap", new byte[0], BigInteger.ZERO);
    assertThat(r.trap()).isPresent();
    assertThat(r.calls()).isEmpty();
    assertThat(r.balanceCycles()).isEqualTo(BALANCE);
  }

  @Test
  void callNewDiscardsThePendingCallAndReturnsItsCycles() {
    ExecutionResult r = call("call_new_twice", new byte[0], BigInteger.ZERO);
    assertThat(r.calls()).singleElement().satisfies(c -> assertThat(c.cycles()).isZero());
    assertThat(r.balanceCycles()).isEqualTo(BALANCE.subtract(reservation()));
    ExecutionResult unperformed = call("call_without_perform", new byte[0], BigInteger.ZERO);
    assertThat(u128(reply(unperformed), 0)).isEqualTo(BALANCE.subtract(BigInteger.valueOf(700)));
    assertThat(unperformed.calls()).isEmpty();
    assertThat(unperformed.balanceCycles()).isEqualTo(BALANCE);
  }

  @Test
  void callBuilderMisuseTraps() {
    assertThat(call("add_too_much", new byte[0], BigInteger.ZERO).trap().get().code())
        .isEqualTo(ErrorCode.CANISTER_OUT_OF_CYCLES);
    assertThat(call("add_without_call", new byte[0], BigInteger.ZERO).trap().get().code())
        .isEqualTo(ErrorCode.CANISTER_CONTRACT_VIOLATION);
    assertThat(call("cleanup_twice", new byte[0], BigInteger.ZERO).trap().get().message())
        .contains("once per call");
    assertThat(call("perform_twice", new byte[0], BigInteger.ZERO).trap().get().message())
        .contains("without a call under construction");
  }

  @Test
  void callPerformFailsWithCode2WhenTheBalanceCannotCoverTheResponse() {
    ExecutionEnvironment poor = env().withBalance(BigInteger.valueOf(1_000_000 + 10_000));
    ExecutionResult r = engine.execute(module, state,
        MethodCall.update("call", le64(5000), USER), poor);
    assertThat(readLe32(reply(r))).isEqualTo(2);
    assertThat(r.calls()).isEmpty();
    assertThat(r.balanceCycles()).isEqualTo(BigInteger.valueOf(1_010_000));
  }

  static Response response(Callback cb, ResponseContent content, BigInteger refund) {
    return new Response(cb, content, refund, USER, BigInteger.ZERO, false, false, 0, 0);
  }

  @Test
  void theReplyCallbackRunsByTableIndexWithItsEnvAndSeesTheReply() {
    Callback cb = new Callback(0, 11, 1, 22, java.util.Optional.empty());
    ExecutionResult r = engine.execute(module, state,
        response(cb, new ResponseContent.Reply(new byte[] {4, 5}), BigInteger.valueOf(66)), env());
    byte[] b = reply(r);
    assertThat(readLe32(b)).isEqualTo(11);
    assertThat(u128(b, 4)).isEqualTo(66);
    assertThat(Arrays.copyOfRange(b, 20, 22)).containsExactly(4, 5);
  }

  @Test
  void theRejectCallbackSeesTheRejectCodeAndMessage() {
    Callback cb = new Callback(0, 11, 1, 22, java.util.Optional.empty());
    ExecutionResult r = engine.execute(module, state,
        response(cb, new ResponseContent.Reject(RejectCode.CANISTER_REJECT, "no"), BigInteger.ZERO),
        env());
    byte[] b = reply(r);
    assertThat(readLe32(b)).isEqualTo(22);
    assertThat(readLe32(Arrays.copyOfRange(b, 4, 8))).isEqualTo(4);
    assertThat(new String(Arrays.copyOfRange(b, 8, b.length), StandardCharsets.UTF_8))
        .isEqualTo("no");
  }

  @Test
  void aCallbackCannotReplyToAnAnsweredCallContext() {
    Callback cb = new Callback(0, 11, 1, 22, java.util.Optional.empty());
    Response answered = new Response(cb, new ResponseContent.Reply(new byte[0]), BigInteger.ZERO,
        USER, BigInteger.ZERO, true, false, 0, 0);
    ExecutionResult r = engine.execute(module, state, answered, env());
    assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_CONTRACT_VIOLATION);
  }

  @Test
  void aTrappingCallbackRunsTheCleanupWhoseChangesAreKept() {
    Callback cb = new Callback(0, 99, 1, 22, java.util.Optional.of(new Callback.Cleanup(2, 33)));
    ExecutionResult r = engine.execute(module, state,
        response(cb, new ResponseContent.Reply(new byte[0]), BigInteger.ZERO), env());
    assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_TRAPPED);
    assertThat(r.cleanupTrap()).isEmpty();
    assertThat(r.response()).isEmpty();
    ExecutionResult cleaned = engine.execute(module, r.state(),
        MethodCall.query("cleaned", new byte[0], USER), env());
    // The callback's own write (-1) was dropped; the cleanup's (33) was kept.
    assertThat(readLe32(reply(cleaned))).isEqualTo(33);
  }

  @Test
  void aCompositeQueryMayCallButNotAttachCycles() {
    MethodCall cq = new MethodCall(MethodKind.COMPOSITE_QUERY, "cq_call", new byte[0], USER,
        BigInteger.ZERO, false, java.util.Optional.empty(), 0, 0, CanisterInput.CallerInfo.NONE);
    ExecutionResult r = engine.execute(module, state, cq, env());
    assertThat(readLe32(reply(r))).isZero();
    assertThat(r.calls()).singleElement()
        .satisfies(c -> assertThat(c.method()).isEqualTo("method"));
    MethodCall add = new MethodCall(MethodKind.COMPOSITE_QUERY, "cq_add_cycles", new byte[0], USER,
        BigInteger.ZERO, false, java.util.Optional.empty(), 0, 0, CanisterInput.CallerInfo.NONE);
    assertThat(engine.execute(module, state, add, env()).trap().get().message())
        .contains("\"ic0_call_cycles_add128\" cannot be executed in composite query mode");
    MethodCall replicated = new MethodCall(MethodKind.COMPOSITE_QUERY, "cq_call", new byte[0],
        USER, BigInteger.ZERO, true, java.util.Optional.empty(), 0, 0,
        CanisterInput.CallerInfo.NONE);
    ExecutionResult refused = engine.execute(module, state, replicated, env());
    assertThat(refused.trap().get().code())
        .isEqualTo(ErrorCode.COMPOSITE_QUERY_CALLED_IN_REPLICATED_MODE);
    assertThat(refused.trap().get().code().text()).isEqualTo("IC0527");
  }

  @Test
  void aCompositeCallbackRunsInItsOwnContext() {
    Callback cb = new Callback(0, 11, 1, 22, java.util.Optional.empty());
    Response composite = new Response(cb, new ResponseContent.Reply(new byte[] {9}),
        BigInteger.ZERO, USER, BigInteger.ZERO, false, true, 0, 0);
    // The reply callback reads msg_cycles_refunded128, which composite callbacks may not call.
    ExecutionResult r = engine.execute(module, state, composite, env());
    assertThat(r.trap().get().message())
        .contains("cannot be executed in composite reply callback mode");
  }

  @Test
  void aCallbackAtABadTableIndexTraps() {
    ExecutionResult outOfTable = engine.execute(module, state,
        response(new Callback(17, 0, 1, 0, java.util.Optional.empty()),
            new ResponseContent.Reply(new byte[0]), BigInteger.ZERO), env());
    assertThat(outOfTable.trap().get().message()).contains("out of bounds");
    ExecutionResult wrongType = engine.execute(module, state,
        response(new Callback(3, 0, 1, 0, java.util.Optional.empty()),
            new ResponseContent.Reply(new byte[0]), BigInteger.ZERO), env());
    assertThat(wrongType.trap().get().message()).contains("not (i32) -> ()");
  }
}
