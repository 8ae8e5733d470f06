package dev.canopy.execution.management;

import dev.canopy.candid.CandidValue;
import dev.canopy.execution.Canister;
import dev.canopy.execution.CanisterChange;
import dev.canopy.execution.CanisterHistory;
import dev.canopy.execution.CallOrigin;
import dev.canopy.execution.CallOutcome;
import dev.canopy.execution.ChunkStore;
import dev.canopy.execution.Cycles;
import dev.canopy.execution.CyclesFees;
import dev.canopy.execution.ExecutionState;
import dev.canopy.execution.Lifecycle;
import dev.canopy.execution.ManagementCall;
import dev.canopy.execution.ManagementCanister;
import dev.canopy.execution.ManagementContext;
import dev.canopy.execution.ManagementOutcome;
import dev.canopy.execution.OriginResponse;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.execution.RunStatus;
import dev.canopy.execution.SystemState;
import dev.canopy.execution.management.ManagementTypes.CanisterIdArgs;
import dev.canopy.execution.management.ManagementTypes.CanisterInfoArgs;
import dev.canopy.execution.management.ManagementTypes.CanisterInfoResult;
import dev.canopy.execution.management.ManagementTypes.CanisterStatusResult;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterArgs;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.FetchCanisterLogsResult;
import dev.canopy.execution.management.ManagementTypes.InstallChunkedCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.MemoryMetrics;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.execution.management.ManagementTypes.ProvisionalTopUpArgs;
import dev.canopy.execution.management.ManagementTypes.QueryStats;
import dev.canopy.execution.management.ManagementTypes.UninstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.UpdateSettingsArgs;
import dev.canopy.execution.management.ManagementTypes.UploadChunkArgs;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.types.RepresentationIndependentHash;
import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.ExecutionEnvironment;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The management canister {@code aaaaa-aa} (spec "The IC management canister", {@code ic.did}):
 * canister creation, settings, code installation (also from chunks), status, stop/start/delete,
 * cycles, randomness, history, metadata and logs.
 *
 * <p>Pure in the state and context given: each call returns the new state and the answer, and a
 * reject leaves the state as it was. Errors carry the reference replica's error codes and, where
 * known, its messages.
 */
public final class IcManagementCanister implements ManagementCanister {
  /** The reference replica's {@code DEFAULT_PROVISIONAL_CYCLES_BALANCE}: 100T cycles. */
  public static final BigInteger DEFAULT_PROVISIONAL_CYCLES_BALANCE =
      BigInteger.valueOf(100_000_000_000_000L);

  /** Methods of ic.did this replica does not provide, with the reason given to callers. */
  private static final TreeMap<String, String> UNSUPPORTED = new TreeMap<>();

  static {
    String threshold = "threshold signatures and key derivation are not available on this replica";
    for (String m : List.of("ecdsa_public_key", "sign_with_ecdsa", "schnorr_public_key",
        "sign_with_schnorr", "vetkd_public_key", "vetkd_derive_key")) {
      UNSUPPORTED.put(m, threshold);
    }
    UNSUPPORTED.put("http_request", "HTTPS outcalls are not available on this replica");
    for (String m : List.of("take_canister_snapshot", "load_canister_snapshot",
        "list_canister_snapshots", "delete_canister_snapshot", "read_canister_snapshot_metadata",
        "read_canister_snapshot_data", "upload_canister_snapshot_metadata",
        "upload_canister_snapshot_data")) {
      UNSUPPORTED.put(m, "canister snapshots are not available on this replica");
    }
    for (String m : List.of("bitcoin_get_balance", "bitcoin_get_utxos",
        "bitcoin_send_transaction", "bitcoin_get_current_fee_percentiles",
        "bitcoin_get_block_headers")) {
      UNSUPPORTED.put(m, "the Bitcoin API is served by the Bitcoin canister, not by aaaaa-aa,"
          + " and this replica has no Bitcoin integration");
    }
    UNSUPPORTED.put("node_metrics_history", "node metrics are not recorded by this replica");
    UNSUPPORTED.put("subnet_info", "subnet_info is not available on this replica");
    UNSUPPORTED.put("canister_metrics", "canister_metrics is not available on this replica");
    UNSUPPORTED.put("list_canisters",
        "list_canisters is for subnet admins, and this replica has no subnet admins");
  }

