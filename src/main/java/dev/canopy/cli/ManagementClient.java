package dev.canopy.cli;

import dev.canopy.agent.Agent;
import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidEncoder;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.candid.FieldId;
import dev.canopy.execution.management.ManagementTypes;
import dev.canopy.types.CanopyException;
import dev.canopy.types.Hashing;
import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Calls to the management canister {@code aaaaa-aa} over the agent, with arguments and results at
 * the types of the interface's {@code ic.did} (spec "The IC management canister").
 */
final class ManagementClient {
  /** upload_chunk takes at most 1 MiB (spec "upload_chunk"). */
  static final int CHUNK_SIZE_BYTES = 1024 * 1024;
  /** Modules above this go through the chunk store: an ingress message is at most 2 MiB. */
  static final int MAX_DIRECT_INSTALL_BYTES = 1900 * 1024;
  /** Cycles a new canister starts with on a development node. */
  static final BigInteger DEFAULT_CYCLES = new BigInteger("100000000000000");

  enum InstallMode {
    INSTALL,
    REINSTALL,
    UPGRADE
  }

  private final Agent agent;

  ManagementClient(Agent agent) {
    this.agent = agent;
  }

  /** {@code provisional_create_canister_with_cycles}, routed to {@code effectiveCanisterId}. */
  Principal createCanister(Principal effectiveCanisterId, BigInteger cycles) {
    CandidValue arg = CandidValue.record(
        CandidValue.field("amount", CandidValue.some(CandidValue.nat(cycles))),
        CandidValue.field("settings", CandidValue.none()),
        CandidValue.field("specified_id", CandidValue.none()),
        CandidValue.field("sender_canister_version", CandidValue.none()));
    CandidArgs result = update("provisional_create_canister_with_cycles", effectiveCanisterId, arg);
    return principal(field(result.get(0), "canister_id"));
  }

  void installCode(Principal canister, InstallMode mode, byte[] wasm, byte[] arg) {
    CandidValue value = CandidValue.record(
        CandidValue.field("mode", mode(mode)),
        CandidValue.field("canister_id", CandidValue.principal(canister)),
        CandidValue.field("wasm_module", CandidValue.blob(wasm)),
        CandidValue.field("arg", CandidValue.blob(arg)),
        CandidValue.field("sender_canister_version", CandidValue.none()));
    update("install_code", canister, value);
  }

  /**
   * Uploads {@code wasm} in chunks of at most 1 MiB into the canister's own chunk store and installs
   * it from there; {@code progress} receives the number of chunks uploaded so far.
   */
  void installChunked(
      Principal canister, InstallMode mode, byte[] wasm, byte[] arg, IntConsumer progress) {
    update("clear_chunk_store", canister, canisterIdArg(canister));
    List<CandidValue> hashes = new ArrayList<>();
    for (int offset = 0, n = 0; offset < wasm.length; offset += CHUNK_SIZE_BYTES, n++) {
      byte[] chunk = java.util.Arrays.copyOfRange(
          wasm, offset, Math.min(wasm.length, offset + CHUNK_SIZE_BYTES));
      CandidArgs result = update("upload_chunk", canister, CandidValue.record(
          CandidValue.field("canister_id", CandidValue.principal(canister)),
          CandidValue.field("chunk", CandidValue.blob(chunk))));
      byte[] hash = blob(field(result.get(0), "hash"));
      if (!java.util.Arrays.equals(hash, Hashing.sha256(chunk))) {
        throw new CanopyException(
            "the node stored chunk " + n + " under a hash that is not its SHA-256; retry the deploy");
      }
      hashes.add(CandidValue.record(CandidValue.field("hash", CandidValue.blob(hash))));
      progress.accept(n + 1);
    }
    update("install_chunked_code", canister, CandidValue.record(
        CandidValue.field("mode", mode(mode)),
        CandidValue.field("target_canister", CandidValue.principal(canister)),
        CandidValue.field("store_canister", CandidValue.none()),
        CandidValue.field("chunk_hashes_list", CandidValue.vec(hashes)),
        CandidValue.field("wasm_module_hash", CandidValue.blob(Hashing.sha256(wasm))),
        CandidValue.field("arg", CandidValue.blob(arg)),
        CandidValue.field("sender_canister_version", CandidValue.none())));
    update("clear_chunk_store", canister, canisterIdArg(canister));
  }

