package dev.canopy.execution;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.state.EffectiveId;
import dev.canopy.state.IngressEntry;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.types.RequestId;
import dev.canopy.state.RequestStatus;
import dev.canopy.state.SubnetInfo;
import dev.canopy.state.SubnetType;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.ExecutionResult;
import dev.canopy.wasm.WasmEngine;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/** Fixtures of the execution tests: a subnet, canister creation and install, ingress, rounds. */
public final class ExecutionTestSupport {
  static final Principal USER = Principal.fromBytes(new byte[] {10, 20, 30, 1});
  static final Principal CONTROLLER = Principal.fromBytes(new byte[] {10, 20, 30, 2});
  static final SubnetId SUBNET = new SubnetId(Principal.fromBytes(new byte[] {9, 9, 9, 2}));
  static final long START_TIME_NS = 1_700_000_000_000_000_000L;
  static final long SECOND_NS = 1_000_000_000L;
  static final BigInteger T = BigInteger.valueOf(1_000_000_000_000L);
  static final byte[] RANDOMNESS = new byte[32];

  private static WasmEngine shared;
  private static final AtomicLong NONCE = new AtomicLong();

  private ExecutionTestSupport() {}

  /** One engine for all execution tests (modules compile once); never closed, daemon threads. */
  static synchronized WasmEngine engine() {
    if (shared == null) {
      shared = WasmEngine.builder().withExecutionThreads(2).build();
    }
    return shared;
  }

  static byte[] wat(String wat) {
    return Wat2Wasm.parse(wat);
  }

  static ReplicatedState genesis() {
    return genesis(SUBNET, START_TIME_NS);
  }

  /** The genesis state of an application subnet {@code subnet} (canister indices 0..0xfffff) at {@code timeNs}. */
  public static ReplicatedState genesis(SubnetId subnet, long timeNs) {
    SubnetInfo info = new SubnetInfo(SubnetType.APPLICATION, new byte[133],
        List.of(new CanisterIdRange(CanisterId.fromIndex(0), CanisterId.fromIndex(0xfffff))),
        new TreeMap<>(), Optional.empty());
    TreeMap<SubnetId, SubnetInfo> subnets = new TreeMap<>();
    subnets.put(subnet, info);
    return ReplicatedState.genesis(subnet, subnets, IngressHistorySettings.DEFAULT)
        .withBatch(0, timeNs);
  }

  static RoundExecutor executor(CyclesFees fees) {
    return RoundExecutor.builder().withEngine(engine()).withFees(fees).build();
  }

  static RoundExecutor executor() {
    return executor(CyclesFees.free());
  }

  /** Creates an empty canister with {@code cycles}; the new id is the state's last canister. */
  static ReplicatedState create(ReplicatedState s, BigInteger cycles) {
    ReplicatedState.MintedCanisterId m = s.mintCanisterId();
    SystemState sys = SystemState.created(List.of(CONTROLLER), cycles, CanisterSettings.DEFAULT,
        s.batchTimeNs());
    return m.state().withCanister(Canister.created(m.canisterId(), sys));
  }

  static CanisterId lastCanister(ReplicatedState s) {
    return s.canisters().lastKey();
  }

  /** Installs a module as install_code would (until the management canister does it). */
  static ReplicatedState install(ReplicatedState s, CanisterId id, byte[] wasm, byte[] arg) {
    WasmEngine engine = engine();
    CanisterModule module = engine.load(wasm);
    Canister c = s.canister(id).orElseThrow();
    EnvironmentFactory envs = new EnvironmentFactory(CyclesFees.free(), new byte[0]);
    ExecutionResult r = engine.install(module, new WasmEngine.InstallArgs(arg, CONTROLLER),
        envs.environment(s, c, c.system().cyclesBalance(), s.batchTimeNs()));
    if (r.trapped()) {
      throw new AssertionError("install trapped: " + r.trap().get());
    }
    SystemState sys = c.system().withVersion(c.system().version() + 1)
        .withLastInstallTimeNs(OptionalLong.of(s.batchTimeNs()));
    return s.withCanister(new Canister(id, sys, Optional.of(new ExecutionState(module, r.state()))));
  }

  static ReplicatedState createAndInstall(ReplicatedState s, byte[] wasm, BigInteger cycles) {
    ReplicatedState created = create(s, cycles);
    return install(created, lastCanister(created), wasm, new byte[0]);
  }

  static IngressMessage ingress(CanisterId target, String method, byte[] arg) {
    return ingressFrom(USER, target, method, arg);
  }

  static IngressMessage ingressFrom(Principal sender, CanisterId target, String method,
      byte[] arg) {
    byte[] id = Hashing.sha256(("request " + NONCE.incrementAndGet()).getBytes(StandardCharsets.UTF_8));
    return new IngressMessage(RequestId.fromBytes(id), sender, target, method, arg,
        START_TIME_NS + 1_000_000 * SECOND_NS, EffectiveId.canister(target));
  }

