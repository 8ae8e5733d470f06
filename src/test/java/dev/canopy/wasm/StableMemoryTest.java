package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static dev.canopy.wasm.WasmTestSupport.le32;
import static dev.canopy.wasm.WasmTestSupport.readLe32;
import static dev.canopy.wasm.WasmTestSupport.readLe64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.ErrorCode;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Stable memory through the 64-bit and the deprecated 32-bit API (spec "Stable memory"). */
class StableMemoryTest {
  static final String MODULE =
      """
      (module
        (import "ic0" "msg_reply" (func $reply))
        (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
        (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
        (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
        (import "ic0" "stable64_size" (func $size64 (result i64)))
        (import "ic0" "stable64_grow" (func $grow64 (param i64) (result i64)))
        (import "ic0" "stable64_write" (func $write64 (param i64 i64 i64)))
        (import "ic0" "stable64_read" (func $read64 (param i64 i64 i64)))
        (import "ic0" "stable_size" (func $size32 (result i32)))
        (import "ic0" "stable_grow" (func $grow32 (param i32) (result i32)))
        (import "ic0" "stable_write" (func $write32 (param i32 i32 i32)))
        (import "ic0" "stable_read" (func $read32 (param i32 i32 i32)))
        (memory 1)
        (func $reply_i64 (param i64)
          (i64.store (i32.const 0) (local.get 0))
          (call $append (i32.const 0) (i32.const 8)) (call $reply))
        ;; arg: i64 pages to grow
        (func (export "canister_update grow64")
          (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8))
          (call $reply_i64 (call $grow64 (i64.load (i32.const 0)))))
        (func (export "canister_update size64") (call $reply_i64 (call $size64)))
        ;; arg: i64 offset, then the bytes to write
        (func (export "canister_update write64")
          (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
          (call $write64 (i64.load (i32.const 0)) (i64.const 8)
            (i64.extend_i32_u (i32.sub (call $arg_size) (i32.const 8))))
          (call $reply))
        ;; arg: i64 offset, i64 size; replies with the bytes
        (func (export "canister_update read64")
          (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 16))
          (call $read64 (i64.const 100) (i64.load (i32.const 0)) (i64.load (i32.const 8)))
          (call $append (i32.const 100) (i32.wrap_i64 (i64.load (i32.const 8))))
          (call $reply))
        (func (export "canister_update grow32")
          (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
          (call $reply_i64 (i64.extend_i32_s (call $grow32 (i32.load (i32.const 0))))))
        (func (export "canister_update size32") (call $reply_i64 (i64.extend_i32_u (call $size32))))
        (func (export "canister_update roundtrip32")
          (i32.store (i32.const 0) (i32.const 0x01020304))
          (call $write32 (i32.const 65530) (i32.const 0) (i32.const 4))
          (call $read32 (i32.const 50) (i32.const 65530) (i32.const 4))
          (call $append (i32.const 50) (i32.const 4)) (call $reply))
      )
      """;

  static WasmEngine engine;
  static CanisterModule module;
  static CanisterState installed;

  @BeforeAll
  static void install() {
    engine = WasmEngine.builder()
        .withLimits(ExecutionLimits.internetComputerDefaults().withMaxStableMemoryBytes(8L << 30))
        .withExecutionThreads(1)
        .build();
    module = engine.load(WasmTestSupport.wasm(MODULE));
    installed = engine.install(module, new InstallArgs(new byte[0], USER), env()).state();
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  static ExecutionResult call(CanisterState s, String method, byte[] arg) {
    return engine.execute(module, s, MethodCall.update(method, arg, USER), env());
  }

  static byte[] reply(ExecutionResult r) {
    assertThat(r.trap()).isEmpty();
    return ((CallResponse.Reply) r.response().get()).payload();
  }

  static byte[] le64(long... values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      b.putLong(v);
    }
    return b.array();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void growWriteAndReadAcrossPageBoundaries() {
    ExecutionResult grown = call(installed, "grow64", le64(2));
    assertThat(readLe64(reply(grown), 0)).isZero();
    CanisterState s = grown.state();
    assertThat(readLe64(reply(call(s, "size64", new byte[0])), 0)).isEqualTo(2);
    byte[] data = {1, 2, 3, 4, 5, 6};
    ExecutionResult written = call(s, "write64", concat(le64(65533), data));
    assertThat(written.trap()).isEmpty();
    assertThat(reply(call(written.state(), "read64", le64(65533, 6)))).isEqualTo(data);
    assertThat(reply(call(written.state(), "read64", le64(65532, 2)))).containsExactly(0, 1);
    // The earlier version is unchanged.
    assertThat(reply(call(s, "read64", le64(65533, 6)))).containsOnly(0);
  }

  @Test
  void accessBeyondTheStableMemoryTraps() {
    CanisterState s = call(installed, "grow64", le64(1)).state();
    ExecutionResult r = call(s, "write64", concat(le64(65535), new byte[] {1, 2}));
    assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_TRAPPED);
    assertThat(r.trap().get().message()).contains("stable memory");
    assertThat(call(s, "read64", le64(-1, 2)).trap()).isPresent();
  }

  @Test
  void growingPastTheLimitReturnsMinusOne() {
    long maxPages = (8L << 30) / 65536;
    assertThat(readLe64(reply(call(installed, "grow64", le64(maxPages + 1))), 0)).isEqualTo(-1);
    ExecutionResult all = call(installed, "grow64", le64(maxPages));
    assertThat(readLe64(reply(all), 0)).isZero();
    // Growing allocates nothing until pages are written.
    assertThat(all.state().stableMemory().materializedPages()).isZero();
    assertThat(readLe64(reply(call(all.state(), "grow64", le64(1))), 0)).isEqualTo(-1);
  }

  @Test
  void theDeprecated32BitApiWorksBelow4GiB() {
    assertThat(readLe64(reply(call(installed, "grow32", le32(2))), 0)).isZero();
    CanisterState s = call(installed, "grow32", le32(2)).state();
    assertThat(readLe64(reply(call(s, "size32", new byte[0])), 0)).isEqualTo(2);
    assertThat(readLe32(reply(call(s, "roundtrip32", new byte[0])))).isEqualTo(0x01020304);
    assertThat(readLe64(reply(call(s, "grow32", le32(65535))), 0)).isEqualTo(-1);
  }

  @Test
  void theDeprecated32BitApiTrapsAbove4GiB() {
    CanisterState big = call(installed, "grow64", le64(65537)).state();
    ExecutionResult r = call(big, "size32", new byte[0]);
    assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_TRAPPED);
    assertThat(r.trap().get().message()).contains("more than 4 GiB");
    assertThat(call(big, "grow32", le32(1)).trap()).isPresent();
  }
}
