package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.canister;
import static dev.canopy.wasm.WasmTestSupport.env;
import static dev.canopy.wasm.WasmTestSupport.readLe32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.ErrorCode;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Updates, queries and traps of a small WAT counter, run through the whole engine pipeline. */
class CanisterExecutionTest {
  static final String COUNTER =
      """
      (global $count (mut i32) (i32.const 0))
      (data (i32.const 100) "trap!")
      (func $reply_count
        (i32.store (i32.const 0) (global.get $count))
        (call $append (i32.const 0) (i32.const 4))
        (call $reply))
      (func (export "canister_update inc")
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (i32.store (i32.const 200) (global.get $count))
        (call $reply_count))
      (func (export "canister_query read") (call $reply_count))
      (func (export "canister_update inc_then_trap")
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (i32.store (i32.const 200) (i32.const 77))
        (call $trap (i32.const 100) (i32.const 5)))
      (func (export "canister_update inc_then_unreachable")
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        unreachable)
      (func (export "canister_update spin") (loop $l (br $l)))
      (func $recurse (param i32) (result i32)
        (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
      (func (export "canister_update recurse") (drop (call $recurse (i32.const 0))))
      (func (export "canister_update divide_by_zero")
        (drop (i32.div_u (i32.const 1) (global.get $count))))
      (func (export "canister_update load_out_of_bounds")
        (drop (i32.load (i32.const 65535))))
      """;

  static WasmEngine engine;
  static CanisterModule module;
  static CanisterState installed;

  @BeforeAll
  static void install() {
    engine = WasmTestSupport.engine();
    module = engine.load(canister(COUNTER));
    ExecutionResult r = engine.install(module, new InstallArgs(new byte[0], USER), env());
    assertThat(r.trap()).isEmpty();
    installed = r.state();
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static ExecutionResult update(CanisterState s, String method) {
    return engine.execute(module, s, MethodCall.update(method, new byte[0], USER), env());
  }

  static int replyInt(ExecutionResult r) {
    assertThat(r.response()).containsInstanceOf(CallResponse.Reply.class);
    return readLe32(((CallResponse.Reply) r.response().get()).payload());
  }

  @Test
  void anUpdateChangesGlobalsAndMemoryAndAQuerySeesThem() {
    ExecutionResult first = update(installed, "inc");
    assertThat(replyInt(first)).isEqualTo(1);
    ExecutionResult second = update(first.state(), "inc");
    assertThat(replyInt(second)).isEqualTo(2);
    ExecutionResult read = engine.execute(module, second.state(),
        MethodCall.query("read", new byte[0], USER), env());
    assertThat(replyInt(read)).isEqualTo(2);
    byte[] heap = new byte[4];
    second.state().heap().read(200, heap, 0, 4);
    assertThat(readLe32(heap)).isEqualTo(2);
    // The earlier state is untouched: versions share pages copy-on-write.
    installed.heap().read(200, heap, 0, 4);
    assertThat(readLe32(heap)).isZero();
  }

  @Test
  void anExplicitTrapLeavesTheStateExactlyAsItWasAndIsLogged() {
    CanisterState before = update(installed, "inc").state();
    ExecutionResult r = update(before, "inc_then_trap");
    assertThat(r.trap()).hasValueSatisfying(t -> {
      assertThat(t.code()).isEqualTo(ErrorCode.CANISTER_CALLED_TRAP);
      assertThat(t.message()).isEqualTo("Canister called `ic0.trap` with message: 'trap!'");
    });
    assertThat(r.response()).isEmpty();
    assertThat(r.state()).isSameAs(before);
    assertThat(r.state().stateHash()).isEqualTo(before.stateHash());
    assertThat(r.logs()).extracting(ExecutionResult.LogRecord::text).containsExactly("trap!");
    assertThat(replyInt(update(r.state(), "inc"))).isEqualTo(2);
  }

  @Test
  void wasmTrapsCarryTheCanisterTrappedCode() {
    assertThat(update(installed, "inc_then_unreachable").trap().get())
        .isEqualTo(new ExecutionResult.Trap(ErrorCode.CANISTER_TRAPPED,
            "Canister trapped: unreachable"));
    assertThat(update(installed, "divide_by_zero").trap().get().code())
        .isEqualTo(ErrorCode.CANISTER_TRAPPED);
    assertThat(update(installed, "load_out_of_bounds").trap().get().message())
        .isEqualTo("Canister trapped: heap out of bounds");
  }

  @Test
  void aMissingMethodIsMethodNotFound() {
    ExecutionResult r = update(installed, "nope");
    assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_METHOD_NOT_FOUND);
    assertThat(r.trap().get().code().text()).isEqualTo("IC0536");
    // "read" is a query, not an update.
    assertThat(update(installed, "read").trap().get().code())
        .isEqualTo(ErrorCode.CANISTER_METHOD_NOT_FOUND);
  }

  @Test
  void anInfiniteLoopEndsAtTheInstructionLimit() {
    try (WasmEngine small = WasmEngine.builder()
        .withLimits(ExecutionLimits.internetComputerDefaults().withInstructionsPerUpdate(1_000_000))
        .withExecutionThreads(1)
        .build()) {
      CanisterModule m = small.load(canister(COUNTER));
      CanisterState s = small.install(m, new InstallArgs(new byte[0], USER), env()).state();
      ExecutionResult r = small.execute(m, s, MethodCall.update("spin", new byte[0], USER), env());
      assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_INSTRUCTION_LIMIT_EXCEEDED);
      assertThat(r.trap().get().code().text()).isEqualTo("IC0522");
      assertThat(r.instructionsUsed()).isEqualTo(1_000_000);
      assertThat(r.state()).isSameAs(s);
    }
  }

  @Test
  void deepRecursionIsACleanTrapAtTheCallDepthLimit() {
    ExecutionResult r = update(installed, "recurse");
    assertThat(r.trap().get()).isEqualTo(
        new ExecutionResult.Trap(ErrorCode.CANISTER_TRAPPED, "Canister trapped: stack overflow"));
    ExecutionResult again = update(installed, "recurse");
    assertThat(again.instructionsUsed()).isEqualTo(r.instructionsUsed());
  }

  @Test
  void instructionsAreCountedForEveryMessage() {
    ExecutionResult r = update(installed, "inc");
    assertThat(r.instructionsUsed()).isPositive();
    assertThat(update(installed, "inc").instructionsUsed()).isEqualTo(r.instructionsUsed());
  }

  @Test
  void debugPrintGoesToTheLogs() {
    CanisterModule m = engine.load(canister("""
        (data (i32.const 0) "hello")
        (func (export "canister_update p")
          (call $print (i32.const 0) (i32.const 5))
          (call $print (i32.const 65530) (i32.const 100))
          (call $reply))
        """));
    CanisterState s = engine.install(m, new InstallArgs(new byte[0], USER), env()).state();
    ExecutionResult r = engine.execute(m, s, MethodCall.update("p", new byte[0], USER), env());
    assertThat(r.trap()).isEmpty();
    assertThat(r.logs()).extracting(ExecutionResult.LogRecord::text)
        .containsExactly("hello", "(debug_print message out of bounds)");
    assertThat(r.logs().get(0).timeNs()).isEqualTo(WasmTestSupport.TIME_NS);
    assertThat(new String(r.logs().get(0).content(), StandardCharsets.UTF_8)).isEqualTo("hello");
  }
}
