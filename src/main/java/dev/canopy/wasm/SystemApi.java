package dev.canopy.wasm;

import com.dylibso.chicory.runtime.Memory;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Principal;
import dev.canopy.types.PrincipalFormatException;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.ExecutionResult.LogRecord;
import dev.canopy.wasm.ExecutionResult.OutgoingCall;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The {@code ic0} module for one execution of a wasm32 canister (spec "System API"). Each import
 * checks its context first, then charges instructions, then acts. State it changes (responses,
 * calls, cycles, stable memory, certified data, timer, logs) stays here until the execution
 * returns; on a trap the whole object is dropped.
 */
final class SystemApi {
  static final BigInteger MAX_CYCLES = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
  private static final BigInteger MAX_U64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final long MAX_STABLE32_PAGES = 65536; // 4 GiB
  private static final int MAX_ENV_VAR_NAME_BYTES = 128;

  // Fixed for the execution.
  private ApiContext context;
  private final ExecutionEnvironment env;
  private final ExecutionLimits limits;
  private final CyclesCosts costs;
  private final Meter meter;
  private final int maxReplyBytes;

  // The message.
  byte[] argument = new byte[0];
  Principal caller = Principal.MANAGEMENT_CANISTER;
  CanisterInput.CallerInfo callerInfo = CanisterInput.CallerInfo.NONE;
  String methodName = "";
  int rejectCode;
  String rejectMessage;
  byte[] dataCertificate;
  long deadlineNs;
  BigInteger refunded = BigInteger.ZERO;
  long callContextInstructions;

  // Effects.
  private Memory memory;
  private boolean answered;
  private final ByteArrayOutputStream replyBuffer = new ByteArrayOutputStream();
  private CallResponse response;
  private BigInteger available = BigInteger.ZERO;
  private BigInteger balance;
  private BigInteger accepted = BigInteger.ZERO;
  private BigInteger burned = BigInteger.ZERO;
  private PendingCall pending;
  private final List<OutgoingCall> calls = new ArrayList<>();
  private PageMap.Editor stable;
  private PageMap stableBase;
  private byte[] certifiedData;
  private long globalTimerNs;
  private final List<LogRecord> logs;
  private boolean messageAccepted;

  SystemApi(
      ApiContext context,
      ExecutionEnvironment env,
      ExecutionLimits limits,
      CyclesCosts costs,
      Meter meter,
      CanisterState state,
      List<LogRecord> logs) {
    this.context = context;
    this.env = env;
    this.limits = limits;
    this.costs = costs;
    this.meter = meter;
    this.maxReplyBytes =
        context.replicated() ? limits.maxReplyBytesReplicated() : limits.maxReplyBytesNonReplicated();
    this.balance = env.balanceCycles();
    this.stableBase = state.stableMemory();
    this.certifiedData = state.certifiedData();
    this.globalTimerNs = state.globalTimerNs();
    this.logs = logs;
  }

  void setAvailableCycles(BigInteger cycles) {
    this.available = cycles;
  }

  void setAnswered(boolean answered) {
    this.answered = answered;
  }

  void bindMemory(Memory memory) {
    this.memory = memory;
  }

  ApiContext context() {
    return context;
  }

  /** Install runs {@code (start)} and then {@code canister_init} on one instance. */
  void setContext(ApiContext context) {
    this.context = context;
  }

  // ---- results

  CallResponse response() {
    return response;
  }

  List<OutgoingCall> calls() {
    return calls;
  }

  BigInteger accepted() {
    return accepted;
  }

  BigInteger burned() {
    return burned;
  }

  /** The balance at the end; a call left pending (no call_perform) gives its cycles back. */
  BigInteger finalBalance() {
    return pending == null ? balance : balance.add(pending.cycles);
  }

  boolean messageAccepted() {
    return messageAccepted;
  }

  PageMap stableMemory() {
    return stable == null ? stableBase : stable.freeze();
  }

  byte[] certifiedData() {
    return certifiedData;
  }

  long globalTimerNs() {
    return globalTimerNs;
  }

  // ---- linking

