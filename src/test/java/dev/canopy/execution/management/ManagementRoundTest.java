package dev.canopy.execution.management;

import static dev.canopy.execution.management.ManagementTestSupport.ALICE;
import static dev.canopy.execution.management.ManagementTestSupport.FEES;
import static dev.canopy.execution.management.ManagementTestSupport.TIME_NS;
import static dev.canopy.execution.management.ManagementTestSupport.engine;
import static dev.canopy.execution.management.ManagementTestSupport.genesis;
import static dev.canopy.execution.management.ManagementTestSupport.motoko;
import static dev.canopy.execution.management.ManagementTestSupport.wat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.execution.Batch;
import dev.canopy.execution.Canister;
import dev.canopy.execution.IngressMessage;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.execution.RoundExecutor;
import dev.canopy.execution.RoundLimits;
import dev.canopy.execution.RunStatus;
import dev.canopy.execution.management.ManagementTypes.CanisterIdArgs;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.state.EffectiveId;
import dev.canopy.types.RequestId;
import dev.canopy.state.RequestStatus;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The management canister behind the round executor: canisters are created, installed, called,
 * upgraded and stopped with ingress messages, as a client would.
 */
class ManagementRoundTest {
  private ReplicatedState state = genesis();
  private long height = 1;
  private int nextRequest = 1;
  private RoundExecutor executor = executor(RoundLimits.defaults());

  static RoundExecutor executor(RoundLimits limits) {
    return RoundExecutor.builder().withEngine(engine())
        .withManagementCanister(IcManagementCanister.internetComputerDefaults())
        .withFees(FEES).withLimits(limits).build();
  }

  /** Runs one batch with these messages; returns their request ids. */
  List<RequestId> round(IngressMessage... messages) {
    height++;
    state = executor.executeRound(state, new Batch(height, TIME_NS + height, new byte[32],
        List.of(messages))).state();
    return java.util.Arrays.stream(messages).map(IngressMessage::requestId).toList();
  }

  IngressMessage ingress(CanisterId callee, String method, byte[] arg, CanisterId effective) {
    byte[] rid = new byte[32];
    rid[0] = (byte) nextRequest;
    rid[1] = (byte) (nextRequest >> 8);
    nextRequest++;
    return new IngressMessage(RequestId.fromBytes(rid), ALICE, callee, method, arg,
        TIME_NS + 1_000_000_000_000L, EffectiveId.canister(effective));
  }

  IngressMessage toManagement(String method, byte[] arg, CanisterId effective) {
    return ingress(CanisterId.MANAGEMENT, method, arg, effective);
  }

  RequestStatus status(RequestId id) {
    return state.ingressHistory().get(id).orElseThrow().status();
  }

  byte[] replied(RequestId id) {
    RequestStatus s = status(id);
    if (s instanceof RequestStatus.Rejected r) {
      throw new AssertionError("rejected: " + r.errorCode() + " " + r.message());
    }
    return ((RequestStatus.Replied) s).reply();
  }

  /** One update call through a round, its reply. */
  byte[] update(CanisterId id, String method, byte[] arg) {
    return replied(round(ingress(id, method, arg, id)).get(0));
  }

  CanisterId create() {
    return CreateCanisterResult.decode(replied(round(toManagement(
        "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode(),
        CanisterId.fromIndex(0x100))).get(0))).canisterId();
  }

  void install(CanisterId id, byte[] module, byte[] arg) {
    replied(round(toManagement("install_code",
        new InstallCodeArgs(InstallMode.INSTALL, id, module, arg, null).encode(), id)).get(0));
  }

  CanisterId createAndInstall(byte[] module, byte[] arg) {
    CanisterId id = create();
    install(id, module, arg);
    return id;
  }

  static byte[] noArgs() {
    return CandidArgs.EMPTY.encode();
  }

  static CandidValue single(byte[] reply) {
    return CandidArgs.decode(reply).get(0);
  }

