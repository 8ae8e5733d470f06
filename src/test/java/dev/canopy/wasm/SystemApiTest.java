package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.CONTROLLER;
import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static dev.canopy.wasm.WasmTestSupport.readLe32;
import static dev.canopy.wasm.WasmTestSupport.readLe64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.ErrorCode;
import dev.canopy.wasm.CanisterInput.InspectMessage;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.CanisterInput.SystemTask;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** System API imports: their semantics and the contexts they may be called from (spec §System API). */
class SystemApiTest {
  static final String PROBE =
      """
      (module
        (import "ic0" "msg_reply" (func $reply))
        (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
        (import "ic0" "msg_reject" (func $reject (param i32 i32)))
        (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
        (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
        (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
        (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
        (import "ic0" "canister_self_size" (func $self_size (result i32)))
        (import "ic0" "canister_self_copy" (func $self_copy (param i32 i32 i32)))
        (import "ic0" "time" (func $time (result i64)))
        (import "ic0" "canister_version" (func $version (result i64)))
        (import "ic0" "canister_status" (func $status (result i32)))
        (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
        (import "ic0" "in_replicated_execution" (func $replicated (result i32)))
        (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
        (import "ic0" "data_certificate_present" (func $cert_present (result i32)))
        (import "ic0" "data_certificate_size" (func $cert_size (result i32)))
        (import "ic0" "data_certificate_copy" (func $cert_copy (param i32 i32 i32)))
        (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
        (import "ic0" "performance_counter" (func $perf (param i32) (result i64)))
        (import "ic0" "accept_message" (func $accept_message))
        (import "ic0" "msg_method_name_size" (func $method_size (result i32)))
        (import "ic0" "msg_method_name_copy" (func $method_copy (param i32 i32 i32)))
        (import "ic0" "subnet_self_size" (func $subnet_size (result i32)))
        (import "ic0" "subnet_self_node_count" (func $node_count (result i32)))
        (import "ic0" "env_var_count" (func $env_count (result i32)))
        (import "ic0" "env_var_value_size" (func $env_value_size (param i32 i32) (result i32)))
        (import "ic0" "env_var_value_copy" (func $env_value_copy (param i32 i32 i32 i32 i32)))
        (import "ic0" "root_key_size" (func $root_key_size (result i32)))
        (memory 1)
        (data (i32.const 1000) "\\ff\\fe")
        (data (i32.const 1100) "HOME")
        ;; Replies with the 4-byte value at address 0.
        (func $reply_i32 (param i32)
          (i32.store (i32.const 0) (local.get 0))
          (call $append (i32.const 0) (i32.const 4))
          (call $reply))
        (func $reply_i64 (param i64)
          (i64.store (i32.const 0) (local.get 0))
          (call $append (i32.const 0) (i32.const 8))
          (call $reply))
        ;; Replies with the argument.
        (func $echo
          (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
          (call $append (i32.const 0) (call $arg_size))
          (call $reply))
        (func (export "canister_update echo") (call $echo))
        (func (export "canister_query echo_query") (call $echo))
        (func (export "canister_update copy_past_argument")
          (call $arg_copy (i32.const 0) (i32.const 2) (i32.const 4)) (call $reply))
        (func (export "canister_update copy_past_memory")
          (call $arg_copy (i32.const 65534) (i32.const 0) (i32.const 4)) (call $reply))
        (func (export "canister_update reply_twice") (call $reply) (call $reply))
        (func (export "canister_update reject_then_reply")
          (call $reject (i32.const 1100) (i32.const 4)) (call $reply))
        (func (export "canister_update reject_bad_utf8") (call $reject (i32.const 1000) (i32.const 2)))
        (func (export "canister_update caller")
          (call $caller_copy (i32.const 0) (i32.const 0) (call $caller_size))
          (call $append (i32.const 0) (call $caller_size)) (call $reply))
        (func (export "canister_update self")
          (call $self_copy (i32.const 0) (i32.const 0) (call $self_size))
          (call $append (i32.const 0) (call $self_size)) (call $reply))
        (func (export "canister_update time") (call $reply_i64 (call $time)))
        (func (export "canister_update version") (call $reply_i64 (call $version)))
        (func (export "canister_update status") (call $reply_i32 (call $status)))
        (func (export "canister_update is_controller")
          (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
          (call $reply_i32 (call $is_controller (i32.const 0) (call $arg_size))))
        (func (export "canister_update replicated") (call $reply_i32 (call $replicated)))
        (func (export "canister_query replicated_query") (call $reply_i32 (call $replicated)))
        (func (export "canister_update certify")
          (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
          (call $certify (i32.const 0) (call $arg_size)) (call $reply))
        (func (export "canister_query certify_in_query")
          (call $certify (i32.const 0) (i32.const 1)) (call $reply))
        (func (export "canister_query certificate")
          (if (i32.eqz (call $cert_present)) (then (call $reply_i32 (i32.const -1)) (return)))
          (call $cert_copy (i32.const 0) (i32.const 0) (call $cert_size))
          (call $append (i32.const 0) (call $cert_size)) (call $reply))
        (func (export "canister_update certificate_size") (call $reply_i32 (call $cert_size)))
        (func (export "canister_update timer")
          (drop (call $timer_set (i64.const 5)))
          (call $reply_i64 (call $timer_set (i64.const 9))))
        (func (export "canister_update perf")
          (local $a i64)
          (local.set $a (call $perf (i32.const 0)))
          (i64.store (i32.const 8) (i64.sub (call $perf (i32.const 0)) (local.get $a)))
          (i64.store (i32.const 0) (local.get $a))
          (call $append (i32.const 0) (i32.const 16)) (call $reply))
        (func (export "canister_update perf_bad_type") (drop (call $perf (i32.const 7))) (call $reply))
        (func (export "canister_update subnet")
          (call $reply_i32 (i32.add (i32.mul (call $subnet_size) (i32.const 100)) (call $node_count))))
        (func (export "canister_update env")
          (call $env_value_copy (i32.const 1100) (i32.const 4) (i32.const 0) (i32.const 0)
            (call $env_value_size (i32.const 1100) (i32.const 4)))
          (call $append (i32.const 0) (call $env_value_size (i32.const 1100) (i32.const 4)))
          (call $reply))
        (func (export "canister_query root_key_in_query") (call $reply_i32 (call $root_key_size)))
        (func (export "canister_update root_key") (call $reply_i32 (call $root_key_size)))
        (func (export "canister_inspect_message")
          (call $method_copy (i32.const 0) (i32.const 0) (call $method_size))
          (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 97)) ;; 'a'
            (then (call $accept_message)))
          (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 116)) ;; 't': twice
            (then (call $accept_message) (call $accept_message))))
        (func (export "canister_heartbeat") (call $reply))
        (func (export "canister_global_timer") (drop (call $time)))
      )
      """;

