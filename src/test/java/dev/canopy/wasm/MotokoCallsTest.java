package dev.canopy.wasm;

import static dev.canopy.wasm.MotokoCanisterTest.NO_ARGS;
import static dev.canopy.wasm.MotokoCanisterTest.candid;
import static dev.canopy.wasm.WasmTestSupport.USER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Principal;
import dev.canopy.types.RejectCode;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.CanisterInput.Response;
import dev.canopy.wasm.CanisterInput.ResponseContent;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.ExecutionResult.OutgoingCall;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Motoko canisters calling each other through the engine: a minimal router in the test delivers
 * each outgoing call to its callee and each response to the caller's callback.
 */
class MotokoCallsTest {
  static final CanisterId CALLER = CanisterId.fromIndex(100);
  static final CanisterId COUNTER = CanisterId.fromIndex(101);
  static final CanisterId CALLER_2 = CanisterId.fromIndex(102);

  static WasmEngine engine;
  static final Map<CanisterId, CanisterModule> modules = new TreeMap<>();
  static final Map<CanisterId, CanisterState> states = new TreeMap<>();

  static ExecutionEnvironment env(CanisterId id) {
    ExecutionEnvironment e = WasmTestSupport.env();
    return new ExecutionEnvironment(id, e.subnetId(), 13, e.controllers(), e.status(), 1,
        e.balanceCycles(), e.freezingLimitCycles(), e.reservedBalanceCycles(), e.timeNs(),
        e.rootKey(), e.environmentVariables());
  }

  static CanisterModule load(String name) throws IOException {
    try (InputStream in = MotokoCallsTest.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      return engine.load(in.readAllBytes());
    }
  }

  @BeforeAll
  static void install() throws IOException {
    engine = WasmTestSupport.sharedEngine();
    CanisterModule caller = load("caller");
    CanisterModule counter = load("counter");
    for (var entry : Map.of(CALLER, caller, COUNTER, counter, CALLER_2, caller).entrySet()) {
      ExecutionResult r = engine.install(entry.getValue(), new InstallArgs(NO_ARGS, USER),
          env(entry.getKey()));
      assertThat(r.trap()).isEmpty();
      modules.put(entry.getKey(), entry.getValue());
      states.put(entry.getKey(), r.state());
    }
  }


  /** A call waiting for its response: who made it and the callback to run. */
  record Pending(CanisterId caller, OutgoingCall call) {}

  /**
   * Runs an ingress update on {@code target} and every call it makes, depth first, until the
   * ingress call context is answered; returns that answer.
   */
  static CallResponse run(CanisterId target, String method, byte[] arg) {
    ExecutionResult r = engine.execute(modules.get(target), states.get(target),
        MethodCall.update(method, arg, USER), env(target));
    Deque<Pending> stack = new ArrayDeque<>();
    CallResponse answer = settle(target, r, stack);
    int steps = 0;
    while (answer == null && !stack.isEmpty() && steps++ < 100) {
      Pending p = stack.pop();
      CanisterId callee = CanisterId.fromBytes(p.call().callee().toBytes());
      MethodKind kind = modules.get(callee).methodKind(p.call().method()).orElseThrow();
      ExecutionResult calleeResult = engine.execute(modules.get(callee), states.get(callee),
          new MethodCall(kind, p.call().method(), p.call().payload(),
              p.caller().principal(), p.call().cycles(), true, Optional.empty(), 0, 0,
              CanisterInput.CallerInfo.NONE), env(callee));
      if (!calleeResult.trapped() && kind == MethodKind.UPDATE) {
        states.put(callee, calleeResult.state());
      }
      ResponseContent content;
      if (calleeResult.trapped()) {
        content = new ResponseContent.Reject(RejectCode.CANISTER_ERROR,
            calleeResult.trap().get().message());
      } else if (calleeResult.response().orElseThrow() instanceof CallResponse.Reply reply) {
        content = new ResponseContent.Reply(reply.payload());
      } else {
        content = new ResponseContent.Reject(RejectCode.CANISTER_REJECT,
            ((CallResponse.Reject) calleeResult.response().get()).message());
      }
      ExecutionResult callback = engine.execute(modules.get(p.caller()), states.get(p.caller()),
          new Response(p.call().callback(), content, BigInteger.ZERO, USER, BigInteger.ZERO,
              false, false, 0, 0), env(p.caller()));
      answer = settle(p.caller(), callback, stack);
    }
    return answer;
  }

  private static CallResponse settle(CanisterId id, ExecutionResult r, Deque<Pending> stack) {
    assertThat(r.trap()).as("execution on %s", id).isEmpty();
    states.put(id, r.state());
    for (OutgoingCall c : r.calls()) {
      stack.push(new Pending(id, c));
    }
    return r.response().orElse(null);
  }

  static byte[] reply(CallResponse r) {
    assertThat(r).isInstanceOf(CallResponse.Reply.class);
    return ((CallResponse.Reply) r).payload();
  }

  @Test
  void aMotokoCanisterAwaitsTwoCallsToAnother() {
    byte[] target = candid("principal", "(principal \"" + COUNTER.toText() + "\")");
    assertThat(reply(run(CALLER, "callInc", target))).isEqualTo(candid("nat", "(1)"));
    assertThat(reply(run(CALLER, "callInc", target))).isEqualTo(candid("nat", "(2)"));
  }

  @Test
  void aCalleesRejectAndTrapReachTheCallerWithTheirCodes() {
    String callee = "principal \"" + CALLER_2.toText() + "\"";
    byte[] rejected = reply(run(CALLER, "callFailing",
        candid("principal; bool; text", "(" + callee + ", false, \"no\")")));
    assertThat(rejected).isEqualTo(candid("text", "(\"canister_reject: no\")"));
    byte[] trapped = reply(run(CALLER, "callFailing",
        candid("principal; bool; text", "(" + callee + ", true, \"boom\")")));
    assertThat(new String(trapped, java.nio.charset.StandardCharsets.UTF_8))
        .contains("canister_error: ").contains("boom");
  }

  @Test
  void aMotokoTrapIsAnExplicitTrap() {
    ExecutionResult r = engine.execute(modules.get(CALLER), states.get(CALLER),
        MethodCall.update("trap", candid("text", "(\"stop\")"), USER), env(CALLER));
    assertThat(r.trap().get().code()).isEqualTo(ErrorCode.CANISTER_CALLED_TRAP);
    assertThat(r.trap().get().message()).contains("stop");
    assertThat(r.logs()).isNotEmpty();
    List<String> lines = r.logs().stream().map(ExecutionResult.LogRecord::text).toList();
    assertThat(String.join("\n", lines)).contains("stop");
  }
}
