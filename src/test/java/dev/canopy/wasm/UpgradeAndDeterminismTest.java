package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static dev.canopy.wasm.WasmTestSupport.le32;
import static dev.canopy.wasm.WasmTestSupport.readLe32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.ErrorCode;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import dev.canopy.wasm.WasmEngine.UpgradeArgs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Install and upgrade flows, and determinism of execution across engines. */
class UpgradeAndDeterminismTest {
  /** Version {@code v} of a counter that saves its count to stable memory across upgrades. */
  static String counter(int version, boolean trapInPostUpgrade) {
    return """
        (module
          (import "ic0" "msg_reply" (func $reply))
          (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
          (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
          (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
          (import "ic0" "stable64_grow" (func $grow (param i64) (result i64)))
          (import "ic0" "stable64_size" (func $size (result i64)))
          (import "ic0" "stable64_write" (func $write (param i64 i64 i64)))
          (import "ic0" "stable64_read" (func $read (param i64 i64 i64)))
          (import "ic0" "global_timer_set" (func $timer (param i64) (result i64)))
          (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
          (memory 1)
          (global $count (mut i32) (i32.const 0))
          (global $started (mut i32) (i32.const 0))
          (func $start (global.set $started (i32.const 1)))
          (start $start)
          ;; init: the count starts at the 4-byte argument
          (func (export "canister_init")
            (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
            (global.set $count (i32.load (i32.const 0))))
          (func (export "canister_update inc")
            (global.set $count (i32.add (global.get $count) (i32.const %1$d)))
            (i32.store (i32.const 4096) (global.get $count))
            (drop (call $timer (i64.const 123)))
            (call $certify (i32.const 4096) (i32.const 4))
            (call $reply))
          (func (export "canister_query get")
            (i32.store (i32.const 0) (global.get $count))
            (i32.store (i32.const 4) (global.get $started))
            (i32.store (i32.const 8) (i32.load (i32.const 4096)))
            (call $append (i32.const 0) (i32.const 12))
            (call $reply))
          (func (export "canister_pre_upgrade")
            (if (i64.eqz (call $size)) (then (drop (call $grow (i64.const 1)))))
            (i32.store (i32.const 0) (global.get $count))
            (call $write (i64.const 0) (i64.const 0) (i64.const 4)))
          (func (export "canister_post_upgrade")
            (call $read (i64.const 0) (i64.const 0) (i64.const 4))
            (global.set $count (i32.add (i32.load (i32.const 0)) (i32.const %2$d)))
            %3$s)
        )
        """.formatted(version, version * 1000, trapInPostUpgrade ? "unreachable" : "");
  }

  static WasmEngine engine;