  /** Methods that only canisters may call (spec: "never accepted as ingress messages"). */
  private static final Set<String> CANISTER_ONLY =
      Set.of("create_canister", "raw_rand", "deposit_cycles", "canister_info",
          "canister_metadata");

  private final BigInteger createCanisterFee;
  private final BigInteger defaultProvisionalCycles;

  /**
   * @param createCanisterFee cycles {@code create_canister} takes from the attached cycles (the
   *     Internet Computer's 500B on a 13-node subnet)
   * @param defaultProvisionalCycles the balance of a provisional canister created without amount
   */
  public IcManagementCanister(BigInteger createCanisterFee, BigInteger defaultProvisionalCycles) {
    this.createCanisterFee = Cycles.require(createCanisterFee, "create_canister fee");
    this.defaultProvisionalCycles = Cycles.require(defaultProvisionalCycles, "default cycles");
  }

  /** With the Internet Computer's fee and the reference replica's default provisional balance. */
  public static IcManagementCanister internetComputerDefaults() {
    return new IcManagementCanister(BigInteger.valueOf(500_000_000_000L),
        DEFAULT_PROVISIONAL_CYCLES_BALANCE);
  }

  @Override
  public ManagementOutcome execute(ReplicatedState state, ManagementCall call,
      ManagementContext context) {
    try {
      return dispatch(state, call, context);
    } catch (ManagementReject r) {
      return ManagementOutcome.reject(state, r.code(), r.getMessage(), call.cycles());
    }
  }

  private ManagementOutcome dispatch(ReplicatedState state, ManagementCall call,
      ManagementContext ctx) {
    String method = call.method();
    if (UNSUPPORTED.containsKey(method)) {
      throw new ManagementReject(ErrorCode.CANISTER_REJECTED_MESSAGE, "Management canister"
          + " method '" + method + "' is not supported: " + UNSUPPORTED.get(method) + ".");
    }
    if (CANISTER_ONLY.contains(method) && !call.fromCanister()) {
      throw ManagementReject.contractViolation(method + " cannot be called by a user.");
    }
    return switch (method) {
      case "provisional_create_canister_with_cycles" -> provisionalCreate(state, call, ctx);
      case "provisional_top_up_canister" -> provisionalTopUp(state, call);
      case "create_canister" -> createCanister(state, call, ctx);
      case "update_settings" -> updateSettings(state, call, ctx);
      case "upload_chunk" -> uploadChunk(state, call);
      case "clear_chunk_store" -> clearChunkStore(state, call);
      case "stored_chunks" -> storedChunks(state, call);
      case "install_code" -> installCode(state, call, ctx);
      case "install_chunked_code" -> installChunkedCode(state, call, ctx);
      case "uninstall_code" -> uninstallCode(state, call, ctx);
      case "canister_status" -> reply(state,
          canisterStatus(state, call.caller(), call.argument(), ctx.fees()), call.cycles());
      case "stop_canister" -> stopCanister(state, call);
      case "start_canister" -> startCanister(state, call);
      case "delete_canister" -> deleteCanister(state, call);
      case "deposit_cycles" -> depositCycles(state, call);
      case "raw_rand" -> rawRand(state, call, ctx);
      case "canister_info" -> reply(state, canisterInfo(state, call.argument()), call.cycles());
      case "canister_metadata" -> reply(state,
          canisterMetadata(state, call.caller(), call.argument()), call.cycles());
      case "fetch_canister_logs" -> throw new ManagementReject(
          ErrorCode.CANISTER_REJECTED_MESSAGE,
          "fetch_canister_logs API is only accessible in non-replicated mode");
      default -> throw new ManagementReject(ErrorCode.CANISTER_METHOD_NOT_FOUND,
          "Management canister has no method '" + method + "'");
    };
  }

  /**
   * A non-replicated (query) call to {@code aaaaa-aa}: {@code canister_status},
   * {@code canister_info} and {@code fetch_canister_logs} (spec: callable as queries by users).
   * Reads {@code state} only.
   */
  @Override
  public CallOutcome query(ReplicatedState state, Principal caller, String method,
      byte[] argument, CyclesFees fees) {
    try {
      return switch (method) {
        case "canister_status" -> CallOutcome.reply(
            canisterStatus(state, caller, argument, fees));
        case "canister_info" -> CallOutcome.reply(canisterInfo(state, argument));
        case "fetch_canister_logs" -> CallOutcome.reply(fetchCanisterLogs(state, caller,
            argument));
        default -> throw new ManagementReject(ErrorCode.CANISTER_METHOD_NOT_FOUND,
            "Management canister has no query method '" + method + "'");
      };
    } catch (ManagementReject r) {
      return CallOutcome.reject(r.code(), r.getMessage());
    }
  }

