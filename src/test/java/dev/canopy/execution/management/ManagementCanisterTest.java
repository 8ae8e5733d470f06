package dev.canopy.execution.management;

import dev.canopy.execution.QueryExecutor;
import static dev.canopy.execution.management.ManagementTestSupport.ALICE;
import static dev.canopy.execution.management.ManagementTestSupport.BOB;
import static dev.canopy.execution.management.ManagementTestSupport.FEES;
import static dev.canopy.execution.management.ManagementTestSupport.T;
import static dev.canopy.execution.management.ManagementTestSupport.TIME_NS;
import static dev.canopy.execution.management.ManagementTestSupport.context;
import static dev.canopy.execution.management.ManagementTestSupport.engine;
import static dev.canopy.execution.management.ManagementTestSupport.fromCanister;
import static dev.canopy.execution.management.ManagementTestSupport.genesis;
import static dev.canopy.execution.management.ManagementTestSupport.ingress;
import static dev.canopy.execution.management.ManagementTestSupport.rejectOf;
import static dev.canopy.execution.management.ManagementTestSupport.replyOf;
import static dev.canopy.execution.management.ManagementTestSupport.wat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.execution.CallContextManager;
import dev.canopy.execution.CallOrigin;
import dev.canopy.execution.CallOutcome;
import dev.canopy.execution.Canister;
import dev.canopy.execution.CanisterChange;
import dev.canopy.execution.CanisterLog;
import dev.canopy.execution.ChunkStore;
import dev.canopy.execution.Lifecycle;
import dev.canopy.execution.LogVisibility;
import dev.canopy.execution.ManagementCall;
import dev.canopy.execution.ManagementOutcome;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.execution.RunStatus;
import dev.canopy.execution.management.ManagementTypes.CanisterIdArgs;
import dev.canopy.execution.management.ManagementTypes.CanisterInfoArgs;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterArgs;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallChunkedCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.execution.management.ManagementTypes.ProvisionalTopUpArgs;
import dev.canopy.execution.management.ManagementTypes.UninstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.UpdateSettingsArgs;
import dev.canopy.execution.management.ManagementTypes.UploadChunkArgs;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Hashing;
import dev.canopy.types.Principal;
import dev.canopy.types.RejectCode;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each method of aaaaa-aa, called directly: its success and its error paths. */
class ManagementCanisterTest {
  final IcManagementCanister ic = IcManagementCanister.internetComputerDefaults();

  static final String MODULE_BODY = """
      (import "ic0" "msg_reply" (func $reply))
      (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
      (import "ic0" "debug_print" (func $print (param i32 i32)))
      (import "ic0" "trap" (func $trap (param i32 i32)))
      (memory 1)
      (data (i32.const 100) "hello")
      (func (export "canister_update get") (call $append (i32.const 100) (i32.const 5))
        (call $reply))
      """;
  static final byte[] MODULE = wat("(module " + MODULE_BODY
      + " (func (export \"canister_init\") (call $print (i32.const 100) (i32.const 5))))");
  static final byte[] TRAPPING_INIT = wat("(module " + MODULE_BODY
      + " (func (export \"canister_init\") (call $trap (i32.const 100) (i32.const 5))))");

  /** The result of a call, and the canister a creation made. */
  record Created(ReplicatedState state, CanisterId id) {}