  @Test
  void aMotokoCounterIsInstalledAndCalled() {
    CanisterId id = createAndInstall(motoko("counter"), noArgs());
    update(id, "inc", noArgs());
    update(id, "inc", noArgs());
    assertThat(single(update(id, "get", noArgs()))).isEqualTo(CandidValue.nat(2));
    Canister c = state.canister(id).orElseThrow();
    assertThat(c.module().orElseThrow().moduleHash())
        .isEqualTo(Hashing.sha256(motoko("counter")));
  }

  static byte[] textArgs(String... texts) {
    CandidArgs.Builder b = CandidArgs.builder();
    for (String t : texts) {
      b.add(CandidType.Prim.TEXT, CandidValue.text(t));
    }
    return b.build().encode();
  }

  @Test
  void upgradingStableStoreToV2KeepsTheStableData() {
    CanisterId id = createAndInstall(motoko("stable_store"), noArgs());
    update(id, "put", textArgs("colour", "green"));
    update(id, "put", textArgs("shape", "round"));
    RequestId up = round(toManagement("install_code", new InstallCodeArgs(
        new InstallMode.Upgrade(null, null), id, motoko("stable_store_v2"), noArgs(), null)
        .encode(), id)).get(0);
    replied(up);
    assertThat(single(update(id, "get", textArgs("colour"))))
        .isEqualTo(CandidValue.some(CandidValue.text("green")));
    assertThat(single(update(id, "keys", noArgs()))).isEqualTo(
        CandidValue.vec(CandidValue.text("colour"), CandidValue.text("shape")));
    Canister c = state.canister(id).orElseThrow();
    assertThat(c.system().history().totalChanges()).isEqualTo(3);
    assertThat(c.module().orElseThrow().moduleHash())
        .isEqualTo(Hashing.sha256(motoko("stable_store_v2")));
  }

  /** A counter kept in stable memory across upgrades; the post_upgrade may trap. */
  static byte[] stableCounter(boolean trapInPostUpgrade) {
    return wat("""
        (module
          (import "ic0" "msg_reply" (func $reply))
          (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
          (import "ic0" "stable_grow" (func $grow (param i32) (result i32)))
          (import "ic0" "stable_write" (func $swrite (param i32 i32 i32)))
          (import "ic0" "stable_read" (func $sread (param i32 i32 i32)))
          (import "ic0" "trap" (func $trap (param i32 i32)))
          (memory 1)
          (func (export "canister_update inc")
            (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
            (call $reply))
          (func (export "canister_update get")
            (call $append (i32.const 0) (i32.const 4)) (call $reply))
          (func (export "canister_pre_upgrade")
            (drop (call $grow (i32.const 1)))
            (call $swrite (i32.const 0) (i32.const 0) (i32.const 4)))
          (func (export "canister_post_upgrade")
            (call $sread (i32.const 0) (i32.const 0) (i32.const 4))
        """ + (trapInPostUpgrade ? "(call $trap (i32.const 0) (i32.const 0))" : "") + "))");
  }

  @Test
  void aTrappingPostUpgradeLeavesTheOldModuleAndState() {
    byte[] v1 = stableCounter(false);
    CanisterId id = createAndInstall(v1, new byte[0]);
    update(id, "inc", new byte[0]);
    update(id, "inc", new byte[0]);
    long version = state.canister(id).orElseThrow().system().version();
    RequestId up = round(toManagement("install_code", new InstallCodeArgs(
        new InstallMode.Upgrade(null, null), id, stableCounter(true), new byte[0], null)
        .encode(), id)).get(0);
    RequestStatus.Rejected r = (RequestStatus.Rejected) status(up);
    assertThat(r.errorCode()).contains("IC0503");
    assertThat(r.message()).startsWith("Error from Canister " + id + ": ");
    Canister c = state.canister(id).orElseThrow();
    assertThat(c.module().orElseThrow().moduleHash()).isEqualTo(Hashing.sha256(v1));
    assertThat(c.system().version()).isEqualTo(version);
    assertThat(update(id, "get", new byte[0])).containsExactly(2, 0, 0, 0);

    // The working upgrade keeps the count through stable memory.
    replied(round(toManagement("install_code", new InstallCodeArgs(
        new InstallMode.Upgrade(null, null), id, stableCounter(false), new byte[0], null)
        .encode(), id)).get(0));
    assertThat(update(id, "get", new byte[0])).containsExactly(2, 0, 0, 0);
  }