  /** Runs one round one second after the state's time. */
  static RoundResult round(RoundExecutor ex, ReplicatedState s, IngressMessage... msgs) {
    return ex.executeRound(s, new Batch(s.height() + 1, s.batchTimeNs() + SECOND_NS, RANDOMNESS,
        List.of(msgs)));
  }

  static RequestStatus status(ReplicatedState s, IngressMessage m) {
    return s.ingressHistory().get(m.requestId()).map(IngressEntry::status)
        .orElseThrow(() -> new AssertionError("no status for " + m.method()));
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] le64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
  }

  static long readLe64(byte[] b, int offset) {
    return ByteBuffer.wrap(b, offset, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  static int readLe32(byte[] b, int offset) {
    return ByteBuffer.wrap(b, offset, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  /** The argument of {@code forward}: callee, method, cycles, payload. */
  static byte[] forwardArg(CanisterId callee, String method, long cycles, byte[] payload) {
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] c = callee.toBytes();
    o.write(c.length);
    o.writeBytes(c);
    byte[] m = bytes(method);
    o.write(m.length);
    o.writeBytes(m);
    o.writeBytes(le64(cycles));
    o.writeBytes(payload);
    return o.toByteArray();
  }

  static byte[] forwardManyArg(CanisterId callee, int count) {
    byte[] c = callee.toBytes();
    byte[] a = Arrays.copyOf(new byte[] {(byte) c.length}, 2 + c.length);
    System.arraycopy(c, 0, a, 1, c.length);
    a[1 + c.length] = (byte) count;
    return a;
  }

  /**
   * A test canister. Memory: counter i64 at 100, log length i32 at 200, timer count i32 at 300,
   * cleanup flag i32 at 400, log bytes from 1024, argument scratch from 10000.
   */
  static final String TEST_CANISTER =
      """
      (module
        (import "ic0" "msg_reply" (func $reply))
        (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
        (import "ic0" "msg_reject" (func $reject (param i32 i32)))
        (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
        (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
        (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
        (import "ic0" "msg_reject_msg_size" (func $reject_msg_size (result i32)))
        (import "ic0" "msg_reject_msg_copy" (func $reject_msg_copy (param i32 i32 i32)))
        (import "ic0" "msg_cycles_accept128" (func $accept128 (param i64 i64 i32)))
        (import "ic0" "canister_cycle_balance128" (func $balance128 (param i32)))
        (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
        (import "ic0" "call_data_append" (func $call_append (param i32 i32)))
        (import "ic0" "call_cycles_add128" (func $add128 (param i64 i64)))
        (import "ic0" "call_on_cleanup" (func $on_cleanup (param i32 i32)))
        (import "ic0" "call_perform" (func $perform (result i32)))
        (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
        (import "ic0" "debug_print" (func $print (param i32 i32)))
        (import "ic0" "trap" (func $trap (param i32 i32)))
        (import "ic0" "data_certificate_present" (func $cert_present (result i32)))
        (import "ic0" "data_certificate_size" (func $cert_size (result i32)))
        (import "ic0" "data_certificate_copy" (func $cert_copy (param i32 i32 i32)))
        (import "ic0" "certified_data_set" (func $cert_set (param i32 i32)))
        (memory 2)
        (table 4 funcref)
        (elem (i32.const 0) $on_reply $on_reject $noop_cb $cleanup_cb)
        (data (i32.const 500) "append")
        (data (i32.const 520) "echo called")
        (data (i32.const 540) "none")
        (func $arg (result i32)
          (call $arg_copy (i32.const 10000) (i32.const 0) (call $arg_size))
          (call $arg_size))
        (func (export "canister_update echo")
          (call $print (i32.const 520) (i32.const 11))
          (call $append (i32.const 10000) (call $arg)) (call $reply))
        (func (export "canister_query q_echo")
          (call $append (i32.const 10000) (call $arg)) (call $reply))
        (func (export "canister_update trap") (call $trap (i32.const 10000) (call $arg)))
        (func (export "canister_update unreachable") unreachable)
        (func (export "canister_update noreply"))
        (func (export "canister_update reject") (call $reject (i32.const 10000) (call $arg)))
        (func (export "canister_update inc")
          (i64.store (i32.const 100) (i64.add (i64.load (i32.const 100)) (i64.const 1)))
          (call $append (i32.const 100) (i32.const 8)) (call $reply))
        (func (export "canister_query get")
          (call $append (i32.const 100) (i32.const 8)) (call $reply))
        (func (export "canister_query q_inc")
          (i64.store (i32.const 100) (i64.add (i64.load (i32.const 100)) (i64.const 1)))
          (call $append (i32.const 100) (i32.const 8)) (call $reply))
        (func (export "canister_update append")
          (local $n i32)
          (local.set $n (call $arg_size))
          (call $arg_copy (i32.add (i32.const 1024) (i32.load (i32.const 200))) (i32.const 0)
            (local.get $n))
          (i32.store (i32.const 200) (i32.add (i32.load (i32.const 200)) (local.get $n)))
          (call $reply))
        (func (export "canister_query log")
          (call $append (i32.const 1024) (i32.load (i32.const 200))) (call $reply))
        (func (export "canister_update accept")
          (drop (call $arg))
          (call $accept128 (i64.const 0) (i64.load (i32.const 10000)) (i32.const 16))
          (call $append (i32.const 16) (i32.const 16)) (call $reply))
        (func (export "canister_update balance")
          (call $balance128 (i32.const 16)) (call $append (i32.const 16) (i32.const 16))
          (call $reply))
        (func (export "canister_update set_timer")
          (drop (call $arg))
          (drop (call $timer_set (i64.load (i32.const 10000)))) (call $reply))
        (func (export "canister_global_timer")
          (i32.store (i32.const 300) (i32.add (i32.load (i32.const 300)) (i32.const 1))))
        (func (export "canister_query timer_count")
          (call $append (i32.const 300) (i32.const 4)) (call $reply))
        (func (export "canister_query cleaned")
          (call $append (i32.const 400) (i32.const 4)) (call $reply))
        (func (export "canister_update set_certified")
          (call $cert_set (i32.const 10000) (call $arg)) (call $reply))
        (func (export "canister_query certificate")
          (if (call $cert_present)
            (then
              (call $cert_copy (i32.const 20000) (i32.const 0) (call $cert_size))
              (call $append (i32.const 20000) (call $cert_size)))
            (else (call $append (i32.const 540) (i32.const 4))))
          (call $reply))
        ;; forward: arg = [callee len][callee][method len][method][cycles u64][payload]
        (func $forward (param $with_cycles i32) (param $reply_env i32)
          (local $n i32) (local $clen i32) (local $mlen i32) (local $p i32)
          (local.set $n (call $arg))
          (local.set $clen (i32.load8_u (i32.const 10000)))
          (local.set $mlen (i32.load8_u (i32.add (i32.const 10001) (local.get $clen))))
          (local.set $p (i32.add (i32.add (i32.const 10002) (local.get $clen)) (local.get $mlen)))
          (call $call_new (i32.const 10001) (local.get $clen)
            (i32.add (i32.const 10002) (local.get $clen)) (local.get $mlen)
            (i32.const 0) (local.get $reply_env) (i32.const 1) (i32.const 0))
          (call $call_append (i32.add (local.get $p) (i32.const 8))
            (i32.sub (i32.add (i32.const 10000) (local.get $n)) (i32.add (local.get $p) (i32.const 8))))
          (if (local.get $with_cycles)
            (then (call $add128 (i64.const 0) (i64.load (local.get $p)))))
          (call $on_cleanup (i32.const 3) (i32.const 0))
          (if (call $perform) (then unreachable)))
        (func (export "canister_update forward") (call $forward (i32.const 1) (i32.const 0)))
        (func (export "canister_update forward_trap_in_callback")
          (call $forward (i32.const 1) (i32.const 1)))
        (func (export "canister_update forward_noreply_in_callback")
          (call $forward (i32.const 1) (i32.const 2)))
        (func (export "canister_composite_query cq_forward") (call $forward (i32.const 0) (i32.const 0)))
        ;; forward_many: arg = [callee len][callee][count]; calls append(i) count times, replies at once
        (func (export "canister_update forward_many")
          (local $clen i32) (local $count i32) (local $i i32)
          (drop (call $arg))
          (local.set $clen (i32.load8_u (i32.const 10000)))
          (local.set $count (i32.load8_u (i32.add (i32.const 10001) (local.get $clen))))
          (block $done
            (loop $next
              (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
              (i32.store8 (i32.const 600) (local.get $i))
              (call $call_new (i32.const 10001) (local.get $clen) (i32.const 500) (i32.const 6)
                (i32.const 2) (i32.const 0) (i32.const 2) (i32.const 0))
              (call $call_append (i32.const 600) (i32.const 1))
              (if (call $perform) (then unreachable))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $next)))
          (call $reply))
        ;; reply callback: env 0 forwards the reply, 1 traps, 2 answers nothing
        (func $on_reply (param $env i32)
          (if (i32.eq (local.get $env) (i32.const 1)) (then unreachable))
          (if (i32.eq (local.get $env) (i32.const 2)) (then return))
          (call $arg_copy (i32.const 30000) (i32.const 0) (call $arg_size))
          (call $append (i32.const 30000) (call $arg_size))
          (call $reply))
        ;; reject callback: replies reject code (u32) ++ message
        (func $on_reject (param $env i32)
          (i32.store (i32.const 30000) (call $reject_code))
          (call $reject_msg_copy (i32.const 30004) (i32.const 0) (call $reject_msg_size))
          (call $append (i32.const 30000) (i32.add (i32.const 4) (call $reject_msg_size)))
          (call $reply))
        (func $noop_cb (param $env i32))
        (func $cleanup_cb (param $env i32) (i32.store (i32.const 400) (i32.const 1)))
      )
      """;

  private static byte[] testCanisterWasm;

  static synchronized byte[] testCanister() {
    if (testCanisterWasm == null) {
      testCanisterWasm = wat(TEST_CANISTER);
    }
    return testCanisterWasm;
  }
}