  // ---- creation

  private ManagementOutcome provisionalCreate(ReplicatedState state, ManagementCall call,
      ManagementContext ctx) {
    ProvisionalCreateCanisterArgs args = ProvisionalCreateCanisterArgs.decode(call.argument());
    String method = "provisional_create_canister_with_cycles";
    SettingsRules.validate(method, args.settings());
    if (args.amount() != null && args.amount().compareTo(Cycles.MAX) > 0) {
      throw ManagementReject.invalidPayload("Error decoding candid: " + method
          + ": amount " + args.amount() + " does not fit in 128 bits");
    }
    CanisterId id;
    if (args.specifiedId() != null) {
      id = args.specifiedId();
      if (!state.hostsRangeOf(id)) {
        throw new ManagementReject(ErrorCode.CANISTER_NOT_HOSTED_BY_SUBNET,
            "Unsuccessful validation of specified ID: Specified CanisterId " + id
                + " is not hosted by subnet " + state.ownSubnetId() + ".");
      }
      if (state.canister(id).isPresent()) {
        throw new ManagementReject(ErrorCode.CANISTER_ID_ALREADY_EXISTS,
            "Unsuccessful canister creation: canister id " + id + " already exists.");
      }
    } else {
      ReplicatedState.MintedCanisterId minted = mint(state);
      id = minted.canisterId();
      state = minted.state();
    }
    BigInteger balance = args.amount() != null ? args.amount() : defaultProvisionalCycles;
    state = create(state, call, ctx, id, args.settings(), args.senderCanisterVersion(), balance);
    return reply(state, new CreateCanisterResult(id).encode(method), call.cycles());
  }

  private ManagementOutcome createCanister(ReplicatedState state, ManagementCall call,
      ManagementContext ctx) {
    CreateCanisterArgs args = CreateCanisterArgs.decode(call.argument());
    SettingsRules.validate("create_canister", args.settings());
    if (call.cycles().compareTo(createCanisterFee) < 0) {
      throw new ManagementReject(ErrorCode.INSUFFICIENT_CYCLES_FOR_CREATE_CANISTER,
          "Creating a canister requires a fee of " + createCanisterFee + " that is deducted from"
              + " the canister's initial balance but only " + call.cycles()
              + " cycles were received with the create_canister request.");
    }
    ReplicatedState.MintedCanisterId minted = mint(state);
    BigInteger balance = call.cycles().subtract(createCanisterFee);
    ReplicatedState next = create(minted.state(), call, ctx, minted.canisterId(),
        args.settings(), args.senderCanisterVersion(), balance)
        .withConsumedCycles(createCanisterFee);
    // Note: spec "IC method create_canister": the attached cycles become the balance (less the
    // fee), so nothing is refunded.
    return reply(next, new CreateCanisterResult(minted.canisterId()).encode("create_canister"),
        BigInteger.ZERO);
  }

  private static ReplicatedState.MintedCanisterId mint(ReplicatedState state) {
    try {
      return state.mintCanisterId();
    } catch (ReplicatedState.CanisterIdsExhaustedException e) {
      throw new ManagementReject(ErrorCode.SUBNET_OVERSUBSCRIBED,
          "Could not create canister. Subnet has surpassed its canister ID allocation.");
    }
  }

  private static ReplicatedState create(ReplicatedState state, ManagementCall call,
      ManagementContext ctx, CanisterId id, ManagementTypes.CanisterSettings settings,
      Long senderVersion, BigInteger balance) {
    SettingsRules.Applied applied = SettingsRules.forCreation(settings, call.caller());
    SystemState system = SystemState.created(applied.controllers(), balance, applied.settings(),
        ctx.batchTimeNs());
    Optional<byte[]> envHash = settings.environmentVariables() == null ? Optional.empty()
        : Optional.of(RepresentationIndependentHash.hashOfMap(
            new TreeMap<>(applied.settings().environmentVariables())));
    CanisterChange creation = new CanisterChange(ctx.batchTimeNs(), 0,
        origin(call, senderVersion),
        new CanisterChange.Details.Creation(applied.controllers(), envHash));
    system = system.withHistory(system.history().add(creation));
    return state.withCanister(Canister.created(id, system));
  }

