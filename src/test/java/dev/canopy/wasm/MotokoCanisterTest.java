package dev.canopy.wasm;

import static dev.canopy.wasm.WasmTestSupport.USER;
import static dev.canopy.wasm.WasmTestSupport.env;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidText;
import dev.canopy.candid.CandidType;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.WasmEngine.InstallArgs;
import dev.canopy.wasm.WasmEngine.UpgradeArgs;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed Motoko canisters (moc, classic persistence, wasm32) installed and run by the
 * engine, with Candid arguments from the project's codec.
 */
class MotokoCanisterTest {
  static WasmEngine engine;

  @BeforeAll
  static void start() {
    engine = WasmTestSupport.sharedEngine();
  }


  static CanisterModule load(String name) throws IOException {
    try (InputStream in = MotokoCanisterTest.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      return engine.load(in.readAllBytes());
    }
  }

  /** Binary Candid for a tuple given as types and values, e.g. {@code ("nat", "(5)")}. */
  static byte[] candid(String types, String values) {
    List<CandidType> t = new ArrayList<>();
    if (!types.isEmpty()) {
      for (String type : types.split(";")) {
        t.add(CandidText.parseType(type.trim()));
      }
    }
    return new CandidArgs(t, CandidText.parseArgs(values, t)).encode();
  }

  static final byte[] NO_ARGS = candid("", "()");

  static byte[] reply(ExecutionResult r) {
    assertThat(r.trap()).as("trap").isEmpty();
    assertThat(r.response()).containsInstanceOf(CallResponse.Reply.class);
    return ((CallResponse.Reply) r.response().get()).payload();
  }

  static ExecutionResult update(CanisterModule m, CanisterState s, String method, byte[] arg) {
    return engine.execute(m, s, MethodCall.update(method, arg, USER), env());
  }

  static byte[] query(CanisterModule m, CanisterState s, String method, byte[] arg) {
    return reply(engine.execute(m, s, MethodCall.query(method, arg, USER), env()));
  }

  @Test
  void theCounterCountsAndAQueryReadsIt() throws IOException {
    CanisterModule counter = load("counter");
    ExecutionResult installed = engine.install(counter, new InstallArgs(NO_ARGS, USER), env());
    assertThat(installed.trap()).isEmpty();
    CanisterState s = installed.state();
    assertThat(query(counter, s, "get", NO_ARGS)).isEqualTo(candid("nat", "(0)"));
    for (int i = 0; i < 3; i++) {
      ExecutionResult r = update(counter, s, "inc", NO_ARGS);
      assertThat(reply(r)).isEqualTo(NO_ARGS);
      assertThat(r.instructionsUsed()).isPositive();
      s = r.state();
    }
    assertThat(query(counter, s, "get", NO_ARGS)).isEqualTo(candid("nat", "(3)"));
    s = update(counter, s, "set", candid("nat", "(1000000000000)")).state();
    assertThat(query(counter, s, "get", NO_ARGS)).isEqualTo(candid("nat", "(1000000000000)"));
  }

  @Test
  void anActorClassReceivesItsInitArgument() throws IOException {
    CanisterModule counter = load("counter_with_init");
    ExecutionResult installed =
        engine.install(counter, new InstallArgs(candid("nat", "(41)"), USER), env());
    assertThat(installed.trap()).isEmpty();
    CanisterState s = update(counter, installed.state(), "inc", NO_ARGS).state();
    assertThat(query(counter, s, "get", NO_ARGS)).isEqualTo(candid("nat", "(42)"));
  }

  @Test
  void aMalformedArgumentMakesMotokoTrap() throws IOException {
    CanisterModule counter = load("counter");
    CanisterState s = engine.install(counter, new InstallArgs(NO_ARGS, USER), env()).state();
    ExecutionResult r = update(counter, s, "set", new byte[] {1, 2, 3});
    assertThat(r.trap()).isPresent();
    assertThat(r.state()).isSameAs(s);
  }

  @Test
  void stableVariablesSurviveAnUpgrade() throws IOException {
    CanisterModule v1 = load("stable_store");
    CanisterModule v2 = load("stable_store_v2");
    CanisterState s = engine.install(v1, new InstallArgs(NO_ARGS, USER), env()).state();
    s = update(v1, s, "put", candid("text; text", "(\"b\", \"2\")")).state();
    s = update(v1, s, "put", candid("text; text", "(\"a\", \"1\")")).state();
    assertThat(query(v1, s, "version", NO_ARGS)).isEqualTo(candid("nat", "(1)"));

    ExecutionResult up = engine.upgrade(v1, s, v2,
        new UpgradeArgs(NO_ARGS, USER, false, 5), env());
    assertThat(up.trap()).isEmpty();
    CanisterState after = up.state();
    assertThat(query(v2, after, "version", NO_ARGS)).isEqualTo(candid("nat", "(2)"));
    assertThat(query(v2, after, "putCount", NO_ARGS)).isEqualTo(candid("nat", "(2)"));
    assertThat(query(v2, after, "get", candid("text", "(\"a\")")))
        .isEqualTo(candid("opt text", "(opt \"1\")"));
    assertThat(query(v2, after, "keys", NO_ARGS))
        .isEqualTo(candid("vec text", "(vec { \"a\"; \"b\" })"));
  }
}