  @BeforeAll
  static void start() {
    engine = WasmTestSupport.engine();
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static int[] get(WasmEngine e, CanisterModule m, CanisterState s) {
    ExecutionResult r = e.execute(m, s, MethodCall.query("get", new byte[0], USER), env());
    byte[] b = ((CallResponse.Reply) r.response().orElseThrow()).payload();
    return new int[] {readLe32(b), readLe32(java.util.Arrays.copyOfRange(b, 4, 8)),
        readLe32(java.util.Arrays.copyOfRange(b, 8, 12))};
  }

  @Test
  void installRunsStartThenInitWithTheArgument() {
    CanisterModule v1 = engine.load(WasmTestSupport.wasm(counter(1, false)));
    ExecutionResult r = engine.install(v1, new InstallArgs(le32(41), USER), env());
    assertThat(r.trap()).isEmpty();
    assertThat(r.instructionsUsed()).isPositive();
    assertThat(get(engine, v1, r.state())).containsExactly(41, 1, 0);
    assertThat(r.state().certifiedData()).isEmpty();
    assertThat(r.state().globalTimerNs()).isZero();
  }

  @Test
  void anUpgradeKeepsStableMemoryAndCertifiedDataAndResetsHeapAndTimer() {
    CanisterModule v1 = engine.load(WasmTestSupport.wasm(counter(1, false)));
    CanisterModule v2 = engine.load(WasmTestSupport.wasm(counter(2, false)));
    CanisterState s = engine.install(v1, new InstallArgs(le32(5), USER), env()).state();
    s = engine.execute(v1, s, MethodCall.update("inc", new byte[0], USER), env()).state();
    assertThat(s.globalTimerNs()).isEqualTo(123);
    ExecutionResult up = engine.upgrade(v1, s, v2,
        new UpgradeArgs(new byte[0], USER, false, 4), env());
    assertThat(up.trap()).isEmpty();
    // 6 saved by pre_upgrade, + 2000 in post_upgrade; the fresh heap lost the word at 4096.
    assertThat(get(engine, v2, up.state())).containsExactly(2006, 1, 0);
    assertThat(up.state().stableMemory().pageCount()).isEqualTo(1);
    assertThat(up.state().certifiedData()).isEqualTo(le32(6));
    assertThat(up.state().globalTimerNs()).isZero();
    // v2 increments by 2.
    CanisterState after = engine.execute(v2, up.state(),
        MethodCall.update("inc", new byte[0], USER), env()).state();
    assertThat(get(engine, v2, after)[0]).isEqualTo(2008);
  }

  @Test
  void skippingPreUpgradeSavesNothingToStableMemory() {
    CanisterModule v1 = engine.load(WasmTestSupport.wasm(counter(1, false)));
    CanisterModule v2 = engine.load(WasmTestSupport.wasm(counter(2, false)));
    CanisterState s = engine.install(v1, new InstallArgs(le32(5), USER), env()).state();
    ExecutionResult skipped = engine.upgrade(v1, s, v2,
        new UpgradeArgs(new byte[0], USER, true, 4), env());
    // post_upgrade reads 4 bytes of a stable memory that pre_upgrade never grew: a trap.
    assertThat(skipped.trap().get().message()).contains("stable memory range [0, +4)");
    assertThat(skipped.state()).isSameAs(s);
    ExecutionResult withPre = engine.upgrade(v1, s, v2,
        new UpgradeArgs(new byte[0], USER, false, 4), env());
    assertThat(get(engine, v2, withPre.state())[0]).isEqualTo(2005);
  }

  @Test
  void aTrapInPostUpgradeLeavesTheOldModuleAndState() {
    CanisterModule v1 = engine.load(WasmTestSupport.wasm(counter(1, false)));
    CanisterModule bad = engine.load(WasmTestSupport.wasm(counter(3, true)));
    CanisterState s = engine.install(v1, new InstallArgs(le32(5), USER), env()).state();
    ExecutionResult up = engine.upgrade(v1, s, bad,
        new UpgradeArgs(new byte[0], USER, false, 4), env());
    assertThat(up.trap().get().code()).isEqualTo(ErrorCode.CANISTER_TRAPPED);
    assertThat(up.state()).isSameAs(s);
    assertThat(up.state().stableMemory().pageCount()).isZero();
    assertThat(get(engine, v1, up.state())).containsExactly(5, 1, 0);
  }

  @Test
  void aTrapInInitFailsTheInstall() {
    CanisterModule v1 = engine.load(WasmTestSupport.wasm(counter(1, false)));
    // canister_init copies 4 bytes of the argument: an empty argument traps.
    ExecutionResult r = engine.install(v1, new InstallArgs(new byte[0], USER), env());
    assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_TRAPPED);
    assertThat(r.state().heap().pageCount()).isZero();
  }

  /** The messages of one canister's life, chosen by a seeded generator. */
  static List<String> messages(long seed) {
    Random random = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      out.add(random.nextInt(4) == 0 ? "upgrade" : "inc");
    }
    return out;
  }

  record Run(List<byte[]> stateHashes, List<Long> instructions) {}

  static Run runOnFreshEngine(long seed) {
    try (WasmEngine e = WasmTestSupport.engine()) {
      CanisterModule v1 = e.load(WasmTestSupport.wasm(counter(1, false)));
      CanisterModule v2 = e.load(WasmTestSupport.wasm(counter(2, false)));
      List<byte[]> hashes = new ArrayList<>();
      List<Long> instructions = new ArrayList<>();
      ExecutionResult r = e.install(v1, new InstallArgs(le32(1), USER), env());
      CanisterModule current = v1;
      for (String m : messages(seed)) {
        hashes.add(r.state().stateHash());
        instructions.add(r.instructionsUsed());
        CanisterState s = r.state();
        if (m.equals("upgrade")) {
          CanisterModule next = current == v1 ? v2 : v1;
          r = e.upgrade(current, s, next, new UpgradeArgs(new byte[0], USER, false, 1), env());
          current = next;
        } else {
          r = e.execute(current, s, MethodCall.update("inc", new byte[0], USER), env());
        }
        assertThat(r.trap()).as("seed %d", seed).isEmpty();
      }
      hashes.add(r.state().stateHash());
      instructions.add(r.instructionsUsed());
      return new Run(hashes, instructions);
    }
  }

  @Test
  void twoFreshEnginesReachTheSameMemoryHashesAndInstructionCounts() {
    long seed = 20261121L;
    Run a = runOnFreshEngine(seed);
    Run b = runOnFreshEngine(seed);
    assertThat(a.instructions()).as("seed %d", seed).isEqualTo(b.instructions());
    assertThat(a.stateHashes()).as("seed %d", seed).hasSameSizeAs(b.stateHashes());
    for (int i = 0; i < a.stateHashes().size(); i++) {
      assertThat(a.stateHashes().get(i)).as("seed %d, message %d", seed, i)
          .isEqualTo(b.stateHashes().get(i));
    }
    assertThat(a.instructions()).allMatch(n -> n > 0);
  }
}