  /** Host functions for the imports the module declares. */
  /** One call of an {@code ic0} import by the instance running this execution. */
  long[] call(Ic0Function f, long[] a) {
    if (!f.contexts().contains(context)) {
      throw CanisterTrap.contractViolation(
          "\"ic0_" + f.importName() + "\" cannot be executed in " + contextName() + " mode");
    }
    meter.charge(limits.systemApiBaseInstructions());
    return switch (f) {
      case MSG_ARG_DATA_SIZE -> i32(argument.length);
      case MSG_ARG_DATA_COPY -> copyOut(argument, a[0], a[1], a[2]);
      case MSG_CALLER_SIZE -> i32(caller.length());
      case MSG_CALLER_COPY -> copyOut(caller.toBytes(), a[0], a[1], a[2]);
      case MSG_CALLER_INFO_DATA_SIZE -> i32(callerInfo.data().length);
      case MSG_CALLER_INFO_DATA_COPY -> copyOut(callerInfo.data(), a[0], a[1], a[2]);
      case MSG_CALLER_INFO_SIGNER_SIZE -> i32(callerInfo.signer().length);
      case MSG_CALLER_INFO_SIGNER_COPY -> copyOut(callerInfo.signer(), a[0], a[1], a[2]);
      case MSG_REJECT_CODE -> i32(rejectCode);
      case MSG_REJECT_MSG_SIZE -> i32(rejectMessageBytes().length);
      case MSG_REJECT_MSG_COPY -> copyOut(rejectMessageBytes(), a[0], a[1], a[2]);
      case MSG_DEADLINE -> i64(deadlineNs);
      case MSG_REPLY_DATA_APPEND -> replyDataAppend(a[0], a[1]);
      case MSG_REPLY -> reply();
      case MSG_REJECT -> reject(a[0], a[1]);
      case MSG_CYCLES_AVAILABLE128 -> write128(a[0], available);
      case MSG_CYCLES_REFUNDED128 -> write128(a[0], refunded);
      case MSG_CYCLES_ACCEPT128 -> write128(a[2], accept(u128(a[0], a[1])));
      case CYCLES_BURN128 -> write128(a[2], burn(u128(a[0], a[1])));
      case CANISTER_SELF_SIZE -> i32(env.canisterId().toBytes().length);
      case CANISTER_SELF_COPY -> copyOut(env.canisterId().toBytes(), a[0], a[1], a[2]);
      case CANISTER_CYCLE_BALANCE128 -> write128(a[0], balance);
      case CANISTER_LIQUID_CYCLE_BALANCE128 -> write128(a[0], env.liquidBalance(balance));
      case CANISTER_STATUS -> i32(env.status().code());
      case CANISTER_VERSION -> i64(env.canisterVersion());
      case SUBNET_SELF_SIZE -> i32(env.subnetId().toBytes().length);
      case SUBNET_SELF_COPY -> copyOut(env.subnetId().toBytes(), a[0], a[1], a[2]);
      case SUBNET_SELF_NODE_COUNT -> i32(env.subnetNodeCount());
      case MSG_METHOD_NAME_SIZE -> i32(methodName.getBytes(StandardCharsets.UTF_8).length);
      case MSG_METHOD_NAME_COPY ->
          copyOut(methodName.getBytes(StandardCharsets.UTF_8), a[0], a[1], a[2]);
      case ACCEPT_MESSAGE -> acceptMessage();
      case CALL_NEW -> callNew(a);
      case CALL_ON_CLEANUP -> callOnCleanup(a[0], a[1]);
      case CALL_DATA_APPEND -> callDataAppend(a[0], a[1]);
      case CALL_WITH_BEST_EFFORT_RESPONSE -> callWithBestEffortResponse(a[0]);
      case CALL_CYCLES_ADD128 -> callCyclesAdd(u128(a[0], a[1]));
      case CALL_PERFORM -> callPerform();
      case STABLE64_SIZE -> i64(stablePages());
      case STABLE64_GROW -> i64(stableGrow(a[0]));
      case STABLE64_WRITE -> stableWrite(a[0], a[1], a[2]);
      case STABLE64_READ -> stableRead(a[0], a[1], a[2]);
      case ROOT_KEY_SIZE -> i32(env.rootKey().length);
      case ROOT_KEY_COPY -> copyOut(env.rootKey(), a[0], a[1], a[2]);
      case CERTIFIED_DATA_SET -> certifiedDataSet(a[0], a[1]);
      case DATA_CERTIFICATE_PRESENT -> i32(dataCertificate != null ? 1 : 0);
      case DATA_CERTIFICATE_SIZE -> i32(requireCertificate().length);
      case DATA_CERTIFICATE_COPY -> copyOut(requireCertificate(), a[0], a[1], a[2]);
      case TIME -> i64(env.timeNs());
      case GLOBAL_TIMER_SET -> globalTimerSet(a[0]);
      case PERFORMANCE_COUNTER -> i64(performanceCounter((int) a[0]));
      case IS_CONTROLLER -> i32(isController(a[0], a[1]));
      case IN_REPLICATED_EXECUTION -> i32(context.replicated() ? 1 : 0);
      case COST_CALL -> write128(a[2], costs.callCost(a[0], a[1]).min(MAX_CYCLES));
      case COST_CREATE_CANISTER -> write128(a[0], costs.createCanisterFee());
      case COST_HTTP_REQUEST -> write128(a[2], httpRequestCost(a[0], a[1]));
      case COST_HTTP_REQUEST_V2 -> write128(a[2], httpRequestCostV2(a[0], a[1]));
      case COST_SIGN_WITH_ECDSA -> i32(keyCost(a, costs.ecdsaKeyFees(), 0));
      case COST_SIGN_WITH_SCHNORR -> i32(keyCost(a, costs.schnorrKeyFees(), 1));
      case COST_VETKD_DERIVE_KEY -> i32(keyCost(a, costs.vetKdKeyFees(), 0));
      case ENV_VAR_COUNT -> i32(env.environmentVariables().size());
      case ENV_VAR_NAME_SIZE -> i32(envVarName(a[0]).length);
      case ENV_VAR_NAME_COPY -> copyOut(envVarName(a[0]), a[1], a[2], a[3]);
      case ENV_VAR_NAME_EXISTS -> i32(env.environmentVariables().containsKey(envName(a[0], a[1])) ? 1 : 0);
      case ENV_VAR_VALUE_SIZE -> i32(envValue(a[0], a[1]).length);
      case ENV_VAR_VALUE_COPY -> copyOut(envValue(a[0], a[1]), a[2], a[3], a[4]);
      case DEBUG_PRINT -> debugPrint(a[0], a[1]);
      case TRAP -> throw trap(a[0], a[1]);
      case MSG_CYCLES_AVAILABLE -> i64(fits64(available, "msg_cycles_available"));
      case MSG_CYCLES_REFUNDED -> i64(fits64(refunded, "msg_cycles_refunded"));
      case MSG_CYCLES_ACCEPT -> i64(accept(unsigned64(a[0])).longValue());
      case CANISTER_CYCLE_BALANCE -> i64(fits64(balance, "canister_cycle_balance"));
      case CALL_CYCLES_ADD -> callCyclesAdd(unsigned64(a[0]));
      case STABLE_SIZE -> i32((int) stable32Pages());
      case STABLE_GROW -> i32(stable32Grow(a[0] & 0xffff_ffffL));
      case STABLE_WRITE -> stable32(() -> stableWrite(u(a[0]), u(a[1]), u(a[2])));
      case STABLE_READ -> stable32(() -> stableRead(u(a[0]), u(a[1]), u(a[2])));
    };
  }

