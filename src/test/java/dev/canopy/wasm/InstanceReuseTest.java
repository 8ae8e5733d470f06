package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static dev.canopy.wasm.WasmTestSupport.readLe32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Non-replicated executions reuse idle instances ({@link InstancePool}); these tests pin that no
 * query sees what an earlier one changed: heap, grown memory, mutable globals, dropped data
 * segments, tables.
 */
class InstanceReuseTest {
  /**
   * Queries that report the state they start from and then change it every way an execution can:
   * "poke" replies [global, mem[300], memory size] and then bumps the global and mem[300] and grows
   * the memory; "init" copies a passive data segment and drops it; "table" replies whether table
   * slot 1 is empty and then fills it; "poke_then_trap" changes state and traps.
   */
  private static final String WRITER =
      """
      (module
        (import "ic0" "msg_reply" (func $reply))
        (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
        (import "ic0" "trap" (func $trap (param i32 i32)))
        (memory 1)
        (global $g (mut i32) (i32.const 0))
        (table 2 funcref)
        (elem (i32.const 0) $noop)
        (data $passive "hello")
        (func $noop)
        (func $poke
          (i32.store (i32.const 0) (global.get $g))
          (i32.store (i32.const 4) (i32.load (i32.const 300)))
          (i32.store (i32.const 8) (memory.size))
          (global.set $g (i32.add (global.get $g) (i32.const 1)))
          (i32.store (i32.const 300) (i32.add (i32.load (i32.const 300)) (i32.const 1)))
          (drop (memory.grow (i32.const 1))))
        (func (export "canister_update inc")
          (global.set $g (i32.add (global.get $g) (i32.const 10)))
          (i32.store (i32.const 300) (i32.add (i32.load (i32.const 300)) (i32.const 10)))
          (call $append (i32.const 300) (i32.const 4))
          (call $reply))
        (func (export "canister_query poke")
          (call $poke)
          (call $append (i32.const 0) (i32.const 12))
          (call $reply))
        (func (export "canister_query poke_then_trap")
          (call $poke)
          (call $trap (i32.const 0) (i32.const 0)))
        (func (export "canister_query init")
          (memory.init $passive (i32.const 400) (i32.const 0) (i32.const 5))
          (data.drop $passive)
          (call $append (i32.const 400) (i32.const 5))
          (call $reply))
        (func (export "canister_query table")
          (i32.store (i32.const 0) (ref.is_null (table.get (i32.const 1))))
          (table.set (i32.const 1) (ref.func $noop))
          (call $append (i32.const 0) (i32.const 4))
          (call $reply)))
      """;

  private static ExecutionResult query(WasmEngine engine, CanisterModule module, CanisterState s,
      String method) {
    return engine.execute(module, s, MethodCall.query(method, new byte[0], USER), env());
  }

  private static byte[] reply(ExecutionResult r) {
    assertThat(r.trap()).isEmpty();
    assertThat(r.response()).containsInstanceOf(CallResponse.Reply.class);
    return ((CallResponse.Reply) r.response().get()).payload();
  }

  private static int[] ints(byte[] payload) {
    int[] out = new int[payload.length / 4];
    for (int i = 0; i < out.length; i++) {
      out[i] = readLe32(Arrays.copyOfRange(payload, 4 * i, 4 * i + 4));
    }
    return out;
  }

  private static CanisterState install(WasmEngine engine, CanisterModule module) {
    ExecutionResult r = engine.install(module, new InstallArgs(new byte[0], USER), env());
    assertThat(r.trap()).isEmpty();
    return r.state();
  }

  @Test
  void everyQueryStartsFromItsSnapshotWhateverTheQueriesBeforeItChanged() {
    try (WasmEngine engine = WasmTestSupport.engine()) {
      CanisterModule module = engine.load(WasmTestSupport.wasm(WRITER));
      CanisterState installed = install(engine, module);
      for (int i = 0; i < 4; i++) {
        assertThat(ints(reply(query(engine, module, installed, "poke")))).as("query %d", i)
            .containsExactly(0, 0, 1);
      }
      assertThat(engine.stats().instancesReused()).isEqualTo(3);
      // The snapshot itself is untouched, and a trapping query changes nothing for the next one.
      assertThat(query(engine, module, installed, "poke_then_trap").trapped()).isTrue();
      assertThat(ints(reply(query(engine, module, installed, "poke")))).containsExactly(0, 0, 1);
      byte[] cell = new byte[4];
      installed.heap().read(300, cell, 0, 4);
      assertThat(readLe32(cell)).isZero();
    }
  }

  @Test
  void queriesAgainstDifferentStatesShareInstancesButEachSeesItsOwnState() {
    try (WasmEngine engine = WasmTestSupport.engine()) {
      CanisterModule module = engine.load(WasmTestSupport.wasm(WRITER));
      CanisterState before = install(engine, module);
      ExecutionResult inc = engine.execute(module, before,
          MethodCall.update("inc", new byte[0], USER), env());
      CanisterState after = inc.state();
      for (int i = 0; i < 3; i++) {
        assertThat(ints(reply(query(engine, module, after, "poke")))).containsExactly(10, 10, 1);
        assertThat(ints(reply(query(engine, module, before, "poke")))).containsExactly(0, 0, 1);
      }
      assertThat(engine.stats().instancesReused()).isEqualTo(5);
      // The update that made `after` ran on an instance of its own: no replicated reuse.
      assertThat(ints(reply(engine.execute(module, after,
          MethodCall.update("inc", new byte[0], USER), env())))).containsExactly(20);
      assertThat(engine.stats().instancesReused()).isEqualTo(5);
    }
  }