  Created create(ReplicatedState state, Principal user, CanisterSettings settings) {
    ManagementOutcome out = ic.execute(state, ingress(user,
        "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, settings, null, null).encode()), context());
    CanisterId id = CreateCanisterResult.decode(replyOf(out)).canisterId();
    return new Created(out.state(), id);
  }

  Created createInstalled() {
    Created c = create(genesis(), ALICE, CanisterSettings.NONE);
    ManagementOutcome out = ic.execute(c.state(), ingress(ALICE, "install_code",
        new InstallCodeArgs(InstallMode.INSTALL, c.id(), MODULE, new byte[0], null).encode()),
        context());
    replyOf(out);
    return new Created(out.state(), c.id());
  }

  ManagementOutcome call(ReplicatedState state, Principal user, String method, byte[] arg) {
    return ic.execute(state, ingress(user, method, arg), context());
  }

  static void assertReject(ManagementOutcome out, ErrorCode code, String messagePart) {
    CallOutcome.Reject r = rejectOf(out);
    assertThat(r.errorCode()).contains(code);
    assertThat(r.code()).isEqualTo(code.rejectCode());
    assertThat(r.message()).contains(messagePart);
  }

  static CandidValue.Record record(String method, byte[] reply) {
    return (CandidValue.Record) ManagementTypes.decodeResult(method, reply).get(0);
  }

  // ---- creation

  @Test
  void provisionalCreateGivesTheDefaultBalanceAndTheCallerAsController() {
    Created c = create(genesis(), ALICE, CanisterSettings.NONE);
    Canister can = c.state().canister(c.id()).orElseThrow();
    assertThat(c.id()).isEqualTo(CanisterId.fromIndex(0x100));
    assertThat(can.system().cyclesBalance())
        .isEqualTo(IcManagementCanister.DEFAULT_PROVISIONAL_CYCLES_BALANCE);
    assertThat(can.system().controllers()).containsExactly(ALICE);
    assertThat(can.system().version()).isZero();
    assertThat(can.isEmpty()).isTrue();
    assertThat(can.system().settings()).isEqualTo(dev.canopy.execution.CanisterSettings.DEFAULT);
    assertThat(can.system().history().recentChanges()).singleElement().satisfies(ch -> {
      assertThat(ch.details()).isEqualTo(
          new CanisterChange.Details.Creation(List.of(ALICE), Optional.empty()));
      assertThat(ch.origin()).isEqualTo(new CanisterChange.Origin.FromUser(ALICE));
      assertThat(ch.timestampNs()).isEqualTo(TIME_NS);
    });
    Created second = create(c.state(), ALICE, CanisterSettings.NONE);
    assertThat(second.id()).isEqualTo(CanisterId.fromIndex(0x101));
  }

  @Test
  void provisionalCreateTakesAmountSettingsAndASpecifiedIdInTheSubnetsRange() {
    CanisterSettings settings = new CanisterSettings(List.of(BOB, ALICE), BigInteger.TEN, null,
        BigInteger.valueOf(100), null, null, LogVisibility.PUBLIC, null, null, null, null,
        List.of(new ManagementTypes.EnvironmentVariable("MODE", "dev")));
    CanisterId wanted = CanisterId.fromIndex(0x1f0);
    ManagementOutcome out = call(genesis(), ALICE, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(BigInteger.valueOf(7 * 1_000_000_000_000L), settings,
            wanted, null).encode());
    assertThat(CreateCanisterResult.decode(replyOf(out)).canisterId()).isEqualTo(wanted);
    Canister c = out.state().canister(wanted).orElseThrow();
    assertThat(c.system().cyclesBalance()).isEqualTo(BigInteger.valueOf(7_000_000_000_000L));
    assertThat(c.system().controllers()).containsExactlyInAnyOrder(ALICE, BOB);
    assertThat(c.system().settings().computeAllocationPercent()).isEqualTo(10);
    assertThat(c.system().settings().freezingThresholdSeconds()).isEqualTo(100);
    assertThat(c.system().settings().logVisibility()).isEqualTo(LogVisibility.PUBLIC);
    assertThat(c.system().settings().environmentVariables()).containsEntry("MODE", "dev");
    CanisterChange.Details.Creation creation = (CanisterChange.Details.Creation)
        c.system().history().recentChanges().get(0).details();
    assertThat(creation.environmentVariablesHash()).isPresent();

    // The same id again, and an id outside the ranges.
    assertReject(call(out.state(), ALICE, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, null, wanted, null).encode()),
        ErrorCode.CANISTER_ID_ALREADY_EXISTS, "already exists");
    assertReject(call(genesis(), ALICE, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, null, CanisterId.fromIndex(5), null).encode()),
        ErrorCode.CANISTER_NOT_HOSTED_BY_SUBNET, "is not hosted by subnet");
  }

  @Test
  void settingsOutOfRangeAreRejectedAndChangeNothing() {
    ReplicatedState s = genesis();
    CanisterSettings compute101 = new CanisterSettings(null, BigInteger.valueOf(101), null, null,
        null, null, null, null, null, null, null, null);
    ManagementOutcome out = call(s, ALICE, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, compute101, null, null).encode());
    assertReject(out, ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "ComputeAllocation expected to be in the range [0..100], got 101");
    assertThat(out.state().canisters()).isEmpty();

