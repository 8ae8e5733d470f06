package dev.canopy.wasm;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.TreeMap;

/** Shared fixtures of the engine tests: WAT compilation, an environment, principals. */
final class WasmTestSupport {
  static final Principal USER = Principal.fromBytes(new byte[] {10, 20, 30, 1});
  static final Principal CONTROLLER = Principal.fromBytes(new byte[] {10, 20, 30, 2});
  static final CanisterId CANISTER = CanisterId.fromIndex(7);
  static final SubnetId SUBNET = new SubnetId(Principal.fromBytes(new byte[] {9, 9, 9, 2}));
  static final long TIME_NS = 1_700_000_000_000_000_000L;
  static final BigInteger BALANCE = BigInteger.valueOf(100_000_000_000_000L);

  /**
   * The imports most tests use, with short names. Modules list only what they use, because an
   * unused import still has to be a System API function.
   */
  static final String IMPORTS =
      """
      (import "ic0" "msg_reply" (func $reply))
      (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
      (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
      (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
      (import "ic0" "debug_print" (func $print (param i32 i32)))
      (import "ic0" "trap" (func $trap (param i32 i32)))
      """;

  private WasmTestSupport() {}

  static byte[] wasm(String wat) {
    return Wat2Wasm.parse(wat);
  }

  /** A module with {@link #IMPORTS}, one memory page and the given body. */
  static byte[] canister(String body) {
    return wasm("(module " + IMPORTS + " (memory 1) " + body + ")");
  }

  static ExecutionEnvironment env() {
    return new ExecutionEnvironment(CANISTER, SUBNET, 13, List.of(CONTROLLER),
        CanisterStatus.RUNNING, 3, BALANCE, BigInteger.valueOf(1_000_000),
        BigInteger.ZERO, TIME_NS, new byte[] {0x30, 0x01, 0x02}, new TreeMap<>());
  }

  private static WasmEngine shared;

  /**
   * One engine for the test classes that run the Motoko fixtures, so each module compiles once per
   * test run; never closed (its threads are daemons).
   */
  static synchronized WasmEngine sharedEngine() {
    if (shared == null) {
      shared = WasmEngine.builder().withExecutionThreads(2).build();
    }
    return shared;
  }

  static WasmEngine engine() {
    return WasmEngine.builder().withExecutionThreads(1).withThreadStackBytes(64L << 20).build();
  }

  static byte[] le32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  static int readLe32(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  static long readLe64(byte[] b, int offset) {
    return ByteBuffer.wrap(b, offset, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  static BigInteger readLe128(byte[] b) {
    byte[] be = new byte[17];
    for (int i = 0; i < 16; i++) {
      be[16 - i] = b[i];
    }
    return new BigInteger(be);
  }
}