  @Test
  void aDroppedDataSegmentIsBackForTheNextQuery() {
    try (WasmEngine engine = WasmTestSupport.engine()) {
      CanisterModule module = engine.load(WasmTestSupport.wasm(WRITER));
      CanisterState installed = install(engine, module);
      for (int i = 0; i < 3; i++) {
        assertThat(new String(reply(query(engine, module, installed, "init")),
            StandardCharsets.US_ASCII)).isEqualTo("hello");
      }
      assertThat(engine.stats().instancesReused()).isEqualTo(2);
    }
  }

  @Test
  void anInstanceWhoseTableAQueryChangedIsNotReused() {
    try (WasmEngine engine = WasmTestSupport.engine()) {
      CanisterModule module = engine.load(WasmTestSupport.wasm(WRITER));
      CanisterState installed = install(engine, module);
      for (int i = 0; i < 3; i++) {
        assertThat(ints(reply(query(engine, module, installed, "table")))).containsExactly(1);
      }
      assertThat(engine.stats().instancesReturned()).isZero();
      assertThat(engine.stats().instancesReused()).isZero();
    }
  }

  @Test
  void idleInstancesStayWithinTheBoundLeastRecentlyUsedModuleFirst() {
    String other = WRITER.replace("(global $g (mut i32) (i32.const 0))",
        "(global $g (mut i32) (i32.const 0)) (global $unused i32 (i32.const 5))");
    for (int maxIdle : new int[] {0, 1, 2}) {
      try (WasmEngine engine = WasmEngine.builder().withExecutionThreads(1)
          .withThreadStackBytes(64L << 20).withMaxIdleInstances(maxIdle).build()) {
        CanisterModule a = engine.load(WasmTestSupport.wasm(WRITER));
        CanisterModule b = engine.load(WasmTestSupport.wasm(other));
        CanisterState sa = install(engine, a);
        CanisterState sb = install(engine, b);
        for (int i = 0; i < 3; i++) {
          assertThat(ints(reply(query(engine, a, sa, "poke")))).containsExactly(0, 0, 1);
          assertThat(ints(reply(query(engine, b, sb, "poke")))).containsExactly(0, 0, 1);
        }
        // One idle instance holds only the module queried last: every query builds its own.
        long expected = maxIdle == 2 ? 4 : 0;
        assertThat(engine.stats().instancesReused()).as("max idle %d", maxIdle)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void idleInstancesHoldAtMostTheBoundOfHeapBytes() {
    // After a "poke" an idle instance holds its one-page heap's working bytes: 64 KiB.
    for (long bound : new long[] {65_535, 65_536}) {
      try (WasmEngine engine = WasmEngine.builder().withExecutionThreads(1)
          .withThreadStackBytes(64L << 20).withMaxIdleHeapBytes(bound).build()) {
        CanisterModule module = engine.load(WasmTestSupport.wasm(WRITER));
        CanisterState installed = install(engine, module);
        for (int i = 0; i < 4; i++) {
          assertThat(ints(reply(query(engine, module, installed, "poke")))).containsExactly(0, 0, 1);
        }
        assertThat(engine.stats().instancesReused()).as("bound %d", bound)
            .isEqualTo(bound < 65_536 ? 0 : 3);
      }
    }
  }

  @Test
  void updatesOnReusedInstancesReachTheStatesAndCountsOfNewInstances() throws Exception {
    byte[] counter;
    try (java.io.InputStream in = getClass().getResourceAsStream("/motoko/counter.wasm")) {
      counter = in.readAllBytes();
    }
    byte[] noArgs = dev.canopy.candid.CandidArgs.EMPTY.encode();
    try (WasmEngine pooled = WasmTestSupport.engine();
        WasmEngine fresh = WasmEngine.builder().withExecutionThreads(1)
            .withThreadStackBytes(64L << 20).withMaxIdleInstances(0).build()) {
      CanisterModule a = pooled.load(counter);
      CanisterModule b = fresh.load(counter);
      CanisterState sa = pooled.install(a, new InstallArgs(noArgs, USER), env()).state();
      CanisterState sb = fresh.install(b, new InstallArgs(noArgs, USER), env()).state();
      CanisterModule w = pooled.load(WasmTestSupport.wasm(WRITER));
      CanisterState sw = install(pooled, w);
      for (int i = 0; i < 12; i++) {
        // Queries in between must not disturb the rounds' instances.
        reply(pooled.execute(a, sa, MethodCall.query("get", noArgs, USER), env()));
        sw = pooled.execute(w, sw, MethodCall.update("inc", new byte[0], USER), env()).state();
        ExecutionResult ra = pooled.execute(a, sa, MethodCall.update("inc", noArgs, USER), env());
        ExecutionResult rb = fresh.execute(b, sb, MethodCall.update("inc", noArgs, USER), env());
        assertThat(ra.instructionsUsed()).as("message %d", i).isEqualTo(rb.instructionsUsed());
        assertThat(ra.state().stateHash()).as("message %d", i).isEqualTo(rb.state().stateHash());
        sa = ra.state();
        sb = rb.state();
      }
      assertThat(pooled.stats().replicatedInstancesReused()).isGreaterThanOrEqualTo(20);
      assertThat(fresh.stats().replicatedInstancesReused()).isZero();
      assertThat(reply(pooled.execute(a, sa, MethodCall.query("get", noArgs, USER), env())))
          .isEqualTo(reply(fresh.execute(b, sb, MethodCall.query("get", noArgs, USER), env())));
    }
  }
}