    List<Principal> eleven = java.util.stream.IntStream.range(0, 11)
        .mapToObj(i -> Principal.selfAuthenticating(new byte[] {(byte) i})).toList();
    assertReject(call(s, ALICE, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, new CanisterSettings(eleven, null, null, null,
            null, null, null, null, null, null, null, null), null, null).encode()),
        ErrorCode.INVALID_MANAGEMENT_PAYLOAD, "exceeds maximum allowed 10");
    CanisterSettings bigMemoryLimit = new CanisterSettings(null, null, null, null, null, null,
        null, null, null, BigInteger.ONE.shiftLeft(48).add(BigInteger.ONE), null, null);
    assertReject(call(s, ALICE, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(null, bigMemoryLimit, null, null).encode()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "Wasm memory limit");
  }

  @Test
  void malformedArgumentsAreIc0408AndRefundTheCycles() {
    ManagementOutcome out = ic.execute(genesis(), fromCanister(CanisterId.fromIndex(0x100),
        "install_code", new byte[] {'D', 'I', 'D', 'L', 0, 0}, BigInteger.TEN), context());
    assertReject(out, ErrorCode.INVALID_MANAGEMENT_PAYLOAD, "Error decoding candid");
    assertThat(rejectOf(out).message()).contains("install_code");
    assertThat(rejectOf(out).code()).isEqualTo(RejectCode.CANISTER_REJECT);
    assertThat(out.refundCycles()).isEqualTo(BigInteger.TEN);
  }

  @Test
  void unknownAndUnsupportedMethods() {
    ManagementOutcome unknown = call(genesis(), ALICE, "start", new byte[0]);
    assertReject(unknown, ErrorCode.CANISTER_METHOD_NOT_FOUND,
        "Management canister has no method 'start'");
    assertThat(rejectOf(unknown).code()).isEqualTo(RejectCode.CANISTER_ERROR);
    assertReject(ic.execute(genesis(), fromCanister(CanisterId.fromIndex(0x100),
        "sign_with_ecdsa", new byte[0], BigInteger.ONE), context()),
        ErrorCode.CANISTER_REJECTED_MESSAGE, "not supported");
    assertReject(call(genesis(), ALICE, "take_canister_snapshot", new byte[0]),
        ErrorCode.CANISTER_REJECTED_MESSAGE, "snapshots");
  }

  @Test
  void provisionalTopUpCreditsAnExistingCanister() {
    Created c = create(genesis(), ALICE, CanisterSettings.NONE);
    ManagementOutcome out = call(c.state(), BOB, "provisional_top_up_canister",
        new ProvisionalTopUpArgs(c.id(), T).encode());
    replyOf(out);
    assertThat(out.state().canister(c.id()).orElseThrow().system().cyclesBalance())
        .isEqualTo(IcManagementCanister.DEFAULT_PROVISIONAL_CYCLES_BALANCE.add(T));
    assertReject(call(c.state(), BOB, "provisional_top_up_canister",
        new ProvisionalTopUpArgs(CanisterId.fromIndex(0x150), T).encode()),
        ErrorCode.CANISTER_NOT_FOUND, "Canister " + CanisterId.fromIndex(0x150) + " not found");
  }

  @Test
  void createCanisterIsForCanistersAndTurnsTheAttachedCyclesIntoTheBalance() {
    Created parent = create(genesis(), ALICE, CanisterSettings.NONE);
    byte[] arg = new CreateCanisterArgs(null, null).encode();
    assertReject(call(parent.state(), ALICE, "create_canister", arg),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "create_canister cannot be called by a user");

    BigInteger attached = T.multiply(BigInteger.TWO);
    ManagementOutcome out = ic.execute(parent.state(),
        fromCanister(parent.id(), "create_canister", arg, attached), context());
    CanisterId child = CreateCanisterResult.decode(replyOf(out)).canisterId();
    assertThat(out.refundCycles()).isZero();
    Canister c = out.state().canister(child).orElseThrow();
    assertThat(c.system().cyclesBalance())
        .isEqualTo(attached.subtract(BigInteger.valueOf(500_000_000_000L)));
    assertThat(c.system().controllers()).containsExactly(parent.id().principal());
    assertThat(c.system().history().recentChanges().get(0).origin())
        .isEqualTo(new CanisterChange.Origin.FromCanister(parent.id().principal(),
            java.util.OptionalLong.empty()));

    ManagementOutcome poor = ic.execute(parent.state(),
        fromCanister(parent.id(), "create_canister", arg, BigInteger.valueOf(1000)), context());
    assertReject(poor, ErrorCode.INSUFFICIENT_CYCLES_FOR_CREATE_CANISTER, "requires a fee of");
    assertThat(poor.refundCycles()).isEqualTo(BigInteger.valueOf(1000));
  }

  @Test
  void aSenderCanisterVersionIsRecordedInTheHistory() {
    Created parent = create(genesis(), ALICE, CanisterSettings.NONE);
    ManagementOutcome out = ic.execute(parent.state(), fromCanister(parent.id(),
        "create_canister", new CreateCanisterArgs(null, 5L).encode(), T), context());
    CanisterId child = CreateCanisterResult.decode(replyOf(out)).canisterId();
    assertThat(out.state().canister(child).orElseThrow().system().history().recentChanges()
        .get(0).origin()).isEqualTo(new CanisterChange.Origin.FromCanister(
            parent.id().principal(), java.util.OptionalLong.of(5)));
  }

  // ---- settings

  @Test
  void updateSettingsChangesOnlyTheGivenFieldsAndRecordsControllerChanges() {
    Created c = create(genesis(), ALICE, CanisterSettings.NONE);
    CanisterSettings freeze = new CanisterSettings(null, null, null, BigInteger.valueOf(42),
        null, null, null, null, LogVisibility.PUBLIC, null, null, null);
    ManagementOutcome out = call(c.state(), ALICE, "update_settings",
        new UpdateSettingsArgs(c.id(), freeze, null).encode());
    replyOf(out);
    Canister after = out.state().canister(c.id()).orElseThrow();
    assertThat(after.system().settings().freezingThresholdSeconds()).isEqualTo(42);
    assertThat(after.system().settings().statusVisibility()).isEqualTo(LogVisibility.PUBLIC);
    assertThat(after.system().settings().computeAllocationPercent()).isZero();
    assertThat(after.system().controllers()).containsExactly(ALICE);
    assertThat(after.system().version()).isEqualTo(1);
    assertThat(after.system().history().totalChanges()).isEqualTo(1);

    CanisterSettings controllers = new CanisterSettings(List.of(BOB), null, null, null, null,
        null, null, null, null, null, null, null);
    ManagementOutcome handed = call(out.state(), ALICE, "update_settings",
        new UpdateSettingsArgs(c.id(), controllers, null).encode());
    replyOf(handed);
    Canister bobs = handed.state().canister(c.id()).orElseThrow();
    assertThat(bobs.system().controllers()).containsExactly(BOB);
    assertThat(bobs.system().settings().freezingThresholdSeconds()).isEqualTo(42);
    assertThat(bobs.system().history().recentChanges().get(1).details())
        .isEqualTo(new CanisterChange.Details.ControllersChange(List.of(BOB)));
    assertThat(bobs.system().history().recentChanges().get(1).canisterVersion()).isEqualTo(2);

    ManagementOutcome denied = call(handed.state(), ALICE, "update_settings",
        new UpdateSettingsArgs(c.id(), freeze, null).encode());
    assertReject(denied, ErrorCode.CANISTER_INVALID_CONTROLLER, "Only the controllers of the"
        + " canister " + c.id() + " can control it.\nCanister's controllers: " + BOB.toText()
        + "\nSender's ID: " + ALICE.toText());
    assertThat(denied.state()).isSameAs(handed.state());
  }

  // ---- chunks

  @Test
  void chunksUploadListAndClear() {
    Created c = create(genesis(), ALICE, CanisterSettings.NONE);
    byte[] chunk = {1, 2, 3};
    ManagementOutcome up = call(c.state(), ALICE, "upload_chunk",
        new UploadChunkArgs(c.id(), chunk).encode());
    CandidValue.Record hash = record("upload_chunk", replyOf(up));
    assertThat(hash.get("hash")).isEqualTo(CandidValue.blob(Hashing.sha256(chunk)));

    // The canister itself may upload too; a stranger may not.
    ManagementOutcome self = ic.execute(up.state(), fromCanister(c.id(), "upload_chunk",
        new UploadChunkArgs(c.id(), new byte[] {4}).encode(), BigInteger.ZERO), context());
    replyOf(self);
    assertReject(call(up.state(), BOB, "upload_chunk",
        new UploadChunkArgs(c.id(), chunk).encode()), ErrorCode.CANISTER_INVALID_CONTROLLER,
        "Only the controllers");

    ManagementOutcome listed = call(self.state(), ALICE, "stored_chunks",
        new CanisterIdArgs(c.id()).encode());
    CandidValue.Vec hashes = (CandidValue.Vec)
        ManagementTypes.decodeResult("stored_chunks", replyOf(listed)).get(0);
    assertThat(hashes.elements()).hasSize(2);

    ManagementOutcome cleared = call(self.state(), ALICE, "clear_chunk_store",
        new CanisterIdArgs(c.id()).encode());
    replyOf(cleared);
    assertThat(cleared.state().canister(c.id()).orElseThrow().system().chunkStore().size())
        .isZero();
  }

  @Test
  void chunksOverOneMebibyteAndAFullStoreAreRejected() {
    Created c = create(genesis(), ALICE, CanisterSettings.NONE);
    assertReject(call(c.state(), ALICE, "upload_chunk",
        new UploadChunkArgs(c.id(), new byte[ChunkStore.MAX_CHUNK_BYTES + 1]).encode()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "exceeds the maximum chunk size of 1048576");
    ReplicatedState s = c.state();
    for (int i = 0; i < ChunkStore.MAX_CHUNKS; i++) {
      s = call(s, ALICE, "upload_chunk",
          new UploadChunkArgs(c.id(), new byte[] {(byte) i, (byte) (i >> 8)}).encode()).state();
    }
    assertThat(s.canister(c.id()).orElseThrow().system().chunkStore().size())
        .isEqualTo(ChunkStore.MAX_CHUNKS);
    assertReject(call(s, ALICE, "upload_chunk",
        new UploadChunkArgs(c.id(), new byte[] {(byte) 0xee, 1, 1}).encode()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "maximum of 100 chunks");
    // A chunk already stored is accepted again.
    replyOf(call(s, ALICE, "upload_chunk", new UploadChunkArgs(c.id(), new byte[] {0, 0})
        .encode()));
  }

  @Test
  void installChunkedCodeAssemblesTheChunksAndChecksTheModuleHash() {
    Created target = create(genesis(), ALICE, CanisterSettings.NONE);
    Created store = create(target.state(), ALICE, CanisterSettings.NONE);
    byte[] first = Arrays.copyOfRange(MODULE, 0, MODULE.length / 2);
    byte[] second = Arrays.copyOfRange(MODULE, MODULE.length / 2, MODULE.length);
    ReplicatedState s = store.state();
    for (byte[] chunk : List.of(first, second)) {
      s = call(s, ALICE, "upload_chunk", new UploadChunkArgs(store.id(), chunk).encode())
          .state();
    }
    List<byte[]> hashes = List.of(Hashing.sha256(first), Hashing.sha256(second));
    ManagementOutcome out = call(s, ALICE, "install_chunked_code", new InstallChunkedCodeArgs(
        InstallMode.INSTALL, target.id(), store.id(), hashes, Hashing.sha256(MODULE),
        new byte[0], null).encode());
    replyOf(out);
    Canister installed = out.state().canister(target.id()).orElseThrow();
    assertThat(installed.module().orElseThrow().moduleHash()).isEqualTo(Hashing.sha256(MODULE));

    assertReject(call(s, ALICE, "install_chunked_code", new InstallChunkedCodeArgs(
        InstallMode.INSTALL, target.id(), store.id(), hashes, new byte[32], new byte[0], null)
        .encode()), ErrorCode.CANISTER_CONTRACT_VIOLATION, "does not match given hash");
    assertReject(call(s, ALICE, "install_chunked_code", new InstallChunkedCodeArgs(
        InstallMode.INSTALL, target.id(), null, hashes, Hashing.sha256(MODULE), new byte[0],
        null).encode()), ErrorCode.CANISTER_CONTRACT_VIOLATION, "was not found");
    assertReject(call(s, ALICE, "install_chunked_code", new InstallChunkedCodeArgs(
        InstallMode.INSTALL, target.id(), store.id(), List.of(new byte[3]),
        Hashing.sha256(MODULE), new byte[0], null).encode()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "The length is not 32");
    assertReject(call(s, BOB, "install_chunked_code", new InstallChunkedCodeArgs(
        InstallMode.INSTALL, target.id(), store.id(), hashes, Hashing.sha256(MODULE),
        new byte[0], null).encode()), ErrorCode.CANISTER_INVALID_CONTROLLER, "Only the");
  }

  // ---- install

  @Test
  void installRunsInitAndRecordsTheDeployment() {
    Created c = createInstalled();
    Canister can = c.state().canister(c.id()).orElseThrow();
    assertThat(can.module().orElseThrow().moduleHash()).isEqualTo(Hashing.sha256(MODULE));
    assertThat(can.system().version()).isEqualTo(1);
    assertThat(can.system().lastInstallTimeNs()).hasValue(TIME_NS);
    assertThat(can.system().log().records()).singleElement()
        .satisfies(r -> assertThat(new String(r.content())).isEqualTo("hello"));
    assertThat(can.system().history().recentChanges().get(1).details()).isEqualTo(
        new CanisterChange.Details.CodeDeployment(CanisterChange.InstallMode.INSTALL,
            Hashing.sha256(MODULE)));
    assertThat(can.system().cyclesBalance())
        .isLessThan(IcManagementCanister.DEFAULT_PROVISIONAL_CYCLES_BALANCE);
  }

  @Test
  void installErrorsFollowTheReferenceReplica() {
    Created empty = create(genesis(), ALICE, CanisterSettings.NONE);
    Created full = createInstalled();
    assertReject(call(full.state(), ALICE, "install_code", new InstallCodeArgs(
        InstallMode.INSTALL, full.id(), MODULE, new byte[0], null).encode()),
        ErrorCode.CANISTER_NON_EMPTY, "cannot be installed because the canister is not empty");
    assertReject(call(empty.state(), ALICE, "install_code", new InstallCodeArgs(
        new InstallMode.Upgrade(null, null), empty.id(), MODULE, new byte[0], null).encode()),
        ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND, "contains no Wasm module");
    assertReject(call(empty.state(), ALICE, "install_code", new InstallCodeArgs(
        InstallMode.INSTALL, empty.id(), new byte[] {0, 'a', 's', 'm', 9}, new byte[0], null)
        .encode()), ErrorCode.CANISTER_INVALID_WASM, "Wasm module is not valid");
    assertReject(call(empty.state(), BOB, "install_code", new InstallCodeArgs(
        InstallMode.INSTALL, empty.id(), MODULE, new byte[0], null).encode()),
        ErrorCode.CANISTER_INVALID_CONTROLLER, "Only the controllers");
    assertReject(call(full.state(), ALICE, "install_code", new InstallCodeArgs(
        new InstallMode.Upgrade(null, true), full.id(), MODULE, new byte[0], null).encode()),
        ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "requires that the new canister module supports enhanced orthogonal persistence");
  }

  @Test
  void aTrapInInitChangesNothing() {
    Created c = create(genesis(), ALICE, CanisterSettings.NONE);
    ManagementOutcome out = call(c.state(), ALICE, "install_code", new InstallCodeArgs(
        InstallMode.INSTALL, c.id(), TRAPPING_INIT, new byte[0], null).encode());
    assertReject(out, ErrorCode.CANISTER_CALLED_TRAP, "Error from Canister " + c.id());
    assertThat(out.state()).isSameAs(c.state());
    Canister can = out.state().canister(c.id()).orElseThrow();
    assertThat(can.isEmpty()).isTrue();
    assertThat(can.system().version()).isZero();
  }

  @Test
  void reinstallReplacesCodeAndInstallFailsWhenItWouldFreezeTheCanister() {
    Created c = createInstalled();
    ManagementOutcome re = call(c.state(), ALICE, "install_code", new InstallCodeArgs(
        InstallMode.REINSTALL, c.id(), MODULE, new byte[0], null).encode());
    replyOf(re);
    Canister can = re.state().canister(c.id()).orElseThrow();
    assertThat(can.system().version()).isEqualTo(2);
    assertThat(can.system().history().totalChanges()).isEqualTo(3);

    // A canister whose balance cannot cover its freezing threshold after the install.
    ManagementOutcome poor = call(genesis(), ALICE, "provisional_create_canister_with_cycles",
        new ProvisionalCreateCanisterArgs(BigInteger.valueOf(1_000), null, null, null).encode());
    CanisterId id = CreateCanisterResult.decode(replyOf(poor)).canisterId();
    assertReject(call(poor.state(), ALICE, "install_code", new InstallCodeArgs(
        InstallMode.INSTALL, id, MODULE, new byte[0], null).encode()),
        ErrorCode.CANISTER_OUT_OF_CYCLES, "Canister installation failed");
  }

  // ---- uninstall

  @Test
  void uninstallEmptiesTheCanisterAndRejectsItsOpenCalls() {
    Created c = createInstalled();
    Canister can = c.state().canister(c.id()).orElseThrow();
    CallOrigin waiting = new CallOrigin.Ingress(ManagementTestSupport.requestId(77), BOB);
    CallContextManager open = can.system().callContexts().withNewContext(waiting,
        BigInteger.ZERO);
    ReplicatedState s = c.state().withCanister(can.withSystem(
        can.system().withCallContexts(open)));
    ManagementOutcome out = call(s, ALICE, "uninstall_code",
        new UninstallCodeArgs(c.id(), null).encode());
    replyOf(out);
    Canister after = out.state().canister(c.id()).orElseThrow();
    assertThat(after.isEmpty()).isTrue();
    assertThat(after.system().callContexts().hasOpenContexts()).isFalse();
    assertThat(after.system().version()).isEqualTo(2);
    assertThat(after.system().history().recentChanges().get(2).details())
        .isEqualTo(new CanisterChange.Details.CodeUninstall());
    assertThat(after.system().controllers()).containsExactly(ALICE);
    assertThat(out.otherResponses()).singleElement().satisfies(r -> {
      assertThat(r.origin()).isEqualTo(waiting);
      assertThat(((CallOutcome.Reject) r.outcome()).message()).contains("uninstalled");
    });
    assertReject(call(s, BOB, "uninstall_code", new UninstallCodeArgs(c.id(), null).encode()),
        ErrorCode.CANISTER_INVALID_CONTROLLER, "Only the controllers");
  }

  // ---- status, stop, start, delete

  @Test
  void canisterStatusReportsEveryFieldToControllersAndTheCanisterItself() {
    Created c = createInstalled();
    CandidValue.Record r = record("canister_status", replyOf(call(c.state(), ALICE,
        "canister_status", new CanisterIdArgs(c.id()).encode())));
    assertThat(((CandidValue.Variant) r.get("status")).is("running")).isTrue();
    assertThat(r.get("version")).isEqualTo(CandidValue.nat64(1));
    assertThat(r.get("module_hash"))
        .isEqualTo(CandidValue.some(CandidValue.blob(Hashing.sha256(MODULE))));
    CandidValue.Record settings = (CandidValue.Record) r.get("settings");
    assertThat(settings.get("freezing_threshold")).isEqualTo(CandidValue.nat(2_592_000));
    assertThat(settings.get("controllers"))
        .isEqualTo(CandidValue.vec(CandidValue.principal(ALICE)));
    CandidValue.Record metrics = (CandidValue.Record) r.get("memory_metrics");
    assertThat(metrics.get("wasm_memory_size")).isEqualTo(CandidValue.nat(65536));
    assertThat(metrics.get("wasm_binary_size")).isEqualTo(CandidValue.nat(MODULE.length));
    assertThat(((CandidValue.Nat) r.get("idle_cycles_burned_per_day")).value().signum())
        .isPositive();
    assertThat(r.get("ready_for_migration")).isEqualTo(CandidValue.bool(false));

    replyOf(ic.execute(c.state(), fromCanister(c.id(), "canister_status",
        new CanisterIdArgs(c.id()).encode(), BigInteger.ZERO), context()));
    assertReject(call(c.state(), BOB, "canister_status", new CanisterIdArgs(c.id()).encode()),
        ErrorCode.CANISTER_INVALID_CONTROLLER, "Only the controllers");
  }

  @Test
  void statusVisibilityPublicLetsAnyoneRead() {
    CanisterSettings open = new CanisterSettings(null, null, null, null, null, null, null, null,
        LogVisibility.PUBLIC, null, null, null);
    Created c = create(genesis(), ALICE, open);
    replyOf(call(c.state(), BOB, "canister_status", new CanisterIdArgs(c.id()).encode()));
    CallOutcome q = ic.query(c.state(), BOB, "canister_status",
        new CanisterIdArgs(c.id()).encode(), FEES);
    assertThat(q).isInstanceOf(CallOutcome.Reply.class);
  }

  /** A canister with one open call context (a call it is still answering). */
  static ReplicatedState withOpenContext(ReplicatedState s, CanisterId id) {
    Canister c = s.canister(id).orElseThrow();
    return s.withCanister(c.withSystem(c.system().withCallContexts(c.system().callContexts()
        .withNewContext(new CallOrigin.Ingress(ManagementTestSupport.requestId(99), BOB),
            BigInteger.ZERO))));
  }

  @Test
  void stopWaitsForOpenCallContextsAndStartCancelsThePendingStop() {
    Created c = createInstalled();
    ReplicatedState busy = withOpenContext(c.state(), c.id());
    ManagementCall stop = fromCanister(CanisterId.fromIndex(0x1aa), "stop_canister",
        new CanisterIdArgs(c.id()).encode(), BigInteger.valueOf(5));
    // The caller canister is not a controller: rejected.
    assertReject(ic.execute(busy, stop, context()), ErrorCode.CANISTER_INVALID_CONTROLLER,
        "Only the controllers");

    ManagementCall aliceStop = ingress(ALICE, "stop_canister", new CanisterIdArgs(c.id())
        .encode());
    ManagementOutcome pending = ic.execute(busy, aliceStop, context());
    assertThat(pending.outcome()).isEmpty();
    RunStatus status = pending.state().canister(c.id()).orElseThrow().system().status();
    assertThat(status).isInstanceOf(RunStatus.Stopping.class);
    assertThat(((RunStatus.Stopping) status).pendingStops()).singleElement()
        .satisfies(p -> assertThat(p.origin()).isEqualTo(aliceStop.origin()));

    // Still stopping while the context is open.
    Lifecycle.Change notYet = Lifecycle.completeStopIfIdle(pending.state(), c.id());
    assertThat(notYet.responses()).isEmpty();

    ManagementOutcome started = call(pending.state(), ALICE, "start_canister",
        new CanisterIdArgs(c.id()).encode());
    replyOf(started);
    assertThat(started.state().canister(c.id()).orElseThrow().system().status())
        .isEqualTo(RunStatus.RUNNING);
    assertThat(started.otherResponses()).singleElement().satisfies(r -> {
      assertThat(r.origin()).isEqualTo(aliceStop.origin());
      assertThat(((CallOutcome.Reject) r.outcome()).errorCode())
          .contains(ErrorCode.CANISTER_STOPPING_CANCELLED);
    });
  }

  @Test
  void stopWithNothingOpenStopsAtOnceAndDeleteNeedsAStoppedCanister() {
    Created c = createInstalled();
    assertReject(call(c.state(), ALICE, "delete_canister", new CanisterIdArgs(c.id()).encode()),
        ErrorCode.CANISTER_NOT_STOPPED, "must be stopped before it is deleted");
    ManagementOutcome stopped = call(c.state(), ALICE, "stop_canister",
        new CanisterIdArgs(c.id()).encode());
    replyOf(stopped);
    assertThat(stopped.state().canister(c.id()).orElseThrow().system().status())
        .isEqualTo(RunStatus.STOPPED);
    replyOf(call(stopped.state(), ALICE, "stop_canister", new CanisterIdArgs(c.id()).encode()));
    assertReject(call(stopped.state(), BOB, "delete_canister",
        new CanisterIdArgs(c.id()).encode()), ErrorCode.CANISTER_INVALID_CONTROLLER, "Only");
    ManagementOutcome deleted = call(stopped.state(), ALICE, "delete_canister",
        new CanisterIdArgs(c.id()).encode());
    replyOf(deleted);
    assertThat(deleted.state().canister(c.id())).isEmpty();
    assertThat(deleted.state().consumedCyclesTotal()).isPositive();
    assertReject(call(deleted.state(), ALICE, "canister_status",
        new CanisterIdArgs(c.id()).encode()), ErrorCode.CANISTER_NOT_FOUND, "not found");
  }

  @Test
  void aCanisterCannotDeleteItself() {
    CanisterSettings selfControlled = new CanisterSettings(
        List.of(CanisterId.fromIndex(0x100).principal()), null, null, null, null, null, null,
        null, null, null, null, null);
    Created c = create(genesis(), ALICE, selfControlled);
    assertReject(ic.execute(c.state(), fromCanister(c.id(), "delete_canister",
        new CanisterIdArgs(c.id()).encode(), BigInteger.ZERO), context()),
        ErrorCode.CANISTER_INVALID_CONTROLLER, "cannot delete itself");
  }

  // ---- cycles, randomness, information

  @Test
  void depositCyclesIsForCanistersAndKeepsAllCycles() {
    Created c = create(genesis(), ALICE, CanisterSettings.NONE);
    byte[] arg = new CanisterIdArgs(c.id()).encode();
    assertReject(call(c.state(), ALICE, "deposit_cycles", arg),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "cannot be called by a user");
    ManagementOutcome out = ic.execute(c.state(),
        fromCanister(CanisterId.fromIndex(0x1ab), "deposit_cycles", arg, T), context());
    replyOf(out);
    assertThat(out.refundCycles()).isZero();
    assertThat(out.state().canister(c.id()).orElseThrow().system().cyclesBalance())
        .isEqualTo(IcManagementCanister.DEFAULT_PROVISIONAL_CYCLES_BALANCE.add(T));
  }

  @Test
  void rawRandIsDeterministicPerCallAndDiffersBetweenCalls() {
    CanisterId caller = CanisterId.fromIndex(0x100);
    byte[] noArgs = CandidArgs.EMPTY.encode();
    ManagementCall call = fromCanister(caller, "raw_rand", noArgs, BigInteger.ZERO);
    byte[] a = blobOf(replyOf(ic.execute(genesis(), call, context(0))));
    byte[] again = blobOf(replyOf(ic.execute(genesis(), call, context(0))));
    byte[] next = blobOf(replyOf(ic.execute(genesis(), call, context(1))));
    assertThat(a).hasSize(32).isEqualTo(again).isNotEqualTo(next);
    assertReject(call(genesis(), ALICE, "raw_rand", noArgs),
        ErrorCode.CANISTER_CONTRACT_VIOLATION, "raw_rand cannot be called by a user");
  }

  static byte[] blobOf(byte[] reply) {
    return ((CandidValue.Blob) ManagementTypes.decodeResult("raw_rand", reply).get(0)).bytes();
  }

  @Test
  void canisterInfoReturnsTheRequestedRecentChangesOfAtLeastTwenty() {
    Created c = createInstalled();
    ReplicatedState s = c.state();
    for (int i = 0; i < 25; i++) {
      s = call(s, ALICE, "install_code", new InstallCodeArgs(InstallMode.REINSTALL, c.id(),
          MODULE, new byte[0], null).encode()).state();
    }
    CanisterId caller = CanisterId.fromIndex(0x1ff);
    byte[] arg = new CanisterInfoArgs(c.id(), 30L).encode();
    assertReject(call(s, ALICE, "canister_info", arg), ErrorCode.CANISTER_CONTRACT_VIOLATION,
        "cannot be called by a user");
    CandidValue.Record info = record("canister_info", replyOf(ic.execute(s,
        fromCanister(caller, "canister_info", arg, BigInteger.ZERO), context())));
    assertThat(info.get("total_num_changes")).isEqualTo(CandidValue.nat64(27));
    assertThat(((CandidValue.Vec) info.get("recent_changes")).elements()).hasSize(20);
    assertThat(info.get("controllers")).isEqualTo(CandidValue.vec(CandidValue.principal(ALICE)));
    CandidValue.Record none = record("canister_info", replyOf(ic.execute(s, fromCanister(caller,
        "canister_info", new CanisterInfoArgs(c.id(), null).encode(), BigInteger.ZERO),
        context())));
    assertThat(((CandidValue.Vec) none.get("recent_changes")).elements()).isEmpty();
  }

  @Test
  void fetchCanisterLogsIsAQueryGovernedByLogVisibility() {
    Created c = createInstalled();
    byte[] arg = new CanisterIdArgs(c.id()).encode();
    assertReject(call(c.state(), ALICE, "fetch_canister_logs", arg),
        ErrorCode.CANISTER_REJECTED_MESSAGE, "only accessible in non-replicated mode");
    CallOutcome logs = ic.query(c.state(), ALICE, "fetch_canister_logs", arg, FEES);
    CandidValue.Record r = record("fetch_canister_logs", ((CallOutcome.Reply) logs).payload());
    CandidValue.Vec records = (CandidValue.Vec) r.get("canister_log_records");
    assertThat(((CandidValue.Record) records.elements().get(0)).get("content"))
        .isEqualTo(CandidValue.blob("hello".getBytes()));
    CallOutcome denied = ic.query(c.state(), BOB, "fetch_canister_logs", arg, FEES);
    assertThat(((CallOutcome.Reject) denied).errorCode())
        .contains(ErrorCode.CANISTER_REJECTED_MESSAGE);
    assertThat(CanisterLog.EMPTY.records()).isEmpty();
  }

  @Test
  void userQueriesToTheManagementCanisterReachItThroughTheQueryExecutor() {
    Created c = createInstalled();
    byte[] arg = new CanisterIdArgs(c.id()).encode();
    QueryExecutor queries = new QueryExecutor(engine(), FEES, new byte[0],
        QueryExecutor.Limits.defaults(), ic);
    CallOutcome logs = queries.query(c.state(), new QueryExecutor.Query(ALICE,
        CanisterId.MANAGEMENT, "fetch_canister_logs", arg, Optional.empty())).outcome();
    CandidValue.Record r = record("fetch_canister_logs", ((CallOutcome.Reply) logs).payload());
    assertThat(((CandidValue.Vec) r.get("canister_log_records")).elements()).hasSize(1);
    CallOutcome status = queries.query(c.state(), new QueryExecutor.Query(ALICE,
        CanisterId.MANAGEMENT, "canister_status", arg, Optional.empty())).outcome();
    assertThat(status).isInstanceOf(CallOutcome.Reply.class);
    CallOutcome update = queries.query(c.state(), new QueryExecutor.Query(ALICE,
        CanisterId.MANAGEMENT, "install_code", arg, Optional.empty())).outcome();
    assertThat(((CallOutcome.Reject) update).errorCode())
        .contains(ErrorCode.CANISTER_METHOD_NOT_FOUND);
    // Without a management canister, the executor refuses every such call.
    CallOutcome refused = new QueryExecutor(engine(), FEES, new byte[0],
        QueryExecutor.Limits.defaults()).query(c.state(), new QueryExecutor.Query(ALICE,
        CanisterId.MANAGEMENT, "fetch_canister_logs", arg, Optional.empty())).outcome();
    assertThat(refused).isInstanceOf(CallOutcome.Reject.class);
  }
}
