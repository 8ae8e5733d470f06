package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A replicated instance starts the canister's next message from the heap its last message was
 * committed into (no table rebuilt, its written blocks kept): whatever runs in between (traps,
 * results that are discarded, queries, growth), every message gives what it gives on a new
 * instance restored from the same state.
 */
class HeapReuseTest {
  /**
   * "apply" takes [grow pages][trap flag][(address, value) pairs]: grows the memory, then for each
   * pair reads the word at the address and stores the value there, then traps if asked, else
   * replies [xor of the words read, memory size]; "peek" is the same as a query.
   */
  private static final String WRITER = "(module " + WasmTestSupport.IMPORTS
      + """
        (memory 2 64)
        (func $apply (local $n i32) (local $p i32) (local $acc i32) (local $a i32)
          (local.set $n (call $arg_size))
          (call $arg_copy (i32.const 0) (i32.const 0) (local.get $n))
          (drop (memory.grow (i32.load (i32.const 0))))
          (local.set $p (i32.const 8))
          (block $done
            (loop $pairs
              (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
              (local.set $a (i32.load (local.get $p)))
              (local.set $acc (i32.xor (local.get $acc) (i32.load (local.get $a))))
              (i32.store (local.get $a) (i32.load (i32.add (local.get $p) (i32.const 4))))
              (local.set $p (i32.add (local.get $p) (i32.const 8)))
              (br $pairs)))
          (if (i32.load (i32.const 4)) (then (call $trap (i32.const 0) (i32.const 0))))
          (i32.store (local.get $n) (local.get $acc))
          (i32.store (i32.add (local.get $n) (i32.const 4)) (memory.size))
          (call $append (local.get $n) (i32.const 8))
          (call $reply))
        (func (export "canister_update apply") (call $apply))
        (func (export "canister_query peek") (call $apply)))
      """;

  private enum Step { COMMIT, TRAP, OUT_OF_BOUNDS, DISCARD, QUERY, GROW }

  @Test
  void reusedInstancesAgreeWithNewOnesOnEveryMessageOfARandomSequence() {
    for (long seed : new long[] {1, 2, 3}) {
      runSequence(seed, 250);
    }
  }

  private static void runSequence(long seed, int steps) {
    Random random = new Random(seed);
    try (WasmEngine pooled = WasmTestSupport.engine();
        WasmEngine fresh = WasmEngine.builder().withExecutionThreads(1)
            .withThreadStackBytes(64L << 20).withMaxIdleInstances(0).build()) {
      byte[] wasm = WasmTestSupport.wasm(WRITER);
      CanisterModule a = pooled.load(wasm);
      CanisterModule b = fresh.load(wasm);
      CanisterState sa = pooled.install(a, new InstallArgs(new byte[0], USER), env()).state();
      CanisterState sb = fresh.install(b, new InstallArgs(new byte[0], USER), env()).state();
      int pages = 2;
      for (int i = 0; i < steps; i++) {
        Step step = pick(random);
        byte[] arg = argument(random, step, pages);
        boolean query = step == Step.QUERY;
        MethodCall call = query ? MethodCall.query("peek", arg, USER)
            : MethodCall.update("apply", arg, USER);
        ExecutionResult ra = pooled.execute(a, sa, call, env());
        ExecutionResult rb = fresh.execute(b, sb, call, env());
        String what = "seed " + seed + ", step " + i + " (" + step + ")";
        assertThat(ra.trap().map(ExecutionResult.Trap::message)).as(what)
            .isEqualTo(rb.trap().map(ExecutionResult.Trap::message));
        assertThat(payload(ra)).as(what).isEqualTo(payload(rb));
        assertThat(ra.instructionsUsed()).as(what).isEqualTo(rb.instructionsUsed());
        assertThat(ra.state().stateHash()).as(what).isEqualTo(rb.state().stateHash());
        assertThat(ra.trapped()).as(what)
            .isEqualTo(step == Step.TRAP || step == Step.OUT_OF_BOUNDS);
        if (step == Step.COMMIT || step == Step.GROW) {
          sa = ra.state();
          sb = rb.state();
          pages = (int) sa.heap().pageCount();
        }
      }
      assertThat(pooled.stats().replicatedInstancesReused()).as("seed %d", seed)
          .isGreaterThan(steps / 3);
      assertThat(fresh.stats().replicatedInstancesReused()).isZero();
    }
  }

  private static Step pick(Random random) {
    int r = random.nextInt(100);
    if (r < 55) {
      return Step.COMMIT;
    } else if (r < 68) {
      return Step.TRAP;
    } else if (r < 73) {
      return Step.OUT_OF_BOUNDS;
    } else if (r < 85) {
      return Step.DISCARD;
    } else if (r < 95) {
      return Step.QUERY;
    }
    return Step.GROW;
  }

  /**
   * Writes mostly to a few hot blocks (as a counter does), sometimes anywhere, with values from a
   * small range so that many writes leave a block as it was.
   */
  private static byte[] argument(Random random, Step step, int pages) {
    int pairs = 1 + random.nextInt(step == Step.GROW ? 4 : 40);
    ByteBuffer arg = ByteBuffer.allocate(8 + 8 * pairs).order(ByteOrder.LITTLE_ENDIAN);
    int grow = step == Step.GROW ? 1 : 0;
    arg.putInt(grow).putInt(step == Step.TRAP ? 1 : 0);
    int words = (pages + grow) * 65536 / 4;
    for (int k = 0; k < pairs; k++) {
      int address;
      if (step == Step.OUT_OF_BOUNDS && k == pairs - 1) {
        address = (pages + grow) * 65536 - 2;
      } else if (random.nextInt(4) == 0) {
        address = 4 * (1024 + random.nextInt(words - 1024));
      } else {
        address = 4096 * (1 + random.nextInt(6)) + 4 * random.nextInt(8);
      }
      arg.putInt(address).putInt(random.nextInt(4));
    }
    return arg.array();
  }

  private static Optional<String> payload(ExecutionResult r) {
    return r.response().map(response -> response instanceof CallResponse.Reply reply
        ? HexFormat.of().formatHex(reply.payload()) : response.toString());
  }
}