  /**
   * On {@code run} or {@code ping}, calls {@code ping} of canister {@code callee} and replies when
   * the answer comes.
   */
  static byte[] forwarder(CanisterId callee) {
    StringBuilder id = new StringBuilder();
    for (byte b : callee.toBytes()) {
      id.append(String.format("\\%02x", b & 0xff));
    }
    return wat("""
        (module
          (import "ic0" "msg_reply" (func $reply))
          (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
          (import "ic0" "call_perform" (func $perform (result i32)))
          (memory 1)
          (table 2 funcref)
          (elem (i32.const 0) $on_reply $on_reject)
          (data (i32.const 1000) "%s")
          (data (i32.const 1100) "ping")
          (func $on_reply (param i32) (call $reply))
          (func $on_reject (param i32) (call $reply))
          (func $forward
            (call $call_new (i32.const 1000) (i32.const %d) (i32.const 1100) (i32.const 4)
              (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
            (drop (call $perform)))
          (func (export "canister_update run") (call $forward))
          (func (export "canister_update ping") (call $forward)))
        """.formatted(id, callee.toBytes().length));
  }

  static final byte[] PONG = wat("""
      (module
        (import "ic0" "msg_reply" (func $reply))
        (func (export "canister_update ping") (call $reply)))
      """);

  @Test
  void stopWithAnOpenCallContextStaysStoppingUntilTheCallbackCompletes() {
    // caller -> middle -> pong, in descending id order: a round runs canisters in ascending id
    // order and each batch here has one inner round, so each hop takes a batch, and pong's answer
    // reaches the caller only in the batch after the stop.
    CanisterId pong = createAndInstall(PONG, new byte[0]);
    CanisterId middle = createAndInstall(forwarder(pong), new byte[0]);
    CanisterId caller = createAndInstall(forwarder(middle), new byte[0]);
    executor = executor(new RoundLimits(50_000_000_000L, 1, 1, 500, 10_000));
    RequestId run = round(ingress(caller, "run", new byte[0], caller)).get(0);
    assertThat(state.canister(caller).orElseThrow().system().callContexts().hasOpenContexts())
        .isTrue();

    RequestId stop = round(toManagement("stop_canister", new CanisterIdArgs(caller).encode(),
        caller)).get(0);
    assertThat(state.canister(caller).orElseThrow().system().status())
        .isInstanceOf(RunStatus.Stopping.class);
    assertThat(status(stop)).isInstanceOf(RequestStatus.Processing.class);

    for (int i = 0; i < 5 && !(status(stop) instanceof RequestStatus.Replied); i++) {
      round();
    }
    assertThat(status(run)).isInstanceOf(RequestStatus.Replied.class);
    assertThat(status(stop)).isInstanceOf(RequestStatus.Replied.class);
    assertThat(state.canister(caller).orElseThrow().system().status())
        .isEqualTo(RunStatus.STOPPED);

    RequestId refused = round(ingress(caller, "run", new byte[0], caller)).get(0);
    assertThat(((RequestStatus.Rejected) status(refused)).errorCode()).contains("IC0508");
  }

  @Test
  void anUninstalledCanisterRejectsCallsAndKeepsItsControllers() {
    CanisterId id = createAndInstall(PONG, new byte[0]);
    replied(round(toManagement("uninstall_code",
        new ManagementTypes.UninstallCodeArgs(id, null).encode(), id)).get(0));
    RequestId refused = round(ingress(id, "ping", new byte[0], id)).get(0);
    assertThat(status(refused)).isInstanceOf(RequestStatus.Rejected.class);
    assertThat(state.canister(id).orElseThrow().system().controllers()).containsExactly(ALICE);
  }
}