  private String contextName() {
    return switch (context) {
      case INIT -> "init";
      case PRE_UPGRADE -> "pre_upgrade";
      case UPDATE -> "update";
      case REPLICATED_QUERY -> "replicated query";
      case NON_REPLICATED_QUERY -> "non-replicated query";
      case TRANSFORM_QUERY -> "transform";
      case COMPOSITE_QUERY -> "composite query";
      case REPLY_CALLBACK -> "reply callback";
      case REJECT_CALLBACK -> "reject callback";
      case COMPOSITE_REPLY_CALLBACK -> "composite reply callback";
      case COMPOSITE_REJECT_CALLBACK -> "composite reject callback";
      case CLEANUP -> "cleanup";
      case COMPOSITE_CLEANUP -> "composite cleanup";
      case INSPECT_MESSAGE -> "inspect message";
      case SYSTEM_TASK -> "system task";
      case START -> "start";
    };
  }

  // ---- values and memory

  private static final long[] NONE = new long[0];

  private static long[] i32(int v) {
    return new long[] {v};
  }

  private static long[] i64(long v) {
    return new long[] {v};
  }

  /** An {@code I} argument (i32) as an unsigned number. */
  private static long u(long v) {
    return v & 0xffff_ffffL;
  }

  private long memorySize() {
    return memory == null ? 0 : (long) memory.pages() * Memory.PAGE_SIZE;
  }

