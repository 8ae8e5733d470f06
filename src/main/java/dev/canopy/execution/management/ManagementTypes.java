package dev.canopy.execution.management;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.candid.CandidValue.FieldValue;
import dev.canopy.candid.DidFile;
import dev.canopy.candid.FieldId;
import dev.canopy.execution.CanisterChange;
import dev.canopy.execution.CanisterLog;
import dev.canopy.execution.LogVisibility;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The argument and result types of the management canister's methods, as Java records, with their
 * conversion from and to Candid at the types of {@code ic.did}.
 *
 * <p>Arguments are decoded at the method's argument types (spec "Candid", coercion): an absent
 * {@code opt} field decodes as {@code null}, fields the interface does not know are ignored, and
 * anything that does not coerce is an {@code IC0408} reject naming the method. Results are encoded
 * at the method's result types.
 *
 * <p>Note: {@code nat} fields stay {@link BigInteger} here; range checks (e.g. {@code
 * compute_allocation ≤ 100}) belong to the methods, which answer with the reference replica's
 * errors.
 */
public final class ManagementTypes {
  /** The interface resource, a verbatim copy of the spec's {@code ic.did} (see its header). */
  static final String DID_RESOURCE = "ic.did";

  /** The management canister's interface, parsed once. */
  public static final DidFile INTERFACE = loadInterface();

  private ManagementTypes() {}

