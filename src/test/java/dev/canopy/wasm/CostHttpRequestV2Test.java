package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static dev.canopy.wasm.WasmTestSupport.readLe128;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.candid.CandidValue;
import dev.canopy.types.ErrorCode;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.CanisterInput.SystemTask;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ic0.cost_http_request_v2}: the price of an outcall under pricing version 2, from a
 * Candid-encoded parameter record. Expected prices are worked out by hand from the Internet
 * Computer's formula (cycles account manager, {@code http_request_fee_v2}):
 * {@code n * (1_000_000 + 50 req + 140_000 n + 800 n² + 50 raw + 300 ms + instr / 13
 * + (10 n + 650) transformed)} for a subnet of {@code n} nodes.
 */
class CostHttpRequestV2Test {
  static final String CANISTER =
      """
      (module
        (import "ic0" "msg_reply" (func $reply))
        (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
        (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
        (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
        (import "ic0" "cost_http_request_v2" (func $cost (param i32 i32 i32)))
        (memory 1)
        ;; Prices the argument as the parameter blob and replies with the 16-byte result.
        (func $price
          (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
          (call $cost (i32.const 0) (call $arg_size) (i32.const 4096))
          (call $append (i32.const 4096) (i32.const 16))
          (call $reply))
        (func (export "canister_update cost") (call $price))
        (func (export "canister_query cost_query") (call $price))
        (func (export "canister_heartbeat")
          (call $cost (i32.const 0) (i32.const 0) (i32.const 4096)))
        (func (export "canister_update params_out_of_bounds")
          (call $cost (i32.const 65500) (i32.const 100) (i32.const 4096)) (call $reply))
        (func (export "canister_update dst_out_of_bounds")
          (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
          (call $cost (i32.const 0) (call $arg_size) (i32.const 65530)) (call $reply))
        (func (export "canister_update too_large")
          (call $cost (i32.const 0) (i32.const 1025) (i32.const 4096)) (call $reply))
      )
      """;

  // The parameter type, written out here rather than taken from the code under test.
  static final CandidType OUTCALL_TYPE = CandidType.variant(
      CandidType.field("fully_replicated", Prim.RESERVED),
      CandidType.field("non_replicated", Prim.RESERVED),
      CandidType.field("flexible", CandidType.opt(CandidType.record(
          CandidType.field("min_responses", Prim.NAT32),
          CandidType.field("max_responses", Prim.NAT32),
          CandidType.field("total_requests", Prim.NAT32)))));

  static WasmEngine engine;
  static CanisterModule module;
  static CanisterState state;