  /** {@code canister_status}: the result at its ic.did type. */
  CandidArgs canisterStatus(Principal canister) {
    return update("canister_status", canister, canisterIdArg(canister));
  }

  void stopCanister(Principal canister) {
    update("stop_canister", canister, canisterIdArg(canister));
  }

  void startCanister(Principal canister) {
    update("start_canister", canister, canisterIdArg(canister));
  }

  void deleteCanister(Principal canister) {
    update("delete_canister", canister, canisterIdArg(canister));
  }

  void topUp(Principal canister, BigInteger cycles) {
    update("provisional_top_up_canister", canister, CandidValue.record(
        CandidValue.field("canister_id", CandidValue.principal(canister)),
        CandidValue.field("amount", CandidValue.nat(cycles))));
  }

  /** {@code fetch_canister_logs} (a query): the records at their ic.did type. */
  CandidArgs fetchLogs(Principal canister) {
    CandidType.Func f = method("fetch_canister_logs");
    byte[] reply = agent.query(
        Principal.MANAGEMENT_CANISTER, canister, "fetch_canister_logs",
        CandidEncoder.encode(f.args(), List.of(canisterIdArg(canister))));
    return CandidArgs.decode(reply, f.results());
  }

  private CandidArgs update(String name, Principal effectiveCanisterId, CandidValue arg) {
    CandidType.Func f = method(name);
    byte[] reply = agent.update(
        Principal.MANAGEMENT_CANISTER, effectiveCanisterId, name,
        CandidEncoder.encode(f.args(), List.of(arg)));
    return CandidArgs.decode(reply, f.results());
  }

  static CandidType.Func method(String name) {
    return ManagementTypes.method(name)
        .orElseThrow(() -> new IllegalStateException("ic.did has no method " + name));
  }

  private static CandidValue canisterIdArg(Principal canister) {
    return CandidValue.record(CandidValue.field("canister_id", CandidValue.principal(canister)));
  }

  private static CandidValue mode(InstallMode mode) {
    return switch (mode) {
      case INSTALL -> CandidValue.variant("install");
      case REINSTALL -> CandidValue.variant("reinstall");
      case UPGRADE -> CandidValue.variant("upgrade", CandidValue.none());
    };
  }

  // Reading results -------------------------------------------------------------------------------

  /** The field {@code name} of a record value. */
  static CandidValue field(CandidValue record, String name) {
    if (record instanceof CandidValue.Record r) {
      long id = FieldId.hash(name);
      for (CandidValue.FieldValue f : r.fields()) {
        if (f.id() == id) {
          return f.value();
        }
      }
    }
    throw new CanopyException("the management canister's answer has no field " + name);
  }

  static Optional<CandidValue> opt(CandidValue v) {
    return v instanceof CandidValue.Opt o ? Optional.ofNullable(o.value()) : Optional.of(v);
  }

  static Principal principal(CandidValue v) {
    if (v instanceof CandidValue.PrincipalValue p) {
      return p.principal();
    }
    throw new CanopyException("expected a principal in the management canister's answer");
  }

  static byte[] blob(CandidValue v) {
    if (v instanceof CandidValue.Blob b) {
      return b.bytes();
    }
    if (v instanceof CandidValue.Vec vec) {
      byte[] out = new byte[vec.elements().size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = (byte) ((CandidValue.FixedNat) vec.elements().get(i)).value();
      }
      return out;
    }
    throw new CanopyException("expected a blob in the management canister's answer");
  }

  static BigInteger nat(CandidValue v) {
    if (v instanceof CandidValue.Nat n) {
      return n.value();
    }
    if (v instanceof CandidValue.FixedNat n) {
      return new BigInteger(Long.toUnsignedString(n.value()));
    }
    throw new CanopyException("expected a number in the management canister's answer");
  }

  /** The name of a variant value at its type, e.g. {@code running}. */
  static String variantName(CandidValue v, CandidType t) {
    if (v instanceof CandidValue.Variant var && t.resolve() instanceof CandidType.Variant vt) {
      for (CandidType.Field f : vt.fields()) {
        if (f.id() == var.id()) {
          return f.name() != null ? f.name() : Long.toString(f.id());
        }
      }
    }
    return String.valueOf(v);
  }
}