  private void checkMemoryRange(long addr, long size, String what) {
    if (addr < 0 || size < 0 || addr + size > memorySize() || addr + size < 0) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: " + what + ": memory range [" + addr + ", +" + size
              + ") is out of bounds of a " + memorySize() + "-byte Wasm memory");
    }
  }

  private byte[] readMemory(long src, long size, String what) {
    checkMemoryRange(src, size, what);
    meter.charge(size * limits.systemApiInstructionsPerByte());
    return size == 0 ? new byte[0] : memory.readBytes((int) src, (int) size);
  }

  private void writeMemory(long dst, byte[] data, int offset, int size, String what) {
    checkMemoryRange(dst, size, what);
    meter.charge((long) size * limits.systemApiInstructionsPerByte());
    if (size > 0) {
      memory.write((int) dst, data, offset, size);
    }
  }

  /** {@code *_copy(dst, offset, size)}: traps if offset+size exceeds the data or dst+size the memory. */
  private long[] copyOut(byte[] data, long dstArg, long offsetArg, long sizeArg) {
    long dst = u(dstArg);
    long offset = u(offsetArg);
    long size = u(sizeArg);
    if (offset + size > data.length) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: copy of bytes [" + offset + ", +" + size + ") of a " + data.length
              + "-byte value is out of bounds");
    }
    writeMemory(dst, data, (int) offset, (int) size, "copy");
    return NONE;
  }

  private long[] write128(long dstArg, BigInteger value) {
    byte[] le = new byte[16];
    byte[] be = value.toByteArray();
    for (int i = 0; i < 16 && i < be.length; i++) {
      le[i] = be[be.length - 1 - i];
    }
    writeMemory(u(dstArg), le, 0, 16, "128-bit result");
    return NONE;
  }

  private static BigInteger u128(long high, long low) {
    return unsigned64(high).shiftLeft(64).or(unsigned64(low));
  }

  private static BigInteger unsigned64(long v) {
    BigInteger b = BigInteger.valueOf(v & Long.MAX_VALUE);
    return v < 0 ? b.setBit(63) : b;
  }

  private static long fits64(BigInteger v, String name) {
    if (v.compareTo(MAX_U64) > 0) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: ic0." + name + " cannot represent " + v + " in 64 bits; use the 128-bit"
              + " variant");
    }
    return v.longValue();
  }

  private static String utf8(byte[] bytes, String what) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw CanisterTrap.contractViolation(what + " is not valid UTF-8");
    }
  }

  // ---- responding (spec "Responding")

  private byte[] rejectMessageBytes() {
    if (rejectMessage == null) {
      throw CanisterTrap.contractViolation("there is no reject message (reject code 0)");
    }
    return rejectMessage.getBytes(StandardCharsets.UTF_8);
  }

  private void requireUnanswered(String call) {
    if (answered) {
      throw CanisterTrap.contractViolation(
          "ic0." + call + ": the call has already been replied to or rejected");
    }
  }

  private long[] replyDataAppend(long src, long size) {
    requireUnanswered("msg_reply_data_append");
    byte[] data = readMemory(u(src), u(size), "msg_reply_data_append");
    if ((long) replyBuffer.size() + data.length > maxReplyBytes) {
      throw new CanisterTrap(ErrorCode.CANISTER_CONTRACT_VIOLATION,
          "Canister violated contract: ic0.msg_reply_data_append: the reply exceeds the maximum of "
              + maxReplyBytes + " bytes");
    }
    replyBuffer.writeBytes(data);
    return NONE;
  }

  private long[] reply() {
    requireUnanswered("msg_reply");
    answered = true;
    response = new CallResponse.Reply(replyBuffer.toByteArray(), available);
    available = BigInteger.ZERO;
    return NONE;
  }

  private long[] reject(long src, long size) {
    requireUnanswered("msg_reject");
    String message = utf8(readMemory(u(src), u(size), "msg_reject"), "the reject message");
    answered = true;
    response = new CallResponse.Reject(message, available);
    available = BigInteger.ZERO;
    replyBuffer.reset();
    return NONE;
  }

  private long[] acceptMessage() {
    if (messageAccepted) {
      throw CanisterTrap.contractViolation("ic0.accept_message was called twice");
    }
    messageAccepted = true;
    return NONE;
  }

  // ---- cycles (spec "Cycles")

  private BigInteger accept(BigInteger max) {
    BigInteger n = max.min(available);
    available = available.subtract(n);
    balance = balance.add(n).min(MAX_CYCLES);
    accepted = accepted.add(n);
    return n;
  }

  private BigInteger burn(BigInteger max) {
    BigInteger n = max.min(env.liquidBalance(balance));
    balance = balance.subtract(n);
    burned = burned.add(n);
    return n;
  }

  // ---- calls (spec "Inter-canister method calls")

  private static final class PendingCall {
    final Principal callee;
    final String method;
    final Callback callback;
    final ByteArrayOutputStream payload = new ByteArrayOutputStream();
    BigInteger cycles = BigInteger.ZERO;
    Callback.Cleanup cleanup;
    OptionalInt timeoutSeconds = OptionalInt.empty();

    PendingCall(Principal callee, String method, Callback callback) {
      this.callee = callee;
      this.method = method;
      this.callback = callback;
    }
  }

  private PendingCall requirePending(String call) {
    if (pending == null) {
      throw CanisterTrap.contractViolation("ic0." + call + " called without a call under"
          + " construction (call ic0.call_new first)");
    }
    return pending;
  }

  private long[] callNew(long[] a) {
    discardPending();
    byte[] calleeBytes = readMemory(u(a[0]), u(a[1]), "call_new callee");
    Principal callee;
    try {
      callee = Principal.fromBytes(calleeBytes);
    } catch (PrincipalFormatException e) {
      throw CanisterTrap.contractViolation("ic0.call_new: the callee is not a principal: "
          + e.getMessage());
    }
    String method = utf8(readMemory(u(a[2]), u(a[3]), "call_new method name"), "the method name");
    pending = new PendingCall(callee, method,
        new Callback(u(a[4]), u(a[5]), u(a[6]), u(a[7]), java.util.Optional.empty()));
    return NONE;
  }

  private void discardPending() {
    if (pending != null) {
      balance = balance.add(pending.cycles);
      pending = null;
    }
  }

  private long[] callOnCleanup(long fun, long envValue) {
    PendingCall p = requirePending("call_on_cleanup");
    if (p.cleanup != null) {
      throw CanisterTrap.contractViolation("ic0.call_on_cleanup may be called once per call");
    }
    p.cleanup = new Callback.Cleanup(u(fun), u(envValue));
    return NONE;
  }

  private long[] callDataAppend(long src, long size) {
    PendingCall p = requirePending("call_data_append");
    byte[] data = readMemory(u(src), u(size), "call_data_append");
    if ((long) p.payload.size() + data.length > limits.maxCallPayloadBytes()) {
      throw CanisterTrap.contractViolation("ic0.call_data_append: the payload exceeds the maximum"
          + " of " + limits.maxCallPayloadBytes() + " bytes");
    }
    p.payload.writeBytes(data);
    return NONE;
  }

  private long[] callWithBestEffortResponse(long timeout) {
    PendingCall p = requirePending("call_with_best_effort_response");
    if (p.timeoutSeconds.isPresent()) {
      throw CanisterTrap.contractViolation(
          "ic0.call_with_best_effort_response may be called once per call");
    }
    p.timeoutSeconds = OptionalInt.of((int) Math.min(u(timeout), limits.maxCallTimeoutSeconds()));
    return NONE;
  }

  private long[] callCyclesAdd(BigInteger amount) {
    PendingCall p = requirePending("call_cycles_add");
    BigInteger liquid = env.liquidBalance(balance);
    if (amount.compareTo(liquid) > 0) {
      throw new CanisterTrap(ErrorCode.CANISTER_OUT_OF_CYCLES,
          "Canister cannot attach " + amount + " cycles to a call: only " + liquid
              + " cycles are available for spending");
    }
    balance = balance.subtract(amount);
    p.cycles = p.cycles.add(amount);
    return NONE;
  }

  private long[] callPerform() {
    PendingCall p = requirePending("call_perform");
    pending = null;
    BigInteger reservation = costs.responseReservation();
    if (env.liquidBalance(balance).compareTo(reservation) < 0) {
      // Note: spec "call_perform": err_code 2 (SYS_FATAL semantics), cycles go back, no callback.
      balance = balance.add(p.cycles);
      return i32(2);
    }
    balance = balance.subtract(reservation);
    Callback cb = p.cleanup == null ? p.callback : p.callback.withCleanup(p.cleanup);
    calls.add(new OutgoingCall(p.callee, p.method, p.payload.toByteArray(), p.cycles, reservation,
        cb, p.timeoutSeconds));
    return i32(0);
  }

  // ---- stable memory (spec "Stable memory")

  private PageMap.Editor stable() {
    if (stable == null) {
      stable = stableBase.edit();
    }
    return stable;
  }

  private long stablePages() {
    return stable == null ? stableBase.pageCount() : stable.pageCount();
  }

  private long stableGrow(long newPages) {
    long old = stablePages();
    long maxPages = limits.maxStableMemoryBytes() / PageMap.PAGE_SIZE;
    if (newPages < 0 || newPages > maxPages - old) {
      return -1;
    }
    stable().grow(old + newPages);
    return old;
  }

  private void checkStableRange(long offset, long size) {
    long sizeBytes = stablePages() * PageMap.PAGE_SIZE;
    if (offset < 0 || size < 0 || offset > sizeBytes - size) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: stable memory range [" + Long.toUnsignedString(offset) + ", +"
              + Long.toUnsignedString(size) + ") is out of bounds of " + sizeBytes + " bytes");
    }
  }

  private long[] stableWrite(long offset, long src, long size) {
    checkStableRange(offset, size);
    byte[] data = readMemory(src, size, "stable write");
    stable().write(offset, data, 0, data.length);
    return NONE;
  }

  private long[] stableRead(long dst, long offset, long size) {
    checkStableRange(offset, size);
    checkMemoryRange(dst, size, "stable read");
    byte[] data = new byte[(int) size];
    if (stable == null) {
      stableBase.read(offset, data, 0, data.length);
    } else {
      stable.read(offset, data, 0, data.length);
    }
    writeMemory(dst, data, 0, data.length, "stable read");
    return NONE;
  }

  private long stable32Pages() {
    long pages = stablePages();
    if (pages > MAX_STABLE32_PAGES) {
      throw new CanisterTrap(ErrorCode.CANISTER_TRAPPED,
          "Canister trapped: the 32-bit stable memory API cannot be used with more than 4 GiB of"
              + " stable memory");
    }
    return pages;
  }

  private int stable32Grow(long newPages) {
    long old = stable32Pages();
    if (old + newPages > MAX_STABLE32_PAGES) {
      return -1;
    }
    return (int) stableGrow(newPages);
  }

  private long[] stable32(java.util.function.Supplier<long[]> op) {
    stable32Pages();
    return op.get();
  }

  // ---- certified data, timer, counters, controllers

  private long[] certifiedDataSet(long src, long size) {
    if (u(size) > CanisterState.MAX_CERTIFIED_DATA_BYTES) {
      throw CanisterTrap.contractViolation("ic0.certified_data_set: certified data has at most "
          + CanisterState.MAX_CERTIFIED_DATA_BYTES + " bytes, got " + u(size));
    }
    certifiedData = readMemory(u(src), u(size), "certified_data_set");
    return NONE;
  }

  private byte[] requireCertificate() {
    if (dataCertificate == null) {
      throw CanisterTrap.contractViolation(
          "no data certificate is present (ic0.data_certificate_present() is 0)");
    }
    return dataCertificate;
  }

  private long[] globalTimerSet(long timestamp) {
    long previous = globalTimerNs;
    globalTimerNs = timestamp;
    return i64(previous);
  }

  private long performanceCounter(int type) {
    return switch (type) {
      case 0 -> meter.used();
      case 1 -> callContextInstructions + meter.used();
      default -> throw CanisterTrap.contractViolation(
          "ic0.performance_counter: unknown counter type " + type);
    };
  }

  private int isController(long src, long size) {
    byte[] bytes = readMemory(u(src), u(size), "is_controller");
    Principal p;
    try {
      p = Principal.fromBytes(bytes);
    } catch (PrincipalFormatException e) {
      throw CanisterTrap.contractViolation("ic0.is_controller: not a principal: "
          + e.getMessage());
    }
    return env.controllers().contains(p) ? 1 : 0;
  }

  private BigInteger httpRequestCost(long requestSize, long maxResponseBytes) {
    return costs.httpRequestBase()
        .add(costs.httpRequestPerRequestByte().multiply(unsigned64(requestSize)))
        .add(costs.httpRequestPerResponseByte().multiply(unsigned64(maxResponseBytes)))
        .min(MAX_CYCLES);
  }

  /** cost_http_request_v2: reads and decodes the parameters; dst is checked after, as in the IC. */
  private BigInteger httpRequestCostV2(long src, long size) {
    checkMemoryRange(u(src), u(size), "cost_http_request_v2 parameters");
    if (u(size) > HttpCostParamsV2.MAX_PARAMS_BYTES) {
      throw HttpCostParamsV2.tooLarge(u(size));
    }
    HttpCostParamsV2 params =
        HttpCostParamsV2.decode(readMemory(u(src), u(size), "cost_http_request_v2 parameters"));
    if (params.outcallType() != HttpCostParamsV2.OutcallType.FULLY_REPLICATED) {
      // Note: the IC prices these through its pay-as-you-go outcall pricing, whose formula was
      // still changing when this was written; a wrong quote would make canisters under-attach
      // cycles, so we refuse instead of guessing.
      throw CanisterTrap.contractViolation("ic0.cost_http_request_v2: pricing of "
          + params.outcallType().name().toLowerCase(Locale.ROOT)
          + " outcalls is not supported by this replica (only fully_replicated, the default)");
    }
    return costs.httpRequestV2().fee(params, env.subnetNodeCount()).min(MAX_CYCLES);
  }

  /** cost_sign_with_ecdsa / schnorr / vetkd: 0 success, 1 bad curve or algorithm, 2 bad key name. */
  private int keyCost(long[] a, Map<String, BigInteger> fees, int maxCurve) {
    byte[] name = readMemory(u(a[0]), u(a[1]), "key name");
    long curve = u(a[2]);
    checkMemoryRange(u(a[3]), 16, "cost result");
    if (curve > maxCurve) {
      return 1;
    }
    BigInteger fee = fees.get(new String(name, StandardCharsets.UTF_8));
    if (fee == null) {
      return 2;
    }
    write128(a[3], fee);
    return 0;
  }

  private byte[] envVarName(long index) {
    long i = u(index);
    if (i >= env.environmentVariables().size()) {
      throw CanisterTrap.contractViolation("environment variable index " + i + " is out of bounds");
    }
    return new ArrayList<>(env.environmentVariables().keySet()).get((int) i)
        .getBytes(StandardCharsets.UTF_8);
  }

  private String envName(long src, long size) {
    if (u(size) > MAX_ENV_VAR_NAME_BYTES) {
      throw CanisterTrap.contractViolation(
          "an environment variable name has at most " + MAX_ENV_VAR_NAME_BYTES + " bytes");
    }
    return utf8(readMemory(u(src), u(size), "environment variable name"),
        "the environment variable name");
  }

  private byte[] envValue(long src, long size) {
    String name = envName(src, size);
    String value = env.environmentVariables().get(name);
    if (value == null) {
      throw CanisterTrap.contractViolation("no environment variable named '" + name + "'");
    }
    return value.getBytes(StandardCharsets.UTF_8);
  }

  // ---- debugging aids

  private byte[] trimmedLogBytes(long src, long size, String fallback) {
    long s = u(src);
    long n = Math.min(u(size), limits.maxLogRecordBytes());
    if (s + n > memorySize()) {
      return fallback.getBytes(StandardCharsets.UTF_8);
    }
    meter.charge(n * limits.systemApiInstructionsPerByte());
    return n == 0 ? new byte[0] : memory.readBytes((int) s, (int) n);
  }

  private long[] debugPrint(long src, long size) {
    // Note: spec "Debugging aids": debug_print never traps, even out of bounds.
    logs.add(new LogRecord(env.timeNs(),
        trimmedLogBytes(src, size, "(debug_print message out of bounds)")));
    return NONE;
  }

  private CanisterTrap trap(long src, long size) {
    byte[] message = trimmedLogBytes(src, size, "(trap message out of bounds)");
    String text = new String(message, StandardCharsets.UTF_8);
    logs.add(new LogRecord(env.timeNs(), message));
    return new CanisterTrap(ErrorCode.CANISTER_CALLED_TRAP,
        "Canister called `ic0.trap` with message: '" + text + "'");
  }
}