  @BeforeAll
  static void install() {
    engine = WasmTestSupport.engine();
    module = engine.load(WasmTestSupport.wasm(CANISTER));
    ExecutionResult r = engine.install(module, new InstallArgs(new byte[0], USER), env());
    assertThat(r.trap()).isEmpty();
    state = r.state();
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  /** The record the Rust CDK sends, with the given optional extra fields appended. */
  static byte[] params(long request, long roundtripMs, long raw, long transformed, long instr,
      Object... extra) {
    List<CandidType.Field> types = new ArrayList<>(List.of(
        CandidType.field("request_bytes", Prim.NAT64),
        CandidType.field("http_roundtrip_time_ms", Prim.NAT64),
        CandidType.field("raw_response_bytes", Prim.NAT64),
        CandidType.field("transformed_response_bytes", Prim.NAT64),
        CandidType.field("transform_instructions", Prim.NAT64)));
    List<CandidValue.FieldValue> values = new ArrayList<>(List.of(
        CandidValue.field("request_bytes", CandidValue.nat64(request)),
        CandidValue.field("http_roundtrip_time_ms", CandidValue.nat64(roundtripMs)),
        CandidValue.field("raw_response_bytes", CandidValue.nat64(raw)),
        CandidValue.field("transformed_response_bytes", CandidValue.nat64(transformed)),
        CandidValue.field("transform_instructions", CandidValue.nat64(instr))));
    for (int i = 0; i < extra.length; i += 3) {
      types.add(CandidType.field((String) extra[i], (CandidType) extra[i + 1]));
      values.add(CandidValue.field((String) extra[i], (CandidValue) extra[i + 2]));
    }
    return CandidArgs.builder()
        .add(new CandidType.Record(types), new CandidValue.Record(values))
        .build().encode();
  }

  /** The parameters of the IC's own benchmark of this call. */
  static byte[] benchmarkParams(Object... extra) {
    return params(1_000, 2_000, 3_000, 2_000, 1_000_000, extra);
  }

  static ExecutionEnvironment envWithNodes(int nodes) {
    ExecutionEnvironment e = env();
    return new ExecutionEnvironment(e.canisterId(), e.subnetId(), nodes, e.controllers(),
        e.status(), e.canisterVersion(), e.balanceCycles(), e.freezingLimitCycles(),
        e.reservedBalanceCycles(), e.timeNs(), e.rootKey(), new TreeMap<>());
  }

  static ExecutionResult call(String method, byte[] arg, ExecutionEnvironment e) {
    return engine.execute(module, state, MethodCall.update(method, arg, USER), e);
  }

  static BigInteger price(byte[] arg, ExecutionEnvironment e) {
    ExecutionResult r = call("cost", arg, e);
    assertThat(r.trap()).isEmpty();
    return readLe128(((CallResponse.Reply) r.response().get()).payload());
  }

  static void assertTrap(ExecutionResult r, ErrorCode code, String messagePart) {
    assertThat(r.trap()).hasValueSatisfying(t -> {
      assertThat(t.code()).isEqualTo(code);
      assertThat(t.message()).contains(messagePart);
    });
    assertThat(r.response()).isEmpty();
  }

  @Test
  void aThirteenNodeSubnetPricesByTheFormula() {
    // Per node: 1_000_000 + 50*1_000 + 140_000*13 + 800*13*13 + 50*3_000 + 300*2_000
    //   + 1_000_000/13 + (10*13 + 650)*2_000
    //   = 1_000_000 + 50_000 + 1_820_000 + 135_200 + 150_000 + 600_000 + 76_923 + 1_560_000
    //   = 5_392_123; times 13 nodes = 70_097_599.
    assertThat(price(benchmarkParams(), envWithNodes(13))).isEqualTo(70_097_599L);
  }

  @Test
  void theSubnetSizeScalesThePrice() {
    // Per node: 1_000_000 + 50_000 + 140_000*34 + 800*34*34 + 150_000 + 600_000 + 76_923
    //   + (10*34 + 650)*2_000
    //   = 1_000_000 + 50_000 + 4_760_000 + 924_800 + 150_000 + 600_000 + 76_923 + 1_980_000
    //   = 9_541_723; times 34 nodes = 324_418_582.
    assertThat(price(benchmarkParams(), envWithNodes(34))).isEqualTo(324_418_582L);
  }

  @Test
  void nothingToPriceStillCostsTheBaseFee() {
    // 13 * (1_000_000 + 140_000*13 + 800*13*13) = 13 * 2_955_200 = 38_417_600; and 12
    // instructions are below the 13 that cost a cycle.
    assertThat(price(params(0, 0, 0, 0, 12), envWithNodes(13))).isEqualTo(38_417_600L);
  }

  @Test
  void theCountsAreUnsigned64BitNumbers() {
    // request_bytes = 2^64 - 1 (all bits set): 13 * (2_955_200 + 50 * (2^64 - 1)).
    BigInteger max64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    BigInteger expected = BigInteger.valueOf(2_955_200)
        .add(BigInteger.valueOf(50).multiply(max64)).multiply(BigInteger.valueOf(13));
    assertThat(price(params(-1, 0, 0, 0, 0), envWithNodes(13))).isEqualTo(expected);
  }

  @Test
  void anExplicitFullyReplicatedOutcallCostsTheSameAsTheDefault() {
    BigInteger none = price(benchmarkParams("outcall_type", CandidType.opt(OUTCALL_TYPE),
        CandidValue.none()), env());
    // The Rust CDK sends the payload as `reserved`; the spec asks for `null`: both carry no data.
    BigInteger reserved = price(benchmarkParams("outcall_type", CandidType.opt(OUTCALL_TYPE),
        CandidValue.some(CandidValue.variant("fully_replicated", new CandidValue.Reserved()))),
        env());
    BigInteger nullPayload = price(benchmarkParams("outcall_type",
        CandidType.opt(CandidType.variant(CandidType.field("fully_replicated", Prim.NULL))),
        CandidValue.some(CandidValue.variant("fully_replicated", new CandidValue.Null()))), env());
    assertThat(List.of(none, reserved, nullPayload)).containsOnly(BigInteger.valueOf(70_097_599L));
  }

  @Test
  void itMayBeCalledFromQueriesAndSystemTasksToo() {
    ExecutionResult q = engine.execute(module, state,
        MethodCall.query("cost_query", benchmarkParams(), USER), env());
    assertThat(readLe128(((CallResponse.Reply) q.response().get()).payload()))
        .isEqualTo(70_097_599L);
    // The heartbeat prices an empty blob, which is no Candid: reaching the decoder shows the
    // context check let the call through.
    assertTrap(engine.execute(module, state, new SystemTask(SystemTask.Task.HEARTBEAT), env()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "not a Candid encoding");
  }

  @Test
  void itMayBeCalledFromTheStartFunction() {
    // The spec allows cost_* in every context, (start) included ("* s"); there is no context
    // in which it traps for being called there.
    StringBuilder data = new StringBuilder();
    byte[] blob = benchmarkParams();
    for (byte b : blob) {
      data.append(String.format("\\%02x", b & 0xff));
    }
    CanisterModule m = engine.load(WasmTestSupport.wasm("""
        (module
          (import "ic0" "cost_http_request_v2" (func $cost (param i32 i32 i32)))
          (memory 1)
          (data (i32.const 0) "%s")
          (func $start
            (call $cost (i32.const 0) (i32.const %d) (i32.const 4096))
            ;; The price fits the low 32 bits: 70_097_599.
            (if (i32.ne (i32.load (i32.const 4096)) (i32.const 70097599)) (then unreachable)))
          (start $start))
        """.formatted(data, blob.length)));
    ExecutionResult r = engine.install(m, new InstallArgs(new byte[0], USER), env());
    assertThat(r.trap()).isEmpty();
  }

  @Test
  void bytesThatAreNotCandidTrap() {
    assertTrap(call("cost", "hello".getBytes(StandardCharsets.UTF_8), env()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "not a Candid encoding of the parameter record");
    byte[] truncated = benchmarkParams();
    assertTrap(call("cost", java.util.Arrays.copyOf(truncated, truncated.length - 1), env()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "not a Candid encoding");
  }

  @Test
  void aMissingFieldTraps() {
    byte[] fourFields = CandidArgs.builder()
        .add(CandidType.record(
                CandidType.field("request_bytes", Prim.NAT64),
                CandidType.field("http_roundtrip_time_ms", Prim.NAT64),
                CandidType.field("raw_response_bytes", Prim.NAT64),
                CandidType.field("transformed_response_bytes", Prim.NAT64)),
            CandidValue.record(
                CandidValue.field("request_bytes", CandidValue.nat64(1)),
                CandidValue.field("http_roundtrip_time_ms", CandidValue.nat64(1)),
                CandidValue.field("raw_response_bytes", CandidValue.nat64(1)),
                CandidValue.field("transformed_response_bytes", CandidValue.nat64(1))))
        .build().encode();
    assertTrap(call("cost", fourFields, env()), ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "not a Candid encoding of the parameter record");
  }

  @Test
  void aFieldOfAnotherTypeTraps() {
    byte[] natNotNat64 = CandidArgs.builder()
        .add(CandidType.record(
                CandidType.field("request_bytes", Prim.NAT),
                CandidType.field("http_roundtrip_time_ms", Prim.NAT64),
                CandidType.field("raw_response_bytes", Prim.NAT64),
                CandidType.field("transformed_response_bytes", Prim.NAT64),
                CandidType.field("transform_instructions", Prim.NAT64)),
            CandidValue.record(
                CandidValue.field("request_bytes", CandidValue.nat(1)),
                CandidValue.field("http_roundtrip_time_ms", CandidValue.nat64(1)),
                CandidValue.field("raw_response_bytes", CandidValue.nat64(1)),
                CandidValue.field("transformed_response_bytes", CandidValue.nat64(1)),
                CandidValue.field("transform_instructions", CandidValue.nat64(1))))
        .build().encode();
    assertTrap(call("cost", natNotNat64, env()), ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "request_bytes has type nat, expected nat64");
  }

  @Test
  void anExtraFieldTraps() {
    assertTrap(call("cost", benchmarkParams("max_response_bytes", Prim.NAT64,
        CandidValue.nat64(5)), env()), ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "that the parameter type does not have");
    // An extra field that an opt would otherwise swallow silently is refused just the same.
    assertTrap(call("cost", benchmarkParams("outcall_type",
        CandidType.opt(CandidType.variant(CandidType.field("fully_replicated", Prim.NAT))),
        CandidValue.some(CandidValue.variant("fully_replicated", CandidValue.nat(7)))), env()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "fully_replicated has type nat, expected null");
  }

  @Test
  void moreThanOneValueTraps() {
    byte[] two = CandidArgs.builder()
        .add(Prim.NAT64, CandidValue.nat64(1))
        .add(Prim.NAT64, CandidValue.nat64(2))
        .build().encode();
    assertTrap(call("cost", two, env()), ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "expected exactly one Candid value, found 2");
  }

  @Test
  void otherOutcallKindsAreRefusedRatherThanGuessed() {
    assertTrap(call("cost", benchmarkParams("outcall_type", CandidType.opt(OUTCALL_TYPE),
        CandidValue.some(CandidValue.variant("non_replicated", new CandidValue.Reserved()))),
        env()), ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "pricing of non_replicated outcalls is not supported");
    assertTrap(call("cost", benchmarkParams("outcall_type", CandidType.opt(OUTCALL_TYPE),
        CandidValue.some(CandidValue.variant("flexible", CandidValue.none()))), env()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "pricing of flexible outcalls is not supported");
  }

  @Test
  void outOfBoundsMemoryTraps() {
    assertTrap(call("params_out_of_bounds", new byte[0], env()), ErrorCode.CANISTER_TRAPPED,
        "out of bounds");
    assertTrap(call("dst_out_of_bounds", benchmarkParams(), env()), ErrorCode.CANISTER_TRAPPED,
        "out of bounds");
  }

  @Test
  void aBlobOverTheLimitTraps() {
    assertTrap(call("too_large", new byte[0], env()), ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "the parameter blob has 1025 bytes, more than the 1024 accepted");
  }
}