  static WasmEngine engine;
  static CanisterModule module;
  static CanisterState state;

  @BeforeAll
  static void install() {
    engine = WasmTestSupport.engine();
    module = engine.load(WasmTestSupport.wasm(PROBE));
    ExecutionResult r = engine.install(module, new InstallArgs(new byte[0], USER), env());
    assertThat(r.trap()).isEmpty();
    state = r.state();
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static ExecutionResult update(String method, byte[] arg) {
    return engine.execute(module, state, MethodCall.update(method, arg, USER), env());
  }

  static ExecutionResult update(String method) {
    return update(method, new byte[0]);
  }

  static byte[] reply(ExecutionResult r) {
    assertThat(r.trap()).isEmpty();
    assertThat(r.response()).containsInstanceOf(CallResponse.Reply.class);
    return ((CallResponse.Reply) r.response().get()).payload();
  }

  static void assertContractViolation(ExecutionResult r, String messagePart) {
    assertThat(r.trap()).hasValueSatisfying(t -> {
      assertThat(t.code()).isEqualTo(ErrorCode.CANISTER_CONTRACT_VIOLATION);
      assertThat(t.message()).contains(messagePart);
    });
    assertThat(r.response()).isEmpty();
  }

  @Test
  void theArgumentIsCopiedOnDemand() {
    assertThat(reply(update("echo", new byte[] {1, 2, 3}))).containsExactly(1, 2, 3);
  }

  @Test
  void copyingPastTheArgumentOrPastTheMemoryTraps() {
    ExecutionResult pastArg = update("copy_past_argument", new byte[] {1, 2, 3, 4});
    assertThat(pastArg.trap().get().code()).isEqualTo(ErrorCode.CANISTER_TRAPPED);
    ExecutionResult pastMemory = update("copy_past_memory", new byte[] {1, 2, 3, 4});
    assertThat(pastMemory.trap().get().code()).isEqualTo(ErrorCode.CANISTER_TRAPPED);
    assertThat(pastMemory.trap().get().message()).contains("out of bounds");
  }

  @Test
  void aSecondReplyTraps() {
    assertContractViolation(update("reply_twice"), "already been replied to or rejected");
    assertContractViolation(update("reject_then_reply"), "already been replied to or rejected");
  }

  @Test
  void aRejectWithInvalidUtf8Traps() {
    assertContractViolation(update("reject_bad_utf8"), "not valid UTF-8");
  }

  @Test
  void callerSelfTimeVersionStatusAndSubnet() {
    assertThat(reply(update("caller"))).isEqualTo(USER.toBytes());
    assertThat(reply(update("self"))).isEqualTo(WasmTestSupport.CANISTER.toBytes());
    assertThat(readLe64(reply(update("time")), 0)).isEqualTo(WasmTestSupport.TIME_NS);
    assertThat(readLe64(reply(update("version")), 0)).isEqualTo(3);
    assertThat(readLe32(reply(update("status")))).isEqualTo(1);
    assertThat(readLe32(reply(update("subnet"))))
        .isEqualTo(WasmTestSupport.SUBNET.toBytes().length * 100 + 13);
  }

  @Test
  void isControllerChecksTheControllersAndTrapsOnANonPrincipal() {
    assertThat(readLe32(reply(update("is_controller", CONTROLLER.toBytes())))).isEqualTo(1);
    assertThat(readLe32(reply(update("is_controller", USER.toBytes())))).isZero();
    assertContractViolation(update("is_controller", new byte[30]), "not a principal");
  }

  @Test
  void replicatedExecutionIsReportedPerMode() {
    assertThat(readLe32(reply(update("replicated")))).isEqualTo(1);
    MethodCall q = MethodCall.query("replicated_query", new byte[0], USER);
    assertThat(readLe32(reply(engine.execute(module, state, q, env())))).isZero();
    assertThat(readLe32(reply(engine.execute(module, state, q.replicatedQuery(), env()))))
        .isEqualTo(1);
  }

  @Test
  void certifiedDataIsSetInUpdatesAndLimitedTo32Bytes() {
    ExecutionResult r = update("certify", new byte[] {7, 7, 7});
    assertThat(r.trap()).isEmpty();
    assertThat(r.state().certifiedData()).containsExactly(7, 7, 7);
    assertContractViolation(update("certify", new byte[33]), "at most 32 bytes");
    ExecutionResult q = engine.execute(module, state,
        MethodCall.query("certify_in_query", new byte[0], USER), env());
    assertContractViolation(q, "\"ic0_certified_data_set\" cannot be executed in non-replicated query mode");
  }

  @Test
  void theDataCertificateIsPresentOnlyInNonReplicatedQueries() {
    byte[] cert = {(byte) 0xd9, (byte) 0xd9, (byte) 0xf7, 1, 2};
    MethodCall q = MethodCall.query("certificate", new byte[0], USER).withDataCertificate(cert);
    assertThat(reply(engine.execute(module, state, q, env()))).isEqualTo(cert);
    assertThat(readLe32(reply(engine.execute(module, state, q.replicatedQuery(), env()))))
        .isEqualTo(-1);
    MethodCall without = MethodCall.query("certificate", new byte[0], USER);
    assertThat(readLe32(reply(engine.execute(module, state, without, env())))).isEqualTo(-1);
    assertContractViolation(update("certificate_size"), "cannot be executed in update mode");
  }

  @Test
  void theGlobalTimerSetReturnsThePreviousValue() {
    ExecutionResult r = update("timer");
    assertThat(readLe64(reply(r), 0)).isEqualTo(5);
    assertThat(r.state().globalTimerNs()).isEqualTo(9);
  }

  @Test
  void thePerformanceCounterGrowsWithinAnExecution() {
    byte[] b = reply(update("perf"));
    assertThat(readLe64(b, 0)).isPositive();
    assertThat(readLe64(b, 8)).isPositive();
    assertContractViolation(update("perf_bad_type"), "unknown counter type 7");
  }

  @Test
  void environmentVariablesAreReadByName() {
    TreeMap<String, String> vars = new TreeMap<>();
    vars.put("HOME", "/canister");
    ExecutionEnvironment e = new ExecutionEnvironment(env().canisterId(), env().subnetId(), 13,
        List.of(CONTROLLER), CanisterStatus.RUNNING, 3, WasmTestSupport.BALANCE,
        java.math.BigInteger.ZERO, java.math.BigInteger.ZERO, WasmTestSupport.TIME_NS,
        new byte[0], vars);
    ExecutionResult r =
        engine.execute(module, state, MethodCall.update("env", new byte[0], USER), e);
    assertThat(new String(reply(r), StandardCharsets.UTF_8)).isEqualTo("/canister");
    assertContractViolation(update("env"), "no environment variable named 'HOME'");
  }

  @Test
  void theRootKeyIsNotAvailableInNonReplicatedMode() {
    assertThat(readLe32(reply(update("root_key")))).isEqualTo(3);
    assertContractViolation(engine.execute(module, state,
        MethodCall.query("root_key_in_query", new byte[0], USER), env()), "cannot be executed");
  }

  @Test
  void anHttpTransformRunsAQueryAsTheManagementCanister() {
    ExecutionResult echo = engine.execute(module, state,
        new CanisterInput.HttpTransform("echo_query", new byte[] {5, 6}), env());
    assertThat(reply(echo)).containsExactly(5, 6);
    ExecutionResult certify = engine.execute(module, state,
        new CanisterInput.HttpTransform("certify_in_query", new byte[0]), env());
    assertContractViolation(certify, "cannot be executed in transform mode");
    ExecutionResult missing = engine.execute(module, state,
        new CanisterInput.HttpTransform("nope", new byte[0]), env());
    assertThat(missing.trap().get().code()).isEqualTo(ErrorCode.CANISTER_METHOD_NOT_FOUND);
  }

  @Test
  void inspectMessageAcceptsOnlyWhenTheCanisterSaysSo() {
    ExecutionResult accepted = engine.execute(module, state,
        new InspectMessage("accept_me", new byte[0], USER), env());
    assertThat(accepted.trap()).isEmpty();
    assertThat(accepted.messageAccepted()).isTrue();
    ExecutionResult refused = engine.execute(module, state,
        new InspectMessage("other", new byte[0], USER), env());
    assertThat(refused.messageAccepted()).isFalse();
    ExecutionResult twice = engine.execute(module, state,
        new InspectMessage("twice", new byte[0], USER), env());
    assertContractViolation(twice, "accept_message was called twice");
    assertThat(twice.messageAccepted()).isFalse();
  }

  @Test
  void inspectMessageIsTheOnlyPlaceForAcceptMessage() {
    CanisterModule m = engine.load(WasmTestSupport.wasm("""
        (module (import "ic0" "accept_message" (func $accept))
          (func (export "canister_update a") (call $accept)))
        """));
    CanisterState s = engine.install(m, new InstallArgs(new byte[0], USER), env()).state();
    assertContractViolation(engine.execute(m, s, MethodCall.update("a", new byte[0], USER), env()),
        "\"ic0_accept_message\" cannot be executed in update mode");
  }

  @Test
  void aSystemTaskCannotReply() {
    ExecutionResult r = engine.execute(module, state,
        new SystemTask(SystemTask.Task.HEARTBEAT), env());
    assertContractViolation(r, "\"ic0_msg_reply\" cannot be executed in system task mode");
    ExecutionResult timer = engine.execute(module, state,
        new SystemTask(SystemTask.Task.GLOBAL_TIMER), env());
    assertThat(timer.trap()).isEmpty();
    assertThat(timer.response()).isEmpty();
    ExecutionResult none = engine.execute(module, state,
        new SystemTask(SystemTask.Task.ON_LOW_WASM_MEMORY), env());
    assertThat(none.trap()).isEmpty();
    assertThat(none.instructionsUsed()).isZero();
  }

  @Test
  void msgReplyInCanisterInitTraps() {
    CanisterModule m = engine.load(WasmTestSupport.wasm("""
        (module (import "ic0" "msg_reply" (func $reply))
          (func (export "canister_init") (call $reply)))
        """));
    ExecutionResult r = engine.install(m, new InstallArgs(new byte[0], USER), env());
    assertContractViolation(r, "\"ic0_msg_reply\" cannot be executed in init mode");
  }

  @Test
  void theStartFunctionMayUseOnlyTheStartImports() {
    CanisterModule bad = engine.load(WasmTestSupport.wasm("""
        (module (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
          (func $start (drop (call $caller_size)))
          (start $start))
        """));
    assertContractViolation(engine.install(bad, new InstallArgs(new byte[0], USER), env()),
        "cannot be executed in start mode");
    CanisterModule good = engine.load(WasmTestSupport.wasm("""
        (module
          (import "ic0" "debug_print" (func $print (param i32 i32)))
          (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
          (memory 1)
          (global $started (mut i32) (i32.const 0))
          (data (i32.const 0) "started")
          (func $start (call $print (i32.const 0) (i32.const 7)) (drop (call $grow (i64.const 1)))
            (global.set $started (i32.const 1)))
          (start $start))
        """));
    ExecutionResult r = engine.install(good, new InstallArgs(new byte[0], USER), env());
    assertThat(r.trap()).isEmpty();
    assertThat(r.logs()).extracting(ExecutionResult.LogRecord::text).containsExactly("started");
    assertThat(r.state().stableMemory().pageCount()).isEqualTo(1);
  }
}