  private static ManagementOutcome provisionalTopUp(ReplicatedState state, ManagementCall call) {
    ProvisionalTopUpArgs args = ProvisionalTopUpArgs.decode(call.argument());
    Canister c = canister(state, args.canisterId());
    if (args.amount().compareTo(Cycles.MAX) > 0) {
      throw ManagementReject.invalidPayload("Error decoding candid: provisional_top_up_canister:"
          + " amount " + args.amount() + " does not fit in 128 bits");
    }
    Canister topped = c.withSystem(c.system().credit(args.amount()));
    return reply(state.withCanister(topped), Lifecycle.EMPTY_CANDID_REPLY, call.cycles());
  }

  // ---- settings

  private static ManagementOutcome updateSettings(ReplicatedState state, ManagementCall call,
      ManagementContext ctx) {
    UpdateSettingsArgs args = UpdateSettingsArgs.decode(call.argument());
    Canister c = canister(state, args.canisterId());
    requireController(c, call.caller());
    SettingsRules.validate("update_settings", args.settings());
    SystemState s = c.system();
    SettingsRules.Applied applied =
        SettingsRules.apply(args.settings(), s.controllers(), s.settings());
    long version = s.version() + 1;
    SystemState next = s.withControllers(applied.controllers()).withSettings(applied.settings())
        .withVersion(version);
    if (args.settings().controllers() != null) {
      next = next.withHistory(next.history().add(new CanisterChange(ctx.batchTimeNs(), version,
          origin(call, args.senderCanisterVersion()),
          new CanisterChange.Details.ControllersChange(applied.controllers()))));
    }
    return reply(state.withCanister(c.withSystem(next)), Lifecycle.EMPTY_CANDID_REPLY,
        call.cycles());
  }

  // ---- chunk store

  private static ManagementOutcome uploadChunk(ReplicatedState state, ManagementCall call) {
    UploadChunkArgs args = UploadChunkArgs.decode(call.argument());
    Canister c = canister(state, args.canisterId());
    requireControllerOrSelf(c, call.caller());
    byte[] chunk = args.chunk();
    if (chunk.length > ChunkStore.MAX_CHUNK_BYTES) {
      throw ManagementReject.contractViolation("Error from Wasm chunk store: Wasm chunk size "
          + chunk.length + " exceeds the maximum chunk size of " + ChunkStore.MAX_CHUNK_BYTES
          + ".");
    }
    byte[] hash = Hashing.sha256(chunk);
    ChunkStore store = c.system().chunkStore();
    if (store.get(hash).isEmpty() && store.size() >= ChunkStore.MAX_CHUNKS) {
      throw ManagementReject.contractViolation("Error from Wasm chunk store: Wasm chunk store"
          + " has already reached its maximum of " + ChunkStore.MAX_CHUNKS + " chunks.");
    }
    Canister next = c.withSystem(c.system().withChunkStore(store.with(chunk)));
    return reply(state.withCanister(next),
        ManagementTypes.encodeResult("upload_chunk", ManagementTypes.chunkHashValue(hash)),
        call.cycles());
  }

  private static ManagementOutcome clearChunkStore(ReplicatedState state, ManagementCall call) {
    Canister c = canister(state, CanisterIdArgs.decode("clear_chunk_store", call.argument())
        .canisterId());
    requireControllerOrSelf(c, call.caller());
    Canister next = c.withSystem(c.system().withChunkStore(ChunkStore.EMPTY));
    return reply(state.withCanister(next), Lifecycle.EMPTY_CANDID_REPLY, call.cycles());
  }

  private static ManagementOutcome storedChunks(ReplicatedState state, ManagementCall call) {
    Canister c = canister(state, CanisterIdArgs.decode("stored_chunks", call.argument())
        .canisterId());
    requireControllerOrSelf(c, call.caller());
    List<CandidValue> hashes = new ArrayList<>();
    for (String hex : c.system().chunkStore().chunks().keySet()) {
      hashes.add(ManagementTypes.chunkHashValue(Hex.decode(hex)));
    }
    return reply(state, ManagementTypes.encodeResult("stored_chunks", CandidValue.vec(hashes)),
        call.cycles());
  }