  private static DidFile loadInterface() {
    try (InputStream in = ManagementTypes.class.getResourceAsStream(DID_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + DID_RESOURCE);
      }
      return DidFile.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The type of a method of {@code aaaaa-aa}, if the interface has it. */
  public static java.util.Optional<CandidType.Func> method(String name) {
    return INTERFACE.method(name);
  }

  /**
   * Decodes the argument of {@code method} at the interface's argument types.
   *
   * @throws ManagementReject {@code IC0408} "Error decoding candid: ..." when it does not decode
   */
  public static CandidArgs decodeArgument(String method, byte[] payload) {
    CandidType.Func f = method(method).orElseThrow(
        () -> new IllegalArgumentException("no method " + method + " in ic.did"));
    try {
      return CandidArgs.decode(payload, f.args());
    } catch (InvalidInputException e) {
      throw ManagementReject.invalidPayload(
          "Error decoding candid: the argument of " + method + " does not match ic.did: "
              + e.getMessage());
    }
  }

  /** Decodes the single record argument of {@code method}. */
  static Fields decodeRecord(String method, byte[] payload) {
    CandidArgs args = decodeArgument(method, payload);
    return new Fields(method, (CandidValue.Record) args.get(0));
  }

  /** Encodes a result of {@code method} at the interface's result types. */
  public static byte[] encodeResult(String method, CandidValue... values) {
    CandidType.Func f = method(method).orElseThrow(
        () -> new IllegalArgumentException("no method " + method + " in ic.did"));
    CandidArgs.Builder b = CandidArgs.builder();
    for (int i = 0; i < values.length; i++) {
      b.add(f.results().get(i), values[i]);
    }
    return b.build().encode();
  }

  // ---- shared pieces -------------------------------------------------------------------------

  /**
   * {@code log_visibility}, {@code snapshot_visibility} or {@code status_visibility} (same shape).
   *
   * @throws ManagementReject IC0408 for more than {@link LogVisibility.AllowedViewers#MAX_VIEWERS}
   *     viewers (the reference replica decodes the list bounded)
   */
  static LogVisibility visibilityFromCandid(String field, CandidValue v) {
    CandidValue.Variant var = (CandidValue.Variant) v;
    if (var.is("controllers")) {
      return LogVisibility.CONTROLLERS;
    }
    if (var.is("public")) {
      return LogVisibility.PUBLIC;
    }
    List<Principal> viewers = principals(var.value());
    if (viewers.size() > LogVisibility.AllowedViewers.MAX_VIEWERS) {
      throw ManagementReject.invalidPayload("Error decoding candid: " + field
          + ": The number of elements exceeds maximum allowed "
          + LogVisibility.AllowedViewers.MAX_VIEWERS);
    }
    return new LogVisibility.AllowedViewers(viewers);
  }

  static CandidValue visibilityToCandid(LogVisibility v) {
    if (v instanceof LogVisibility.AllowedViewers a) {
      return CandidValue.variant("allowed_viewers", principalsValue(a.viewers()));
    }
    return CandidValue.variant(v instanceof LogVisibility.Public ? "public" : "controllers");
  }

  /** {@code environment_variable}. */
  public record EnvironmentVariable(String name, String value) {
    public EnvironmentVariable {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }

    CandidValue toCandid() {
      return CandidValue.record(CandidValue.field("name", CandidValue.text(name)),
          CandidValue.field("value", CandidValue.text(value)));
    }

    static EnvironmentVariable fromCandid(CandidValue v) {
      Fields f = new Fields("environment_variable", (CandidValue.Record) v);
      return new EnvironmentVariable(f.text("name"), f.text("value"));
    }
  }

  /**
   * {@code canister_settings}: every field may be null (omitted), meaning "default" at creation
   * and "unchanged" in {@code update_settings}.
   */
  public record CanisterSettings(
      List<Principal> controllers,
      BigInteger computeAllocation,
      BigInteger memoryAllocation,
      BigInteger freezingThreshold,
      BigInteger reservedCyclesLimit,
      BigInteger minimumIncomingCanisterCallCycles,
      LogVisibility logVisibility,
      LogVisibility snapshotVisibility,
      LogVisibility statusVisibility,
      BigInteger wasmMemoryLimit,
      BigInteger wasmMemoryThreshold,
      List<EnvironmentVariable> environmentVariables) {

    public static final CanisterSettings NONE = new CanisterSettings(null, null, null, null, null,
        null, null, null, null, null, null, null);

    public CanisterSettings {
      controllers = controllers == null ? null : List.copyOf(controllers);
      environmentVariables =
          environmentVariables == null ? null : List.copyOf(environmentVariables);
    }

    static CanisterSettings fromCandid(CandidValue v) {
      if (v == null) {
        return NONE;
      }
      Fields f = new Fields("canister_settings", (CandidValue.Record) v);
      CandidValue ctl = f.opt("controllers");
      CandidValue env = f.opt("environment_variables");
      List<EnvironmentVariable> vars = null;
      if (env != null) {
        vars = new ArrayList<>();
        for (CandidValue e : ((CandidValue.Vec) env).elements()) {
          vars.add(EnvironmentVariable.fromCandid(e));
        }
      }
      return new CanisterSettings(
          ctl == null ? null : principals(ctl),
          f.optNat("compute_allocation"),
          f.optNat("memory_allocation"),
          f.optNat("freezing_threshold"),
          f.optNat("reserved_cycles_limit"),
          f.optNat("minimum_incoming_canister_call_cycles"),
          f.optVisibility("log_visibility"),
          f.optVisibility("snapshot_visibility"),
          f.optVisibility("status_visibility"),
          f.optNat("wasm_memory_limit"),
          f.optNat("wasm_memory_threshold"),
          vars);
    }

    /** As {@code canister_settings}, omitted fields as {@code null}. */
    public CandidValue toCandid() {
      return CandidValue.record(
          optField("controllers", controllers == null ? null : principalsValue(controllers)),
          optField("compute_allocation", natOrNull(computeAllocation)),
          optField("memory_allocation", natOrNull(memoryAllocation)),
          optField("freezing_threshold", natOrNull(freezingThreshold)),
          optField("reserved_cycles_limit", natOrNull(reservedCyclesLimit)),
          optField("minimum_incoming_canister_call_cycles",
              natOrNull(minimumIncomingCanisterCallCycles)),
          optField("log_visibility",
              logVisibility == null ? null : visibilityToCandid(logVisibility)),
          optField("snapshot_visibility",
              snapshotVisibility == null ? null : visibilityToCandid(snapshotVisibility)),
          optField("status_visibility",
              statusVisibility == null ? null : visibilityToCandid(statusVisibility)),
          optField("wasm_memory_limit", natOrNull(wasmMemoryLimit)),
          optField("wasm_memory_threshold", natOrNull(wasmMemoryThreshold)),
          optField("environment_variables", environmentVariables == null ? null
              : CandidValue.vec(environmentVariables.stream()
                  .map(EnvironmentVariable::toCandid).toList())));
    }
  }

  /** {@code definite_canister_settings} of a canister with these controllers and settings. */
  public static CandidValue definiteSettings(List<Principal> controllers,
      dev.canopy.execution.CanisterSettings s) {
    List<CandidValue> vars = new ArrayList<>();
    s.environmentVariables().forEach((k, v) -> vars.add(new EnvironmentVariable(k, v).toCandid()));
    return CandidValue.record(
        CandidValue.field("controllers", principalsValue(controllers)),
        CandidValue.field("compute_allocation", CandidValue.nat(s.computeAllocationPercent())),
        CandidValue.field("memory_allocation", CandidValue.nat(s.memoryAllocationBytes())),
        CandidValue.field("freezing_threshold", CandidValue.nat(s.freezingThresholdSeconds())),
        CandidValue.field("reserved_cycles_limit", CandidValue.nat(s.reservedCyclesLimit())),
        CandidValue.field("minimum_incoming_canister_call_cycles",
            CandidValue.nat(s.minimumIncomingCanisterCallCycles())),
        CandidValue.field("log_visibility", visibilityToCandid(s.logVisibility())),
        CandidValue.field("snapshot_visibility", visibilityToCandid(s.snapshotVisibility())),
        CandidValue.field("status_visibility", visibilityToCandid(s.statusVisibility())),
        CandidValue.field("wasm_memory_limit", CandidValue.nat(s.wasmMemoryLimitBytes())),
        CandidValue.field("wasm_memory_threshold", CandidValue.nat(s.wasmMemoryThresholdBytes())),
        CandidValue.field("environment_variables", CandidValue.vec(vars)));
  }

  /** {@code canister_install_mode}. */
  public sealed interface InstallMode {
    record Install() implements InstallMode {}

    record Reinstall() implements InstallMode {}

    /**
     * {@code upgrade opt record {...}}.
     *
     * @param skipPreUpgrade null when omitted (= false)
     * @param keepWasmMemory null when {@code wasm_memory_persistence} is omitted; true for
     *     {@code keep}, false for {@code replace}
     */
    record Upgrade(Boolean skipPreUpgrade, Boolean keepWasmMemory) implements InstallMode {
      public boolean skipsPreUpgrade() {
        return Boolean.TRUE.equals(skipPreUpgrade);
      }
    }

    InstallMode INSTALL = new Install();
    InstallMode REINSTALL = new Reinstall();

    /** {@code install}, {@code reinstall} or {@code upgrade}, as history records it. */
    default String kind() {
      return this instanceof Install ? "install" : this instanceof Reinstall ? "reinstall"
          : "upgrade";
    }

    static InstallMode fromCandid(CandidValue v) {
      CandidValue.Variant var = (CandidValue.Variant) v;
      if (var.is("install")) {
        return INSTALL;
      }
      if (var.is("reinstall")) {
        return REINSTALL;
      }
      CandidValue opts = ((CandidValue.Opt) var.value()).value();
      if (opts == null) {
        return new Upgrade(null, null);
      }
      Fields f = new Fields("canister_install_mode", (CandidValue.Record) opts);
      CandidValue skip = f.opt("skip_pre_upgrade");
      CandidValue persistence = f.opt("wasm_memory_persistence");
      return new Upgrade(skip == null ? null : ((CandidValue.Bool) skip).value(),
          persistence == null ? null : ((CandidValue.Variant) persistence).is("keep"));
    }

    default CandidValue toCandid() {
      if (this instanceof Upgrade u) {
        if (u.skipPreUpgrade() == null && u.keepWasmMemory() == null) {
          return CandidValue.variant("upgrade", CandidValue.none());
        }
        return CandidValue.variant("upgrade", CandidValue.some(CandidValue.record(
            optField("skip_pre_upgrade",
                u.skipPreUpgrade() == null ? null : CandidValue.bool(u.skipPreUpgrade())),
            optField("wasm_memory_persistence", u.keepWasmMemory() == null ? null
                : CandidValue.variant(u.keepWasmMemory() ? "keep" : "replace")))));
      }
      return CandidValue.variant(kind());
    }
  }

  // ---- canister history ------------------------------------------------------------------

  /** {@code change}: one entry of a canister's history. */
  public static CandidValue changeToCandid(CanisterChange c) {
    return CandidValue.record(
        CandidValue.field("timestamp_nanos", CandidValue.nat64(c.timestampNs())),
        CandidValue.field("canister_version", CandidValue.nat64(c.canisterVersion())),
        CandidValue.field("origin", originToCandid(c.origin())),
        CandidValue.field("details", detailsToCandid(c.details())));
  }

  private static CandidValue originToCandid(CanisterChange.Origin o) {
    if (o instanceof CanisterChange.Origin.FromUser u) {
      return CandidValue.variant("from_user",
          CandidValue.record(CandidValue.field("user_id", CandidValue.principal(u.userId()))));
    }
    CanisterChange.Origin.FromCanister c = (CanisterChange.Origin.FromCanister) o;
    return CandidValue.variant("from_canister", CandidValue.record(
        CandidValue.field("canister_id", CandidValue.principal(c.canisterId())),
        optField("canister_version", c.canisterVersion().isPresent()
            ? CandidValue.nat64(c.canisterVersion().getAsLong()) : null)));
  }

  private static CandidValue detailsToCandid(CanisterChange.Details d) {
    if (d instanceof CanisterChange.Details.Creation c) {
      return CandidValue.variant("creation", CandidValue.record(
          CandidValue.field("controllers", principalsValue(c.controllers())),
          optField("environment_variables_hash",
              c.environmentVariablesHash().map(h -> (CandidValue) CandidValue.blob(h))
                  .orElse(null))));
    }
    if (d instanceof CanisterChange.Details.CodeUninstall) {
      return CandidValue.variant("code_uninstall");
    }
    if (d instanceof CanisterChange.Details.CodeDeployment c) {
      return CandidValue.variant("code_deployment", CandidValue.record(
          CandidValue.field("mode", CandidValue.variant(
              c.mode().name().toLowerCase(java.util.Locale.ROOT))),
          CandidValue.field("module_hash", CandidValue.blob(c.moduleHash()))));
    }
    if (d instanceof CanisterChange.Details.ControllersChange c) {
      return CandidValue.variant("controllers_change", CandidValue.record(
          CandidValue.field("controllers", principalsValue(c.controllers()))));
    }
    CanisterChange.Details.LoadSnapshot l = (CanisterChange.Details.LoadSnapshot) d;
    return CandidValue.variant("load_snapshot", CandidValue.record(
        CandidValue.field("from_canister_id", CandidValue.none()),
        CandidValue.field("snapshot_id", CandidValue.blob(l.snapshotId())),
        CandidValue.field("canister_version", CandidValue.nat64(l.canisterVersion())),
        CandidValue.field("taken_at_timestamp", CandidValue.nat64(l.takenAtTimestampNs())),
        CandidValue.field("source", CandidValue.variant("taken_from_canister",
            CandidValue.RESERVED))));
  }

  // ---- arguments -------------------------------------------------------------------------

  /**
   * The {@code record { canister_id }} argument of clear_chunk_store, stored_chunks,
   * start_canister, stop_canister, canister_status, delete_canister, deposit_cycles and
   * fetch_canister_logs.
   */
  public record CanisterIdArgs(CanisterId canisterId) {
    public static CanisterIdArgs decode(String method, byte[] payload) {
      return new CanisterIdArgs(decodeRecord(method, payload).canisterId("canister_id"));
    }

    public byte[] encode() {
      return CandidArgs.builder().add(argType("start_canister"), CandidValue.record(
          CandidValue.field("canister_id", CandidValue.principal(canisterId.principal()))))
          .build().encode();
    }
  }

  /** {@code create_canister_args}. */
  public record CreateCanisterArgs(CanisterSettings settings, Long senderCanisterVersion) {
    public CreateCanisterArgs {
      settings = settings == null ? CanisterSettings.NONE : settings;
    }

    public static CreateCanisterArgs decode(byte[] payload) {
      Fields f = decodeRecord("create_canister", payload);
      return new CreateCanisterArgs(CanisterSettings.fromCandid(f.opt("settings")),
          f.optNat64("sender_canister_version"));
    }

    public byte[] encode() {
      return encodeArg("create_canister", CandidValue.record(
          CandidValue.field("settings", CandidValue.some(settings.toCandid())),
          optField("sender_canister_version", nat64OrNull(senderCanisterVersion))));
    }
  }

  /** {@code provisional_create_canister_with_cycles_args}; nulls where omitted. */
  public record ProvisionalCreateCanisterArgs(BigInteger amount, CanisterSettings settings,
      CanisterId specifiedId, Long senderCanisterVersion) {
    public ProvisionalCreateCanisterArgs {
      settings = settings == null ? CanisterSettings.NONE : settings;
    }

    public static ProvisionalCreateCanisterArgs decode(byte[] payload) {
      Fields f = decodeRecord("provisional_create_canister_with_cycles", payload);
      CandidValue id = f.opt("specified_id");
      return new ProvisionalCreateCanisterArgs(f.optNat("amount"),
          CanisterSettings.fromCandid(f.opt("settings")),
          id == null ? null : new CanisterId(((CandidValue.PrincipalValue) id).principal()),
          f.optNat64("sender_canister_version"));
    }

    public byte[] encode() {
      return encodeArg("provisional_create_canister_with_cycles", CandidValue.record(
          optField("amount", natOrNull(amount)),
          CandidValue.field("settings", CandidValue.some(settings.toCandid())),
          optField("specified_id",
              specifiedId == null ? null : CandidValue.principal(specifiedId.principal())),
          optField("sender_canister_version", nat64OrNull(senderCanisterVersion))));
    }
  }

  /** {@code provisional_top_up_canister_args}. */
  public record ProvisionalTopUpArgs(CanisterId canisterId, BigInteger amount) {
    public static ProvisionalTopUpArgs decode(byte[] payload) {
      Fields f = decodeRecord("provisional_top_up_canister", payload);
      return new ProvisionalTopUpArgs(f.canisterId("canister_id"), f.nat("amount"));
    }

    public byte[] encode() {
      return encodeArg("provisional_top_up_canister", CandidValue.record(
          CandidValue.field("canister_id", CandidValue.principal(canisterId.principal())),
          CandidValue.field("amount", CandidValue.nat(amount))));
    }
  }

  /** {@code update_settings_args}. */
  public record UpdateSettingsArgs(CanisterId canisterId, CanisterSettings settings,
      Long senderCanisterVersion) {
    public static UpdateSettingsArgs decode(byte[] payload) {
      Fields f = decodeRecord("update_settings", payload);
      return new UpdateSettingsArgs(f.canisterId("canister_id"),
          CanisterSettings.fromCandid(f.get("settings")), f.optNat64("sender_canister_version"));
    }

    public byte[] encode() {
      return encodeArg("update_settings", CandidValue.record(
          CandidValue.field("canister_id", CandidValue.principal(canisterId.principal())),
          CandidValue.field("settings", settings.toCandid()),
          optField("sender_canister_version", nat64OrNull(senderCanisterVersion))));
    }
  }

  /** {@code upload_chunk_args}. */
  public record UploadChunkArgs(CanisterId canisterId, byte[] chunk) {
    public UploadChunkArgs {
      chunk = chunk.clone();
    }

    @Override
    public byte[] chunk() {
      return chunk.clone();
    }

    int chunkLength() {
      return chunk.length;
    }

    public static UploadChunkArgs decode(byte[] payload) {
      Fields f = decodeRecord("upload_chunk", payload);
      return new UploadChunkArgs(f.canisterId("canister_id"), f.blob("chunk"));
    }

    public byte[] encode() {
      return encodeArg("upload_chunk", CandidValue.record(
          CandidValue.field("canister_id", CandidValue.principal(canisterId.principal())),
          CandidValue.field("chunk", CandidValue.blob(chunk))));
    }
  }

  /** {@code install_code_args}. */
  public record InstallCodeArgs(InstallMode mode, CanisterId canisterId, byte[] wasmModule,
      byte[] arg, Long senderCanisterVersion) {
    public InstallCodeArgs {
      Objects.requireNonNull(mode, "mode");
      wasmModule = wasmModule.clone();
      arg = arg.clone();
    }

    @Override
    public byte[] wasmModule() {
      return wasmModule.clone();
    }

    @Override
    public byte[] arg() {
      return arg.clone();
    }

    public static InstallCodeArgs decode(byte[] payload) {
      Fields f = decodeRecord("install_code", payload);
      return new InstallCodeArgs(InstallMode.fromCandid(f.get("mode")),
          f.canisterId("canister_id"), f.blob("wasm_module"), f.blob("arg"),
          f.optNat64("sender_canister_version"));
    }

    public byte[] encode() {
      return encodeArg("install_code", CandidValue.record(
          CandidValue.field("mode", mode.toCandid()),
          CandidValue.field("canister_id", CandidValue.principal(canisterId.principal())),
          CandidValue.field("wasm_module", CandidValue.blob(wasmModule)),
          CandidValue.field("arg", CandidValue.blob(arg)),
          optField("sender_canister_version", nat64OrNull(senderCanisterVersion))));
    }
  }

  /** {@code install_chunked_code_args}. */
  public record InstallChunkedCodeArgs(InstallMode mode, CanisterId targetCanister,
      CanisterId storeCanister, List<byte[]> chunkHashes, byte[] wasmModuleHash, byte[] arg,
      Long senderCanisterVersion) {
    public InstallChunkedCodeArgs {
      Objects.requireNonNull(mode, "mode");
      chunkHashes = chunkHashes.stream().map(byte[]::clone).toList();
      wasmModuleHash = wasmModuleHash.clone();
      arg = arg.clone();
    }

    @Override
    public byte[] wasmModuleHash() {
      return wasmModuleHash.clone();
    }

    @Override
    public byte[] arg() {
      return arg.clone();
    }

    @Override
    public List<byte[]> chunkHashes() {
      return chunkHashes.stream().map(byte[]::clone).toList();
    }

    public static InstallChunkedCodeArgs decode(byte[] payload) {
      Fields f = decodeRecord("install_chunked_code", payload);
      CandidValue store = f.opt("store_canister");
      List<byte[]> hashes = new ArrayList<>();
      for (CandidValue h : ((CandidValue.Vec) f.get("chunk_hashes_list")).elements()) {
        hashes.add(new Fields("chunk_hash", (CandidValue.Record) h).blob("hash"));
      }
      return new InstallChunkedCodeArgs(InstallMode.fromCandid(f.get("mode")),
          f.canisterId("target_canister"),
          store == null ? null : new CanisterId(((CandidValue.PrincipalValue) store).principal()),
          hashes, f.blob("wasm_module_hash"), f.blob("arg"),
          f.optNat64("sender_canister_version"));
    }

    public byte[] encode() {
      return encodeArg("install_chunked_code", CandidValue.record(
          CandidValue.field("mode", mode.toCandid()),
          CandidValue.field("target_canister",
              CandidValue.principal(targetCanister.principal())),
          optField("store_canister",
              storeCanister == null ? null : CandidValue.principal(storeCanister.principal())),
          CandidValue.field("chunk_hashes_list", CandidValue.vec(chunkHashes.stream()
              .map(h -> (CandidValue) chunkHashValue(h)).toList())),
          CandidValue.field("wasm_module_hash", CandidValue.blob(wasmModuleHash)),
          CandidValue.field("arg", CandidValue.blob(arg)),
          optField("sender_canister_version", nat64OrNull(senderCanisterVersion))));
    }
  }

  /** {@code uninstall_code_args}. */
  public record UninstallCodeArgs(CanisterId canisterId, Long senderCanisterVersion) {
    public static UninstallCodeArgs decode(byte[] payload) {
      Fields f = decodeRecord("uninstall_code", payload);
      return new UninstallCodeArgs(f.canisterId("canister_id"),
          f.optNat64("sender_canister_version"));
    }

    public byte[] encode() {
      return encodeArg("uninstall_code", CandidValue.record(
          CandidValue.field("canister_id", CandidValue.principal(canisterId.principal())),
          optField("sender_canister_version", nat64OrNull(senderCanisterVersion))));
    }
  }

  /** {@code canister_info_args}. */
  public record CanisterInfoArgs(CanisterId canisterId, Long numRequestedChanges) {
    public static CanisterInfoArgs decode(byte[] payload) {
      Fields f = decodeRecord("canister_info", payload);
      return new CanisterInfoArgs(f.canisterId("canister_id"),
          f.optNat64("num_requested_changes"));
    }

    public byte[] encode() {
      return encodeArg("canister_info", CandidValue.record(
          CandidValue.field("canister_id", CandidValue.principal(canisterId.principal())),
          optField("num_requested_changes", nat64OrNull(numRequestedChanges))));
    }
  }

  // ---- results ---------------------------------------------------------------------------

  /** {@code create_canister_result} and {@code provisional_create_canister_with_cycles_result}. */
  public record CreateCanisterResult(CanisterId canisterId) {
    public byte[] encode(String method) {
      return encodeResult(method, CandidValue.record(
          CandidValue.field("canister_id", CandidValue.principal(canisterId.principal()))));
    }

    public static CreateCanisterResult decode(byte[] reply) {
      CandidValue.Record r = (CandidValue.Record) decodeResult("create_canister", reply).get(0);
      return new CreateCanisterResult(new Fields("create_canister_result", r)
          .canisterId("canister_id"));
    }
  }

  /** {@code chunk_hash} (the result of upload_chunk; elements of stored_chunks). */
  static CandidValue.Record chunkHashValue(byte[] hash) {
    return CandidValue.record(CandidValue.field("hash", CandidValue.blob(hash)));
  }

  /** {@code canister_status_result.memory_metrics}, in bytes. */
  public record MemoryMetrics(long wasmMemorySize, long stableMemorySize, long globalMemorySize,
      long wasmBinarySize, long customSectionsSize, long canisterHistorySize,
      long wasmChunkStoreSize, long snapshotsSize) {
    public long total() {
      return wasmMemorySize + stableMemorySize + globalMemorySize + wasmBinarySize
          + customSectionsSize + canisterHistorySize + wasmChunkStoreSize + snapshotsSize;
    }

    CandidValue toCandid() {
      return CandidValue.record(
          CandidValue.field("wasm_memory_size", CandidValue.nat(wasmMemorySize)),
          CandidValue.field("stable_memory_size", CandidValue.nat(stableMemorySize)),
          CandidValue.field("global_memory_size", CandidValue.nat(globalMemorySize)),
          CandidValue.field("wasm_binary_size", CandidValue.nat(wasmBinarySize)),
          CandidValue.field("custom_sections_size", CandidValue.nat(customSectionsSize)),
          CandidValue.field("canister_history_size", CandidValue.nat(canisterHistorySize)),
          CandidValue.field("wasm_chunk_store_size", CandidValue.nat(wasmChunkStoreSize)),
          CandidValue.field("snapshots_size", CandidValue.nat(snapshotsSize)));
    }
  }

  /** {@code canister_status_result.query_stats}. */
  public record QueryStats(BigInteger numCallsTotal, BigInteger numInstructionsTotal,
      BigInteger requestPayloadBytesTotal, BigInteger responsePayloadBytesTotal) {
    public static final QueryStats ZERO =
        new QueryStats(BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO);

    CandidValue toCandid() {
      return CandidValue.record(
          CandidValue.field("num_calls_total", CandidValue.nat(numCallsTotal)),
          CandidValue.field("num_instructions_total", CandidValue.nat(numInstructionsTotal)),
          CandidValue.field("request_payload_bytes_total",
              CandidValue.nat(requestPayloadBytesTotal)),
          CandidValue.field("response_payload_bytes_total",
              CandidValue.nat(responsePayloadBytesTotal)));
    }
  }

  /** {@code canister_status_result}; {@code status} is running, stopping or stopped. */
  public record CanisterStatusResult(String status, boolean readyForMigration, long version,
      List<Principal> controllers, dev.canopy.execution.CanisterSettings settings,
      byte[] moduleHash, MemoryMetrics memoryMetrics,
      BigInteger cycles, BigInteger reservedCycles, BigInteger idleCyclesBurnedPerDay,
      QueryStats queryStats) {
    public CanisterStatusResult {
      if (!status.equals("running") && !status.equals("stopping") && !status.equals("stopped")) {
        throw new IllegalArgumentException("status " + status);
      }
      controllers = List.copyOf(controllers);
      moduleHash = moduleHash == null ? null : moduleHash.clone();
    }

    @Override
    public byte[] moduleHash() {
      return moduleHash == null ? null : moduleHash.clone();
    }

    public byte[] encode() {
      return encodeResult("canister_status", CandidValue.record(
          CandidValue.field("status", CandidValue.variant(status)),
          CandidValue.field("ready_for_migration", CandidValue.bool(readyForMigration)),
          CandidValue.field("version", CandidValue.nat64(version)),
          CandidValue.field("settings", definiteSettings(controllers, settings)),
          optField("module_hash", moduleHash == null ? null : CandidValue.blob(moduleHash)),
          CandidValue.field("memory_size", CandidValue.nat(memoryMetrics.total())),
          CandidValue.field("memory_metrics", memoryMetrics.toCandid()),
          CandidValue.field("cycles", CandidValue.nat(cycles)),
          CandidValue.field("reserved_cycles", CandidValue.nat(reservedCycles)),
          CandidValue.field("idle_cycles_burned_per_day", CandidValue.nat(idleCyclesBurnedPerDay)),
          CandidValue.field("query_stats", queryStats.toCandid())));
    }
  }

  /** {@code canister_info_result}. */
  public record CanisterInfoResult(long totalNumChanges, List<CanisterChange> recentChanges,
      byte[] moduleHash, List<Principal> controllers) {
    public CanisterInfoResult {
      recentChanges = List.copyOf(recentChanges);
      moduleHash = moduleHash == null ? null : moduleHash.clone();
      controllers = List.copyOf(controllers);
    }

    @Override
    public byte[] moduleHash() {
      return moduleHash == null ? null : moduleHash.clone();
    }

    public byte[] encode() {
      return encodeResult("canister_info", CandidValue.record(
          CandidValue.field("total_num_changes", CandidValue.nat64(totalNumChanges)),
          CandidValue.field("recent_changes",
              CandidValue.vec(
                  recentChanges.stream().map(ManagementTypes::changeToCandid).toList())),
          optField("module_hash", moduleHash == null ? null : CandidValue.blob(moduleHash)),
          CandidValue.field("controllers", principalsValue(controllers))));
    }
  }

  /** {@code fetch_canister_logs_result}. */
  public record FetchCanisterLogsResult(List<CanisterLog.Record> records) {
    public FetchCanisterLogsResult {
      records = List.copyOf(records);
    }

    public byte[] encode() {
      return encodeResult("fetch_canister_logs", CandidValue.record(CandidValue.field(
          "canister_log_records",
          CandidValue.vec(records.stream().map(r -> (CandidValue) CandidValue.record(
              CandidValue.field("idx", CandidValue.nat64(r.idx())),
              CandidValue.field("timestamp_nanos", CandidValue.nat64(r.timestampNs())),
              CandidValue.field("content", CandidValue.blob(r.content())))).toList()))));
    }
  }

  /** {@code canister_id_range}: inclusive. */
  public record CanisterIdRange(CanisterId start, CanisterId end) {}

  /** {@code list_canisters_result}. */
  public record ListCanistersResult(List<CanisterIdRange> canisters) {
    public ListCanistersResult {
      canisters = List.copyOf(canisters);
    }

    public byte[] encode() {
      return encodeResult("list_canisters", CandidValue.record(CandidValue.field("canisters",
          CandidValue.vec(canisters.stream().map(r -> (CandidValue) CandidValue.record(
              CandidValue.field("start", CandidValue.principal(r.start().principal())),
              CandidValue.field("end", CandidValue.principal(r.end().principal())))).toList()))));
    }
  }

  /** Decodes a reply of {@code method} at the interface's result types (for callers and tests). */
  public static CandidArgs decodeResult(String method, byte[] reply) {
    return CandidArgs.decode(reply, method(method).orElseThrow().results());
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** The size of a change encoded as Candid at {@code change} (for history memory metrics). */
  static long encodedSize(CanisterChange c) {
    return CandidArgs.builder().add(INTERFACE.definition("change").orElseThrow(), changeToCandid(c))
        .build().encode().length;
  }

  static CandidType argType(String method) {
    return method(method).orElseThrow().args().get(0);
  }

  private static byte[] encodeArg(String method, CandidValue value) {
    return CandidArgs.builder().add(argType(method), value).build().encode();
  }

  /** An {@code opt} field: {@code null} as the absent value. */
  private static FieldValue optField(String name, CandidValue valueOrNull) {
    return CandidValue.field(name,
        valueOrNull == null ? CandidValue.none() : CandidValue.some(valueOrNull));
  }

  private static CandidValue natOrNull(BigInteger n) {
    return n == null ? null : CandidValue.nat(n);
  }

  private static CandidValue nat64OrNull(Long n) {
    return n == null ? null : CandidValue.nat64(n);
  }

  static CandidValue principalsValue(List<Principal> ps) {
    return CandidValue.vec(ps.stream().map(p -> (CandidValue) CandidValue.principal(p)).toList());
  }

  static List<Principal> principals(CandidValue v) {
    List<Principal> out = new ArrayList<>();
    for (CandidValue e : ((CandidValue.Vec) v).elements()) {
      out.add(((CandidValue.PrincipalValue) e).principal());
    }
    return out;
  }

  /**
   * Typed access to the fields of a decoded record. The record was decoded at the interface type,
   * so every field the interface declares is present with a value of its type.
   */
  static final class Fields {
    private final String typeName;
    private final CandidValue.Record record;

    Fields(String typeName, CandidValue.Record record) {
      this.typeName = typeName;
      this.record = record;
    }

    CandidValue get(String name) {
      CandidValue v = record.get(FieldId.hash(name));
      if (v == null) {
        throw new IllegalStateException(typeName + " decoded without field " + name);
      }
      return v;
    }

    /** The content of an {@code opt} field, or null. */
    CandidValue opt(String name) {
      return ((CandidValue.Opt) get(name)).value();
    }

    CanisterId canisterId(String name) {
      return new CanisterId(((CandidValue.PrincipalValue) get(name)).principal());
    }

    String text(String name) {
      return ((CandidValue.Text) get(name)).value();
    }

    BigInteger nat(String name) {
      return ((CandidValue.Nat) get(name)).value();
    }

    byte[] blob(String name) {
      return ((CandidValue.Blob) get(name)).bytes();
    }

    BigInteger optNat(String name) {
      CandidValue v = opt(name);
      return v == null ? null : ((CandidValue.Nat) v).value();
    }

    Long optNat64(String name) {
      CandidValue v = opt(name);
      return v == null ? null : ((CandidValue.FixedNat) v).value();
    }

    LogVisibility optVisibility(String name) {
      CandidValue v = opt(name);
      return v == null ? null : visibilityFromCandid(name, v);
    }
  }
}
