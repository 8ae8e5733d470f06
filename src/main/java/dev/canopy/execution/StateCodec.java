package dev.canopy.execution;

import dev.canopy.types.CanisterIdRange;
import dev.canopy.state.EffectiveId;
import dev.canopy.state.IngressEntry;
import dev.canopy.state.IngressHistory;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.types.RequestId;
import dev.canopy.state.RequestStatus;
import dev.canopy.state.SubnetInfo;
import dev.canopy.state.SubnetMetrics;
import dev.canopy.state.SubnetType;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Hashing;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.RejectCode;
import dev.canopy.types.SubnetId;
import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.CanisterState;
import dev.canopy.wasm.Callback;
import dev.canopy.wasm.PageMap;
import dev.canopy.wasm.WasmEngine;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The canonical binary form of a {@link ReplicatedState}: checkpoints ({@link #write}, {@link
 * #read}) and the state hash ({@link #stateHash}).
 *
 * <p>One encoding serves both: a checkpoint holds modules (each distinct module once) and the
 * non-zero memory pages; the hash form replaces each module by its hash and each memory by its
 * content hash, so hashing costs the pages once and never materializes the encoding. Every map is
 * written in its sorted order, every number big-endian with a fixed width, every variable-length
 * item with its length first. Writing streams to the output; the state is never copied whole.
 *
 * <p>Note: the format is versioned by {@link #FORMAT_VERSION}; a reader refuses other versions.
 */
public final class StateCodec {
  static final byte[] MAGIC = "CANOPYRS".getBytes(StandardCharsets.US_ASCII);
  public static final int FORMAT_VERSION = 1;

  /** Bounds a reader applies, so that a corrupted checkpoint fails cleanly instead of exhausting memory. */
  static final int MAX_BLOB_BYTES = 256 << 20;
  static final int MAX_COUNT = 100_000_000;
  /** 500 GiB of stable memory in 64 KiB pages, the largest memory a canister has. */
  static final long MAX_MEMORY_PAGES = (500L << 30) / PageMap.PAGE_SIZE;
  static final int MAX_GLOBAL_WORDS = 1 << 20;

  /**
   * Content hashes of memories, by identity: page maps are immutable and shared between state
   * versions, so an unchanged memory is hashed once, not at every height.
   */
  private static final Map<PageMap, byte[]> CONTENT_HASHES =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  private StateCodec() {}

  static byte[] contentHash(PageMap m) {
    byte[] h = CONTENT_HASHES.get(m);
    if (h == null) {
      h = m.contentHash();
      CONTENT_HASHES.put(m, h);
    }
    return h;
  }

  /** A malformed or foreign checkpoint. */
  public static final class CheckpointFormatException
      extends dev.canopy.types.InvalidInputException {
    public CheckpointFormatException(String message) {
      super(message);
    }
  }

  // ---- public entry points

  /** SHA-256 of the state's hash form. */
  public static byte[] stateHash(ReplicatedState state) {
    MessageDigest d = Hashing.sha256Digest();
    try (DataOutputStream out = new DataOutputStream(
        new BufferedOutputStream(new DigestOutputStream(OutputStream.nullOutputStream(), d),
            1 << 16))) {
      new Writer(out, true).state(state);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return d.digest();
  }

  /**
   * Writes a checkpoint of the state to {@code out} (not closed), followed by the SHA-256 of
   * everything before it, so that a reader detects corruption anywhere, memory pages included.
   */
  public static void write(ReplicatedState state, OutputStream out) throws IOException {
    MessageDigest d = Hashing.sha256Digest();
    // Note: the buffer sits in front of the digest, as in stateHash: the writer's many small
    // writes (DataOutputStream.writeInt is four single bytes) each went through the digest and a
    // synchronized buffer, which made a checkpoint's history several times dearer to write.
    DataOutputStream data = new DataOutputStream(
        new BufferedOutputStream(new DigestOutputStream(out, d), 1 << 16));
    new Writer(data, false).state(state);
    data.flush();
    out.write(d.digest());
    out.flush();
  }

  public static byte[] serialize(ReplicatedState state) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(state, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Reads a checkpoint; modules are validated and compiled through {@code engine} (its cache makes
   * this cheap for modules it knows).
   *
   * @throws CheckpointFormatException if the bytes are not a checkpoint of this format
   */
  public static ReplicatedState read(InputStream in, WasmEngine engine) throws IOException {
    MessageDigest d = Hashing.sha256Digest();
    BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
    DataInputStream data = new DataInputStream(new DigestInputStream(buffered, d));
    try {
      ReplicatedState s = new Reader(data, engine).state();
      byte[] expected = d.digest();
      byte[] trailer = buffered.readNBytes(expected.length + 1);
      if (!java.util.Arrays.equals(trailer, expected)) {
        throw new CheckpointFormatException(trailer.length > expected.length
            ? "trailing bytes after the checkpoint" : "the checkpoint's checksum does not match");
      }
      return s;
    } catch (EOFException e) {
      throw new CheckpointFormatException("the checkpoint ends early");
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw new CheckpointFormatException("the checkpoint is inconsistent: " + e.getMessage());
    } catch (dev.canopy.types.InvalidInputException e) {
      if (e instanceof CheckpointFormatException c) {
        throw c;
      }
      throw new CheckpointFormatException("the checkpoint holds an invalid value: "
          + e.getMessage());
    }
  }

  public static ReplicatedState deserialize(byte[] bytes, WasmEngine engine) {
    try {
      return read(new ByteArrayInputStream(bytes), engine);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- writing

  private static final class Writer {
    private final DataOutputStream out;
    private final boolean hashForm;

    Writer(DataOutputStream out, boolean hashForm) {
      this.out = out;
      this.hashForm = hashForm;
    }

    void state(ReplicatedState s) throws IOException {
      out.write(MAGIC);
      out.writeInt(FORMAT_VERSION);
      principal(s.ownSubnetId().principal());
      out.writeInt(s.subnets().size());
      for (Map.Entry<SubnetId, SubnetInfo> e : s.subnets().entrySet()) {
        principal(e.getKey().principal());
        subnet(e.getValue());
      }
      out.writeLong(s.nextCanisterIndex());
      out.writeLong(s.height());
      out.writeLong(s.batchTimeNs());
      cycles(s.consumedCyclesTotal());
      ingressHistory(s.ingressHistory());
      out.writeInt(s.managementQueue().size());
      for (ManagementCall c : s.managementQueue()) {
        managementCall(c);
      }
      // Modules once each, then canisters referring to them by hash.
      TreeMap<String, CanisterModule> modules = new TreeMap<>();
      for (Canister c : s.canisters().values()) {
        c.module().ifPresent(m -> modules.putIfAbsent(m.moduleHashHex(), m));
      }
      out.writeInt(hashForm ? 0 : modules.size());
      if (!hashForm) {
        for (CanisterModule m : modules.values()) {
          blob(m.moduleHash());
          blob(m.wasm());
        }
      }
      out.writeInt(s.canisters().size());
      for (Canister c : s.canisters().values()) {
        canister(c);
      }
    }

    void subnet(SubnetInfo i) throws IOException {
      string(i.type().name());
      blob(i.publicKeyDer());
      out.writeInt(i.canisterRanges().size());
      for (CanisterIdRange r : i.canisterRanges()) {
        principal(r.start().principal());
        principal(r.end().principal());
      }
      out.writeInt(i.nodePublicKeysDer().size());
      for (Map.Entry<NodeId, byte[]> e : i.nodePublicKeysDer().entrySet()) {
        principal(e.getKey().principal());
        blob(e.getValue());
      }
      out.writeBoolean(i.metrics().isPresent());
      if (i.metrics().isPresent()) {
        SubnetMetrics m = i.metrics().get();
        out.writeLong(m.canisterCount());
        out.writeLong(m.canisterStateBytes());
        cycles(m.consumedCyclesTotal());
        out.writeLong(m.updateTransactionCount());
      }
    }

    void ingressHistory(IngressHistory h) throws IOException {
      IngressHistorySettings st = h.settings();
      out.writeLong(st.outcomeRetentionNanos());
      out.writeLong(st.doneRetentionNanos());
      out.writeInt(st.maxEntryCount());
      out.writeLong(st.maxSizeBytes());
      out.writeInt(h.size());
      for (Map.Entry<RequestId, IngressEntry> e : h.entries().entrySet()) {
        out.write(e.getKey().toBytes());
        IngressEntry en = e.getValue();
        requestStatus(en.status());
        principal(en.sender());
        effectiveId(en.effectiveId());
        out.writeLong(en.ingressExpiryNanos());
        out.writeLong(en.statusSinceNanos());
      }
    }

    void requestStatus(RequestStatus s) throws IOException {
      if (s instanceof RequestStatus.Received) {
        out.writeByte(0);
      } else if (s instanceof RequestStatus.Processing) {
        out.writeByte(1);
      } else if (s instanceof RequestStatus.Replied r) {
        out.writeByte(2);
        blob(r.reply());
      } else if (s instanceof RequestStatus.Rejected r) {
        out.writeByte(3);
        out.writeByte(r.rejectCode());
        string(r.message());
        optionalString(r.errorCode());
      } else {
        out.writeByte(4);
      }
    }

    void effectiveId(EffectiveId e) throws IOException {
      out.writeByte(e.kind().ordinal());
      principal(e.id());
    }

    void managementCall(ManagementCall c) throws IOException {
      principal(c.caller());
      string(c.method());
      blob(c.argument());
      cycles(c.cycles());
      origin(c.origin());
      out.writeBoolean(c.effectiveCanisterId().isPresent());
      if (c.effectiveCanisterId().isPresent()) {
        principal(c.effectiveCanisterId().get().principal());
      }
    }

    void origin(CallOrigin o) throws IOException {
      if (o instanceof CallOrigin.Ingress i) {
        out.writeByte(0);
        out.write(i.requestId().toBytes());
        principal(i.sender());
      } else if (o instanceof CallOrigin.Canister c) {
        out.writeByte(1);
        principal(c.callerId().principal());
        out.writeLong(c.callbackId());
      } else {
        out.writeByte(2);
      }
    }

    void canister(Canister c) throws IOException {
      principal(c.id().principal());
      SystemState s = c.system();
      principals(s.controllers());
      RunStatus st = s.status();
      if (st instanceof RunStatus.Running) {
        out.writeByte(0);
      } else if (st instanceof RunStatus.Stopping stopping) {
        out.writeByte(1);
        out.writeInt(stopping.pendingStops().size());
        for (RunStatus.PendingStop p : stopping.pendingStops()) {
          origin(p.origin());
          cycles(p.cycles());
        }
      } else {
        out.writeByte(2);
      }
      cycles(s.cyclesBalance());
      cycles(s.reservedBalance());
      settings(s.settings());
      out.writeLong(s.version());
      history(s.history());
      out.writeLong(s.creationTimeNs());
      optionalLong(s.lastInstallTimeNs());
      out.writeInt(s.chunkStore().size());
      for (Map.Entry<String, byte[]> e : s.chunkStore().chunks().entrySet()) {
        string(e.getKey());
        if (hashForm) {
          out.write(Hashing.sha256(e.getValue()));
        } else {
          blob(e.getValue());
        }
      }
      out.writeLong(s.log().nextIdx());
      out.writeInt(s.log().records().size());
      for (CanisterLog.Record r : s.log().records()) {
        out.writeLong(r.idx());
        out.writeLong(r.timestampNs());
        blob(r.content());
      }
      callContexts(s.callContexts());
      inputQueues(s.inputQueues());
      out.writeBoolean(c.execution().isPresent());
      if (c.execution().isPresent()) {
        ExecutionState e = c.execution().get();
        blob(e.module().moduleHash());
        wasmState(e.wasmState());
      }
    }

    void settings(CanisterSettings s) throws IOException {
      out.writeLong(s.freezingThresholdSeconds());
      out.writeInt(s.computeAllocationPercent());
      out.writeLong(s.memoryAllocationBytes());
      cycles(s.reservedCyclesLimit());
      out.writeLong(s.wasmMemoryLimitBytes());
      out.writeLong(s.wasmMemoryThresholdBytes());
      visibility(s.logVisibility());
      visibility(s.snapshotVisibility());
      visibility(s.statusVisibility());
      cycles(s.minimumIncomingCanisterCallCycles());
      out.writeInt(s.environmentVariables().size());
      for (Map.Entry<String, String> e : s.environmentVariables().entrySet()) {
        string(e.getKey());
        string(e.getValue());
      }
    }

    void visibility(LogVisibility v) throws IOException {
      if (v instanceof LogVisibility.Controllers) {
        out.writeByte(0);
      } else if (v instanceof LogVisibility.Public) {
        out.writeByte(1);
      } else {
        out.writeByte(2);
        principals(((LogVisibility.AllowedViewers) v).viewers());
      }
    }

    void history(CanisterHistory h) throws IOException {
      out.writeLong(h.totalChanges());
      out.writeInt(h.recentChanges().size());
      for (CanisterChange c : h.recentChanges()) {
        out.writeLong(c.timestampNs());
        out.writeLong(c.canisterVersion());
        if (c.origin() instanceof CanisterChange.Origin.FromUser u) {
          out.writeByte(0);
          principal(u.userId());
        } else {
          CanisterChange.Origin.FromCanister f = (CanisterChange.Origin.FromCanister) c.origin();
          out.writeByte(1);
          principal(f.canisterId());
          optionalLong(f.canisterVersion());
        }
        CanisterChange.Details d = c.details();
        if (d instanceof CanisterChange.Details.Creation cr) {
          out.writeByte(0);
          principals(cr.controllers());
          out.writeBoolean(cr.environmentVariablesHash().isPresent());
          if (cr.environmentVariablesHash().isPresent()) {
            blob(cr.environmentVariablesHash().get());
          }
        } else if (d instanceof CanisterChange.Details.CodeUninstall) {
          out.writeByte(1);
        } else if (d instanceof CanisterChange.Details.CodeDeployment dep) {
          out.writeByte(2);
          out.writeByte(dep.mode().ordinal());
          blob(dep.moduleHash());
        } else if (d instanceof CanisterChange.Details.ControllersChange cc) {
          out.writeByte(3);
          principals(cc.controllers());
        } else {
          CanisterChange.Details.LoadSnapshot ls = (CanisterChange.Details.LoadSnapshot) d;
          out.writeByte(4);
          out.writeLong(ls.canisterVersion());
          blob(ls.snapshotId());
          out.writeLong(ls.takenAtTimestampNs());
        }
      }
    }

    void callContexts(CallContextManager m) throws IOException {
      out.writeLong(m.nextContextId());
      out.writeLong(m.nextCallbackId());
      out.writeInt(m.contexts().size());
      for (CallContext c : m.contexts().values()) {
        out.writeLong(c.id());
        origin(c.origin());
        out.writeBoolean(c.needsToRespond());
        cycles(c.availableCycles());
        out.writeBoolean(c.deleted());
        out.writeLong(c.instructionsUsed());
      }
      out.writeInt(m.callbacks().size());
      for (OutstandingCall c : m.callbacks().values()) {
        out.writeLong(c.callbackId());
        out.writeLong(c.callContextId());
        principal(c.callee());
        string(c.method());
        Callback cb = c.callback();
        out.writeLong(cb.replyFunction());
        out.writeLong(cb.replyEnv());
        out.writeLong(cb.rejectFunction());
        out.writeLong(cb.rejectEnv());
        out.writeBoolean(cb.cleanup().isPresent());
        if (cb.cleanup().isPresent()) {
          out.writeLong(cb.cleanup().get().function());
          out.writeLong(cb.cleanup().get().env());
        }
        cycles(c.attachedCycles());
        cycles(c.reservedCycles());
        out.writeLong(c.deadlineNs());
      }
    }

    void inputQueues(InputQueues q) throws IOException {
      out.writeBoolean(q.lastServedSource().isPresent());
      if (q.lastServedSource().isPresent()) {
        principal(q.lastServedSource().get());
      }
      out.writeInt(q.queues().size());
      for (Map.Entry<Principal, List<CanisterMessage>> e : q.queues().entrySet()) {
        principal(e.getKey());
        out.writeInt(e.getValue().size());
        for (CanisterMessage m : e.getValue()) {
          message(m);
        }
      }
    }

    void message(CanisterMessage m) throws IOException {
      if (m instanceof CanisterMessage.Request r) {
        out.writeByte(0);
        principal(r.sender().principal());
        principal(r.receiver().principal());
        string(r.method());
        blob(r.payload());
        cycles(r.cycles());
        out.writeLong(r.senderCallbackId());
        out.writeLong(r.deadlineNs());
      } else if (m instanceof CanisterMessage.Response r) {
        out.writeByte(1);
        principal(r.originator().principal());
        principal(r.respondent());
        out.writeLong(r.originatorCallbackId());
        outcome(r.outcome());
        cycles(r.refundCycles());
        out.writeLong(r.deadlineNs());
      } else {
        IngressMessage i = ((CanisterMessage.Ingress) m).message();
        out.writeByte(2);
        out.write(i.requestId().toBytes());
        principal(i.sender());
        principal(i.canisterId().principal());
        string(i.method());
        blob(i.argument());
        out.writeLong(i.ingressExpiryNs());
        effectiveId(i.effectiveId());
      }
    }

    void outcome(CallOutcome o) throws IOException {
      if (o instanceof CallOutcome.Reply r) {
        out.writeByte(0);
        blob(r.payload());
      } else {
        CallOutcome.Reject r = (CallOutcome.Reject) o;
        out.writeByte(1);
        out.writeByte(r.code().code());
        string(r.message());
        optionalString(r.errorCode().map(ErrorCode::name));
      }
    }

    void wasmState(CanisterState s) throws IOException {
      long[] globals = s.globalValues();
      out.writeInt(globals.length);
      for (long g : globals) {
        out.writeLong(g);
      }
      memory(s.heap());
      memory(s.stableMemory());
      blob(s.certifiedData());
      out.writeLong(s.globalTimerNs());
    }

    void memory(PageMap m) throws IOException {
      if (hashForm) {
        out.write(contentHash(m));
        return;
      }
      out.writeLong(m.pageCount());
      long[] count = {0};
      m.forEachNonZeroPage((i, p) -> count[0]++);
      out.writeLong(count[0]);
      IOException[] failure = {null};
      m.forEachNonZeroPage((i, p) -> {
        if (failure[0] != null) {
          return;
        }
        try {
          out.writeLong(i);
          out.write(p);
        } catch (IOException e) {
          failure[0] = e;
        }
      });
      if (failure[0] != null) {
        throw failure[0];
      }
    }

    void principal(Principal p) throws IOException {
      blob(p.toBytes());
    }

    void principals(List<Principal> ps) throws IOException {
      out.writeInt(ps.size());
      for (Principal p : ps) {
        principal(p);
      }
    }

    void cycles(BigInteger c) throws IOException {
      byte[] be = c.toByteArray();
      byte[] fixed = new byte[16];
      int n = Math.min(be.length, 16);
      System.arraycopy(be, be.length - n, fixed, 16 - n, n);
      out.write(fixed);
    }

    void blob(byte[] b) throws IOException {
      out.writeInt(b.length);
      out.write(b);
    }

    void string(String s) throws IOException {
      blob(s.getBytes(StandardCharsets.UTF_8));
    }

    void optionalString(Optional<String> s) throws IOException {
      out.writeBoolean(s.isPresent());
      if (s.isPresent()) {
        string(s.get());
      }
    }

    void optionalLong(OptionalLong v) throws IOException {
      out.writeBoolean(v.isPresent());
      if (v.isPresent()) {
        out.writeLong(v.getAsLong());
      }
    }
  }

  // ---- reading

  private static final class Reader {
    private final DataInputStream in;
    private final WasmEngine engine;
    private final TreeMap<String, CanisterModule> modules = new TreeMap<>();

    Reader(DataInputStream in, WasmEngine engine) {
      this.in = in;
      this.engine = engine;
    }

    ReplicatedState state() throws IOException {
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new CheckpointFormatException("not a Canopy state checkpoint");
      }
      int version = in.readInt();
      if (version != FORMAT_VERSION) {
        throw new CheckpointFormatException("checkpoint format version " + version
            + "; this build reads version " + FORMAT_VERSION);
      }
      SubnetId own = new SubnetId(principal());
      TreeMap<SubnetId, SubnetInfo> subnets = new TreeMap<>();
      int n = count();
      for (int i = 0; i < n; i++) {
        SubnetId id = new SubnetId(principal());
        subnets.put(id, subnet());
      }
      long nextIndex = in.readLong();
      long height = in.readLong();
      long time = in.readLong();
      BigInteger consumed = cycles();
      IngressHistory history = ingressHistory();
      int q = count();
      List<ManagementCall> queue = new ArrayList<>();
      for (int i = 0; i < q; i++) {
        queue.add(managementCall());
      }
      int m = count();
      for (int i = 0; i < m; i++) {
        byte[] hash = blob();
        byte[] wasm = blob();
        CanisterModule module = engine.restore(wasm, hash);
        modules.put(module.moduleHashHex(), module);
      }
      int c = count();
      TreeMap<CanisterId, Canister> canisters = new TreeMap<>();
      for (int i = 0; i < c; i++) {
        Canister canister = canister();
        canisters.put(canister.id(), canister);
      }
      return ReplicatedState.of(own, subnets, nextIndex, canisters, history, time, height, queue,
          consumed);
    }

    SubnetInfo subnet() throws IOException {
      SubnetType type = SubnetType.valueOf(string());
      byte[] key = blob();
      int n = count();
      List<CanisterIdRange> ranges = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ranges.add(new CanisterIdRange(new CanisterId(principal()), new CanisterId(principal())));
      }
      int k = count();
      TreeMap<NodeId, byte[]> nodes = new TreeMap<>();
      for (int i = 0; i < k; i++) {
        nodes.put(new NodeId(principal()), blob());
      }
      Optional<SubnetMetrics> metrics = Optional.empty();
      if (in.readBoolean()) {
        metrics = Optional.of(new SubnetMetrics(in.readLong(), in.readLong(), cycles(),
            in.readLong()));
      }
      return new SubnetInfo(type, key, ranges, nodes, metrics);
    }

    IngressHistory ingressHistory() throws IOException {
      IngressHistorySettings st = new IngressHistorySettings(in.readLong(), in.readLong(),
          in.readInt(), in.readLong());
      int n = count();
      TreeMap<RequestId, IngressEntry> entries = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        RequestId id = requestId();
        RequestStatus status = requestStatus();
        entries.put(id, new IngressEntry(status, principal(), effectiveId(), in.readLong(),
            in.readLong()));
      }
      return IngressHistory.restore(st, entries);
    }

    RequestStatus requestStatus() throws IOException {
      int tag = in.readUnsignedByte();
      return switch (tag) {
        case 0 -> RequestStatus.RECEIVED;
        case 1 -> RequestStatus.PROCESSING;
        case 2 -> new RequestStatus.Replied(blob());
        case 3 -> new RequestStatus.Rejected(in.readUnsignedByte(), string(), optionalString());
        case 4 -> RequestStatus.DONE;
        default -> throw new CheckpointFormatException("unknown request status tag " + tag);
      };
    }

    EffectiveId effectiveId() throws IOException {
      int kind = in.readUnsignedByte();
      if (kind >= EffectiveId.Kind.values().length) {
        throw new CheckpointFormatException("unknown effective id kind " + kind);
      }
      return new EffectiveId(EffectiveId.Kind.values()[kind], principal());
    }

    ManagementCall managementCall() throws IOException {
      Principal caller = principal();
      String method = string();
      byte[] arg = blob();
      BigInteger cycles = cycles();
      CallOrigin origin = origin();
      Optional<CanisterId> ecid = in.readBoolean()
          ? Optional.of(new CanisterId(principal())) : Optional.empty();
      return new ManagementCall(caller, method, arg, cycles, origin, ecid);
    }

    CallOrigin origin() throws IOException {
      int tag = in.readUnsignedByte();
      return switch (tag) {
        case 0 -> new CallOrigin.Ingress(requestId(), principal());
        case 1 -> new CallOrigin.Canister(new CanisterId(principal()), in.readLong());
        case 2 -> CallOrigin.SYSTEM_TASK;
        default -> throw new CheckpointFormatException("unknown call origin tag " + tag);
      };
    }

    Canister canister() throws IOException {
      CanisterId id = new CanisterId(principal());
      List<Principal> controllers = principals();
      int statusTag = in.readUnsignedByte();
      RunStatus status;
      switch (statusTag) {
        case 0 -> status = RunStatus.RUNNING;
        case 1 -> {
          int n = count();
          List<RunStatus.PendingStop> stops = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            stops.add(new RunStatus.PendingStop(origin(), cycles()));
          }
          status = new RunStatus.Stopping(stops);
        }
        case 2 -> status = RunStatus.STOPPED;
        default -> throw new CheckpointFormatException("unknown canister status " + statusTag);
      }
      BigInteger balance = cycles();
      BigInteger reserved = cycles();
      CanisterSettings settings = settings();
      long version = in.readLong();
      CanisterHistory history = history();
      long created = in.readLong();
      OptionalLong lastInstall = optionalLong();
      int chunks = count();
      TreeMap<String, byte[]> chunkMap = new TreeMap<>();
      for (int i = 0; i < chunks; i++) {
        chunkMap.put(string(), blob());
      }
      long nextIdx = in.readLong();
      int records = count();
      List<CanisterLog.Record> log = new ArrayList<>();
      for (int i = 0; i < records; i++) {
        log.add(new CanisterLog.Record(in.readLong(), in.readLong(), blob()));
      }
      CallContextManager ccm = callContexts();
      InputQueues queues = inputQueues();
      Optional<ExecutionState> execution = Optional.empty();
      if (in.readBoolean()) {
        String hash = dev.canopy.types.Hex.encode(blob());
        CanisterModule module = modules.get(hash);
        if (module == null) {
          throw new CheckpointFormatException("canister " + id + " refers to unknown module "
              + hash);
        }
        execution = Optional.of(new ExecutionState(module, wasmState()));
      }
      SystemState s = new SystemState(controllers, status, balance, reserved, settings, version,
          history, created, lastInstall, ChunkStore.restore(chunkMap),
          CanisterLog.restore(log, nextIdx), ccm, queues);
      return new Canister(id, s, execution);
    }

    CanisterSettings settings() throws IOException {
      long freezing = in.readLong();
      int compute = in.readInt();
      long memory = in.readLong();
      BigInteger reservedLimit = cycles();
      long wasmLimit = in.readLong();
      long wasmThreshold = in.readLong();
      LogVisibility log = visibility();
      LogVisibility snapshot = visibility();
      LogVisibility status = visibility();
      BigInteger minimum = cycles();
      int n = count();
      TreeMap<String, String> env = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        env.put(string(), string());
      }
      return new CanisterSettings(freezing, compute, memory, reservedLimit, wasmLimit,
          wasmThreshold, log, snapshot, status, minimum, env);
    }

    LogVisibility visibility() throws IOException {
      int tag = in.readUnsignedByte();
      return switch (tag) {
        case 0 -> LogVisibility.CONTROLLERS;
        case 1 -> LogVisibility.PUBLIC;
        case 2 -> new LogVisibility.AllowedViewers(principals());
        default -> throw new CheckpointFormatException("unknown visibility tag " + tag);
      };
    }

    CanisterHistory history() throws IOException {
      long total = in.readLong();
      int n = count();
      List<CanisterChange> changes = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long ts = in.readLong();
        long version = in.readLong();
        int originTag = in.readUnsignedByte();
        CanisterChange.Origin origin = switch (originTag) {
          case 0 -> new CanisterChange.Origin.FromUser(principal());
          case 1 -> new CanisterChange.Origin.FromCanister(principal(), optionalLong());
          default -> throw new CheckpointFormatException("unknown change origin " + originTag);
        };
        int detailsTag = in.readUnsignedByte();
        CanisterChange.Details details = switch (detailsTag) {
          case 0 -> new CanisterChange.Details.Creation(principals(),
              in.readBoolean() ? Optional.of(blob()) : Optional.empty());
          case 1 -> new CanisterChange.Details.CodeUninstall();
          case 2 -> {
            int mode = in.readUnsignedByte();
            if (mode >= CanisterChange.InstallMode.values().length) {
              throw new CheckpointFormatException("unknown install mode " + mode);
            }
            yield new CanisterChange.Details.CodeDeployment(
                CanisterChange.InstallMode.values()[mode], blob());
          }
          case 3 -> new CanisterChange.Details.ControllersChange(principals());
          case 4 -> new CanisterChange.Details.LoadSnapshot(in.readLong(), blob(), in.readLong());
          default -> throw new CheckpointFormatException("unknown change details " + detailsTag);
        };
        changes.add(new CanisterChange(ts, version, origin, details));
      }
      return new CanisterHistory(changes, total);
    }

    CallContextManager callContexts() throws IOException {
      long nextContext = in.readLong();
      long nextCallback = in.readLong();
      int n = count();
      TreeMap<Long, CallContext> contexts = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        long id = in.readLong();
        contexts.put(id, new CallContext(id, origin(), in.readBoolean(), cycles(),
            in.readBoolean(), in.readLong()));
      }
      int k = count();
      TreeMap<Long, OutstandingCall> callbacks = new TreeMap<>();
      for (int i = 0; i < k; i++) {
        long id = in.readLong();
        long ctx = in.readLong();
        Principal callee = principal();
        String method = string();
        long rf = in.readLong();
        long re = in.readLong();
        long jf = in.readLong();
        long je = in.readLong();
        Optional<Callback.Cleanup> cleanup = in.readBoolean()
            ? Optional.of(new Callback.Cleanup(in.readLong(), in.readLong())) : Optional.empty();
        callbacks.put(id, new OutstandingCall(id, ctx, callee, method,
            new Callback(rf, re, jf, je, cleanup), cycles(), cycles(), in.readLong()));
      }
      return CallContextManager.restore(contexts, callbacks, nextContext, nextCallback);
    }

    InputQueues inputQueues() throws IOException {
      Optional<Principal> last = in.readBoolean() ? Optional.of(principal()) : Optional.empty();
      int n = count();
      TreeMap<Principal, List<CanisterMessage>> queues = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        Principal source = principal();
        int k = count();
        List<CanisterMessage> list = new ArrayList<>();
        for (int j = 0; j < k; j++) {
          list.add(message());
        }
        queues.put(source, list);
      }
      return InputQueues.restore(queues, last);
    }

    CanisterMessage message() throws IOException {
      int tag = in.readUnsignedByte();
      return switch (tag) {
        case 0 -> new CanisterMessage.Request(new CanisterId(principal()),
            new CanisterId(principal()), string(), blob(), cycles(), in.readLong(),
            in.readLong());
        case 1 -> new CanisterMessage.Response(new CanisterId(principal()), principal(),
            in.readLong(), outcome(), cycles(), in.readLong());
        case 2 -> new CanisterMessage.Ingress(new IngressMessage(requestId(), principal(),
            new CanisterId(principal()), string(), blob(), in.readLong(), effectiveId()));
        default -> throw new CheckpointFormatException("unknown message tag " + tag);
      };
    }

    CallOutcome outcome() throws IOException {
      int tag = in.readUnsignedByte();
      return switch (tag) {
        case 0 -> new CallOutcome.Reply(blob());
        case 1 -> new CallOutcome.Reject(RejectCode.fromCode(in.readUnsignedByte()), string(),
            optionalString().map(ErrorCode::valueOf));
        default -> throw new CheckpointFormatException("unknown outcome tag " + tag);
      };
    }

    CanisterState wasmState() throws IOException {
      int n = count();
      if (n > MAX_GLOBAL_WORDS) {
        throw new CheckpointFormatException(n + " global words");
      }
      long[] globals = new long[n];
      for (int i = 0; i < n; i++) {
        globals[i] = in.readLong();
      }
      PageMap heap = memory();
      PageMap stable = memory();
      return CanisterState.restore(heap, globals, stable, blob(), in.readLong());
    }

    PageMap memory() throws IOException {
      long pages = in.readLong();
      long present = in.readLong();
      if (pages < 0 || pages > MAX_MEMORY_PAGES || present < 0 || present > pages) {
        throw new CheckpointFormatException("memory of " + pages + " pages with " + present
            + " stored");
      }
      PageMap.Builder b = new PageMap.Builder(pages);
      long last = -1;
      for (long i = 0; i < present; i++) {
        long index = in.readLong();
        if (index <= last || index >= pages) {
          throw new CheckpointFormatException("memory page " + index + " out of order or range");
        }
        last = index;
        byte[] page = new byte[PageMap.PAGE_SIZE];
        in.readFully(page);
        b.page(index, page);
      }
      return b.build();
    }

    RequestId requestId() throws IOException {
      byte[] b = new byte[RequestId.LENGTH_BYTES];
      in.readFully(b);
      return RequestId.fromBytes(b);
    }

    Principal principal() throws IOException {
      int n = in.readInt();
      if (n < 0 || n > Principal.MAX_LENGTH_BYTES) {
        throw new CheckpointFormatException("a principal of " + n + " bytes");
      }
      byte[] b = new byte[n];
      in.readFully(b);
      return Principal.fromBytes(b);
    }

    List<Principal> principals() throws IOException {
      int n = count();
      List<Principal> l = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        l.add(principal());
      }
      return l;
    }

    BigInteger cycles() throws IOException {
      byte[] b = new byte[16];
      in.readFully(b);
      return new BigInteger(1, b);
    }

    int count() throws IOException {
      int n = in.readInt();
      if (n < 0 || n > MAX_COUNT) {
        throw new CheckpointFormatException("a count of " + n);
      }
      return n;
    }

    byte[] blob() throws IOException {
      int n = in.readInt();
      if (n < 0 || n > MAX_BLOB_BYTES) {
        throw new CheckpointFormatException("a field of " + n + " bytes");
      }
      // Read in slices so a corrupted length cannot allocate more than what is really there.
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(n, 1 << 16));
      byte[] buf = new byte[Math.min(n, 1 << 16)];
      int left = n;
      while (left > 0) {
        int k = in.read(buf, 0, Math.min(left, buf.length));
        if (k < 0) {
          throw new EOFException();
        }
        out.write(buf, 0, k);
        left -= k;
      }
      return out.toByteArray();
    }

    String string() throws IOException {
      return new String(blob(), StandardCharsets.UTF_8);
    }

    Optional<String> optionalString() throws IOException {
      return in.readBoolean() ? Optional.of(string()) : Optional.empty();
    }

    OptionalLong optionalLong() throws IOException {
      return in.readBoolean() ? OptionalLong.of(in.readLong()) : OptionalLong.empty();
    }
  }
}