  /**
   * The module made of the chunks, checked against its hash (spec "IC method
   * install_chunked_code").
   */
  static byte[] assembleChunks(ChunkStore store, List<byte[]> chunkHashes,
      byte[] expectedModuleHash) {
    if (expectedModuleHash.length != 32) {
      throw ManagementReject.contractViolation("Invalid wasm hash "
          + Hex.encode(expectedModuleHash) + ": a SHA-256 hash has 32 bytes.");
    }
    if (chunkHashes.size() > ChunkStore.MAX_CHUNKS) {
      throw ManagementReject.contractViolation("Error from Wasm chunk store: "
          + chunkHashes.size() + " chunk hashes given; a module has at most "
          + ChunkStore.MAX_CHUNKS + " chunks.");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] h : chunkHashes) {
      if (h.length != 32) {
        throw ManagementReject.contractViolation(
            "Error from Wasm chunk store: Chunk hash is invalid. The length is not 32.");
      }
      byte[] chunk = store.get(h).orElseThrow(() -> ManagementReject.contractViolation(
          "Error from Wasm chunk store: Chunk hash " + Hex.encode(h) + " was not found."));
      out.writeBytes(chunk);
    }
    byte[] module = out.toByteArray();
    byte[] actual = Hashing.sha256(module);
    if (!java.util.Arrays.equals(actual, expectedModuleHash)) {
      throw ManagementReject.contractViolation("Error from Wasm chunk store: Wasm module hash "
          + Hex.encode(actual) + " does not match given hash " + Hex.encode(expectedModuleHash)
          + ".");
    }
    return module;
  }

  // ---- code

  private static ManagementOutcome installCode(ReplicatedState state, ManagementCall call,
      ManagementContext ctx) {
    InstallCodeArgs args = InstallCodeArgs.decode(call.argument());
    Canister c = canister(state, args.canisterId());
    requireController(c, call.caller());
    return install(state, call, ctx, c, args.mode(), args.wasmModule(), args.arg(),
        args.senderCanisterVersion());
  }

  private static ManagementOutcome installChunkedCode(ReplicatedState state, ManagementCall call,
      ManagementContext ctx) {
    InstallChunkedCodeArgs args = InstallChunkedCodeArgs.decode(call.argument());
    Canister target = canister(state, args.targetCanister());
    requireController(target, call.caller());
    Canister store = args.storeCanister() == null ? target : canister(state, args.storeCanister());
    requireControllerOrSelf(store, call.caller());
    byte[] module = assembleChunks(store.system().chunkStore(), args.chunkHashes(),
        args.wasmModuleHash());
    return install(state, call, ctx, target, args.mode(), module, args.arg(),
        args.senderCanisterVersion());
  }

  /**
   * Note: spec "IC method install_code": atomic. The engine returns the new module and state or a
   * trap; only a success changes the canister (code, version, history, install time, the
   * execution's cycles and log lines).
   */
  private static ManagementOutcome install(ReplicatedState state, ManagementCall call,
      ManagementContext ctx, Canister c, InstallMode mode, byte[] wasm, byte[] arg,
      Long senderVersion) {
    SystemState s = c.system();
    long version = s.version() + 1;
    ExecutionEnvironment env = ctx.environmentFor(state, c).at(ctx.batchTimeNs(), version);
    CodeInstaller.Installed installed = new CodeInstaller(ctx.engine()).install(c.id(),
        c.module().orElse(null), c.execution().map(ExecutionState::wasmState).orElse(null),
        mode, wasm, arg, call.caller(), env);
    BigInteger cost = ctx.fees().executionCost(installed.execution().instructionsUsed());
    CanisterChange deployment = new CanisterChange(ctx.batchTimeNs(), version,
        origin(call, senderVersion), new CanisterChange.Details.CodeDeployment(
            historyMode(mode), installed.module().moduleHash()));
    SystemState next = s.debit(cost).withVersion(version)
        .withHistory(s.history().add(deployment))
        .withLastInstallTimeNs(OptionalLong.of(ctx.batchTimeNs()))
        .withLog(s.log().append(installed.execution().logs().stream()
            .map(l -> l.content()).toList(), ctx.batchTimeNs()));
    Canister updated = new Canister(c.id(), next,
        Optional.of(new ExecutionState(installed.module(), installed.state())));
    if (ctx.fees().liquidBalance(updated).signum() < 0 || s.cyclesBalance().compareTo(cost) < 0) {
      BigInteger missing = ctx.fees().liquidBalance(updated).negate().max(BigInteger.ONE);
      throw new ManagementReject(ErrorCode.CANISTER_OUT_OF_CYCLES, "Canister installation failed"
          + " with `Canister " + c.id() + " is out of cycles: please top up the canister with at"
          + " least " + missing + " additional cycles`.");
    }
    return reply(state.withCanister(updated).withConsumedCycles(cost),
        Lifecycle.EMPTY_CANDID_REPLY, call.cycles());
  }

  private static CanisterChange.InstallMode historyMode(InstallMode mode) {
    if (mode instanceof InstallMode.Install) {
      return CanisterChange.InstallMode.INSTALL;
    }
    return mode instanceof InstallMode.Reinstall ? CanisterChange.InstallMode.REINSTALL
        : CanisterChange.InstallMode.UPGRADE;
  }

  private static ManagementOutcome uninstallCode(ReplicatedState state, ManagementCall call,
      ManagementContext ctx) {
    UninstallCodeArgs args = UninstallCodeArgs.decode(call.argument());
    Canister c = canister(state, args.canisterId());
    requireController(c, call.caller());
    Lifecycle.Change change = Lifecycle.uninstall(state, c.id());
    Canister emptied = change.state().canister(c.id()).orElseThrow();
    SystemState s = emptied.system();
    long version = s.version() + 1;
    // Note: the reference replica also empties the chunk store on uninstall.
    SystemState next = s.withVersion(version).withChunkStore(ChunkStore.EMPTY)
        .withHistory(s.history().add(new CanisterChange(ctx.batchTimeNs(), version,
            origin(call, args.senderCanisterVersion()),
            new CanisterChange.Details.CodeUninstall())));
    ReplicatedState after = change.state().withCanister(emptied.withSystem(next));
    return reply(after, Lifecycle.EMPTY_CANDID_REPLY, call.cycles())
        .withOtherResponses(change.responses());
  }

  // ---- status, stop, start, delete

  private static byte[] canisterStatus(ReplicatedState state, Principal caller, byte[] argument,
      CyclesFees fees) {
    Canister c = canister(state, CanisterIdArgs.decode("canister_status", argument).canisterId());
    SystemState s = c.system();
    if (!caller.equals(c.id().principal())
        && !s.settings().statusVisibility().allows(caller, s.controllers())) {
      throw invalidController(c, caller);
    }
    String status = switch (s.status().code()) {
      case RUNNING -> "running";
      case STOPPING -> "stopping";
      case STOPPED -> "stopped";
    };
    boolean readyForMigration = s.status() instanceof RunStatus.Stopped
        && s.inputQueues().isEmpty();
    Optional<ExecutionState> e = c.execution();
    long customSections = e.map(x -> customSectionsSize(x.module())).orElse(0L);
    long historyBytes = 0;
    for (CanisterChange ch : s.history().recentChanges()) {
      historyBytes += ManagementTypes.encodedSize(ch);
    }
    MemoryMetrics metrics = new MemoryMetrics(
        e.map(x -> x.wasmState().heap().sizeBytes()).orElse(0L),
        e.map(x -> x.wasmState().stableMemory().sizeBytes()).orElse(0L),
        // Each global is kept as two 64-bit words (low and high); report 8 bytes per global.
        e.map(x -> x.wasmState().globalValues().length / 2 * 8L).orElse(0L),
        e.map(x -> (long) x.module().wasmSizeBytes()).orElse(0L),
        customSections,
        historyBytes,
        s.chunkStore().sizeBytes(),
        0);
    BigInteger idle = fees.idleCyclesBurnedPerDay(c.memorySizeBytes(),
        s.settings().memoryAllocationBytes(), s.settings().computeAllocationPercent());
    return new CanisterStatusResult(status, readyForMigration, s.version(), s.controllers(),
        s.settings(), c.module().map(CanisterModule::moduleHash).orElse(null), metrics,
        s.cyclesBalance(), s.reservedBalance(), idle, QueryStats.ZERO).encode();
  }

  private static long customSectionsSize(CanisterModule m) {
    long n = 0;
    for (String name : m.publicMetadataNames()) {
      n += name.length() + m.publicMetadata(name).orElseThrow().length;
    }
    for (String name : m.privateMetadataNames()) {
      n += name.length() + m.privateMetadata(name).orElseThrow().length;
    }
    return n;
  }

  /**
   * Note: spec "IC method stop_canister": the answer waits until the canister has no open call
   * contexts; the round executor answers the pending stops then ({@link
   * Lifecycle#completeStopIfIdle}). A canister with nothing open stops at once.
   */
  private static ManagementOutcome stopCanister(ReplicatedState state, ManagementCall call) {
    Canister c = canister(state, CanisterIdArgs.decode("stop_canister", call.argument())
        .canisterId());
    requireController(c, call.caller());
    SystemState s = c.system();
    if (s.status() instanceof RunStatus.Stopped) {
      return reply(state, Lifecycle.EMPTY_CANDID_REPLY, call.cycles());
    }
    List<RunStatus.PendingStop> pending = new ArrayList<>();
    if (s.status() instanceof RunStatus.Stopping stopping) {
      pending.addAll(stopping.pendingStops());
    }
    if (pending.isEmpty() && !s.callContexts().hasOpenContexts()) {
      Canister stopped = c.withSystem(s.withStatus(RunStatus.STOPPED));
      return reply(state.withCanister(stopped), Lifecycle.EMPTY_CANDID_REPLY, call.cycles());
    }
    pending.add(new RunStatus.PendingStop(call.origin(), call.cycles()));
    Canister stopping = c.withSystem(s.withStatus(new RunStatus.Stopping(pending)));
    return ManagementOutcome.pending(state.withCanister(stopping));
  }

  private static ManagementOutcome startCanister(ReplicatedState state, ManagementCall call) {
    Canister c = canister(state, CanisterIdArgs.decode("start_canister", call.argument())
        .canisterId());
    requireController(c, call.caller());
    SystemState s = c.system();
    List<OriginResponse> cancelled = new ArrayList<>();
    if (s.status() instanceof RunStatus.Stopping stopping) {
      for (RunStatus.PendingStop p : stopping.pendingStops()) {
        cancelled.add(new OriginResponse(p.origin(), CanisterId.MANAGEMENT.principal(),
            CallOutcome.reject(ErrorCode.CANISTER_STOPPING_CANCELLED,
                "Canister " + c.id() + "'s stop request was cancelled by start_canister."),
            p.cycles()));
      }
    }
    Canister started = c.withSystem(s.withStatus(RunStatus.RUNNING));
    return reply(state.withCanister(started), Lifecycle.EMPTY_CANDID_REPLY, call.cycles())
        .withOtherResponses(cancelled);
  }

  private static ManagementOutcome deleteCanister(ReplicatedState state, ManagementCall call) {
    Canister c = canister(state, CanisterIdArgs.decode("delete_canister", call.argument())
        .canisterId());
    if (call.caller().equals(c.id().principal())) {
      throw new ManagementReject(ErrorCode.CANISTER_INVALID_CONTROLLER,
          "Canister " + c.id() + " cannot delete itself.");
    }
    requireController(c, call.caller());
    if (!(c.system().status() instanceof RunStatus.Stopped)) {
      throw new ManagementReject(ErrorCode.CANISTER_NOT_STOPPED,
          "Canister " + c.id() + " must be stopped before it is deleted.");
    }
    // Note: spec "IC method delete_canister": the canister's cycles are discarded.
    ReplicatedState next = state.withoutCanister(c.id())
        .withConsumedCycles(c.system().cyclesBalance());
    return reply(next, Lifecycle.EMPTY_CANDID_REPLY, call.cycles());
  }

  // ---- cycles, randomness, information

  private static ManagementOutcome depositCycles(ReplicatedState state, ManagementCall call) {
    Canister c = canister(state, CanisterIdArgs.decode("deposit_cycles", call.argument())
        .canisterId());
    Canister credited = c.withSystem(c.system().credit(call.cycles()));
    return reply(state.withCanister(credited), Lifecycle.EMPTY_CANDID_REPLY, BigInteger.ZERO);
  }

  /**
   * Note: spec "IC method raw_rand": 32 bytes unknown when the call was made. They derive from the
   * batch's random beacon output, the height, the call's position in the round and the caller,
   * so every replica computes the same bytes and two calls get different ones.
   */
  private static ManagementOutcome rawRand(ReplicatedState state, ManagementCall call,
      ManagementContext ctx) {
    ManagementTypes.decodeArgument("raw_rand", call.argument());
    byte[] separator = Hashing.domainSeparator("canopy-raw-rand");
    byte[] counters = ByteBuffer.allocate(16).putLong(ctx.height())
        .putLong(ctx.callIndexInRound()).array();
    byte[] bytes = Hashing.sha256(separator, ctx.randomness(), counters,
        call.caller().toBytes());
    return reply(state, ManagementTypes.encodeResult("raw_rand", CandidValue.blob(bytes)),
        call.cycles());
  }

  private static byte[] canisterInfo(ReplicatedState state, byte[] argument) {
    CanisterInfoArgs args = CanisterInfoArgs.decode(argument);
    Canister c = canister(state, args.canisterId());
    CanisterHistory h = c.system().history();
    long requested = args.numRequestedChanges() == null ? 0 : args.numRequestedChanges();
    List<CanisterChange> all = h.recentChanges();
    int k = (int) Math.min(Long.compareUnsigned(requested, all.size()) > 0 ? all.size()
        : requested, all.size());
    return new CanisterInfoResult(h.totalChanges(), all.subList(all.size() - k, all.size()),
        c.module().map(CanisterModule::moduleHash).orElse(null), c.system().controllers())
        .encode();
  }

  private static byte[] canisterMetadata(ReplicatedState state, Principal caller,
      byte[] argument) {
    ManagementTypes.Fields f = ManagementTypes.decodeRecord("canister_metadata", argument);
    Canister c = canister(state, f.canisterId("canister_id"));
    String name = f.text("name");
    CanisterModule m = c.module().orElseThrow(() -> new ManagementReject(
        ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND, "Error from Canister " + c.id()
            + ": Attempted to execute a message, but the canister contains no Wasm module."));
    Optional<byte[]> value = m.publicMetadata(name);
    if (value.isEmpty()) {
      value = m.privateMetadata(name);
      if (value.isPresent() && !c.system().isController(caller)) {
        throw new ManagementReject(ErrorCode.CANISTER_REJECTED_MESSAGE, "Custom section " + name
            + " of canister " + c.id() + " is private: only its controllers can read it.");
      }
    }
    byte[] content = value.orElseThrow(() -> new ManagementReject(
        ErrorCode.CANISTER_REJECTED_MESSAGE,
        "Custom section " + name + " not found in the module of canister " + c.id() + "."));
    return ManagementTypes.encodeResult("canister_metadata", CandidValue.record(
        CandidValue.field("value", CandidValue.blob(content))));
  }

  private static byte[] fetchCanisterLogs(ReplicatedState state, Principal caller,
      byte[] argument) {
    Canister c = canister(state, CanisterIdArgs.decode("fetch_canister_logs", argument)
        .canisterId());
    SystemState s = c.system();
    if (!s.settings().logVisibility().allows(caller, s.controllers())) {
      throw new ManagementReject(ErrorCode.CANISTER_REJECTED_MESSAGE, "Caller " + caller
          + " is not allowed to query ic00 method fetch_canister_logs");
    }
    return new FetchCanisterLogsResult(s.log().records()).encode();
  }

  // ---- shared checks

  private static Canister canister(ReplicatedState state, CanisterId id) {
    return state.canister(id).orElseThrow(() -> ManagementReject.canisterNotFound(id));
  }

  private static void requireController(Canister c, Principal caller) {
    if (!c.system().isController(caller)) {
      throw invalidController(c, caller);
    }
  }

  /** Spec "upload_chunk" and friends: the controllers and the canister itself. */
  private static void requireControllerOrSelf(Canister c, Principal caller) {
    if (!caller.equals(c.id().principal())) {
      requireController(c, caller);
    }
  }

  private static ManagementReject invalidController(Canister c, Principal caller) {
    String controllers = c.system().controllers().stream().map(Principal::toText)
        .collect(Collectors.joining(" "));
    return new ManagementReject(ErrorCode.CANISTER_INVALID_CONTROLLER,
        "Only the controllers of the canister " + c.id() + " can control it.\n"
            + "Canister's controllers: " + controllers + "\nSender's ID: " + caller.toText());
  }

  /**
   * The origin recorded in the history. Note: spec "IC method create_canister" says a given
   * {@code sender_canister_version} must equal the caller's {@code ic0.canister_version}; the
   * version the caller saw is not carried by {@link ManagementCall} (the executor bumps the
   * version after the calling execution), so it is recorded, not checked.
   */
  private static CanisterChange.Origin origin(ManagementCall call, Long senderVersion) {
    if (call.fromCanister()) {
      return new CanisterChange.Origin.FromCanister(call.caller(),
          senderVersion == null ? OptionalLong.empty() : OptionalLong.of(senderVersion));
    }
    return new CanisterChange.Origin.FromUser(call.caller());
  }

  private static ManagementOutcome reply(ReplicatedState state, byte[] reply,
      BigInteger refund) {
    return ManagementOutcome.reply(state, reply, refund);
  }
}
