package dev.canopy.execution;

import dev.canopy.state.IngressHistory;
import dev.canopy.state.IngressHistoryFullException;
import dev.canopy.state.RequestStatus;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.wasm.CanisterInput;
import dev.canopy.wasm.CanisterInput.CallerInfo;
import dev.canopy.wasm.CanisterInput.ResponseContent;
import dev.canopy.wasm.CanisterInput.SystemTask.Task;
import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.ExecutionEnvironment;
import dev.canopy.wasm.ExecutionResult;
import dev.canopy.wasm.ExecutionResult.CallResponse;
import dev.canopy.wasm.ExecutionResult.OutgoingCall;
import dev.canopy.wasm.MethodKind;
import dev.canopy.wasm.WasmEngine;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Executes one round: a pure function of the state and a finalized batch (spec "Abstract
 * behavior"). It inducts the batch's ingress, schedules heartbeats and due timers, then runs inner
 * rounds: management canister calls first, then every canister with work, in id order, a few
 * messages each; messages they send are delivered to the receivers' queues at once, so the next
 * inner round can run them. It stops when nothing is left to run or the instruction budget of the
 * round is spent (the rest waits in the queues).
 *
 * <p>Note (spec "Call contexts", "Callback invocation", "Call context starvation"): every method
 * call, callback and system task runs in a call context; a context that still needs an answer and
 * has no outstanding calls is answered by the system: with the trap's error when its last
 * execution trapped, else with "did not reply" (IC0506).
 */
public final class RoundExecutor {
  private final WasmEngine engine;
  private final ManagementCanister management;
  private final CyclesFees fees;
  private final RoundLimits limits;
  private final EnvironmentFactory environments;

  private RoundExecutor(Builder b) {
    this.engine = Objects.requireNonNull(b.engine, "engine");
    this.management = b.management;
    this.fees = b.fees;
    this.limits = b.limits;
    this.environments = new EnvironmentFactory(b.fees, b.rootKeyDer);
  }

  public static Builder builder() {
    return new Builder();
  }

  public CyclesFees fees() {
    return fees;
  }

  public WasmEngine engine() {
    return engine;
  }

  public EnvironmentFactory environments() {
    return environments;
  }

  /**
   * Runs the batch against {@code state}. The batch's height must be above the state's, and its
   * time not before the state's.
   */
  public RoundResult executeRound(ReplicatedState state, Batch batch) {
    if (batch.height() <= state.height()) {
      throw new IllegalArgumentException("batch height " + batch.height()
          + " is not above the state's height " + state.height());
    }
    if (batch.timeNs() < state.batchTimeNs()) {
      throw new IllegalArgumentException("batch time " + batch.timeNs()
          + " is before the state's time " + state.batchTimeNs());
    }
    Round r = new Round(state.withBatch(batch.height(), batch.timeNs()), batch);
    r.history.prune(batch.timeNs());
    for (IngressMessage m : batch.ingress()) {
      r.induct(m);
    }
    r.scheduleSystemTasks();
    r.completeStops();
    int inner = 0;
    while (inner < limits.maxInnerRounds() && r.instructionsUsed < limits.instructionsPerRound()) {
      int before = r.messagesExecuted + r.managementCalls;
      r.runManagementQueue();
      for (CanisterId id : new ArrayList<>(r.canisters.keySet())) {
        for (int i = 0; i < limits.messagesPerCanisterPerInnerRound()
            && r.instructionsUsed < limits.instructionsPerRound(); i++) {
          if (!r.executeNext(id)) {
            break;
          }
        }
      }
      inner++;
      if (r.messagesExecuted + r.managementCalls == before) {
        break;
      }
    }
    r.completeStops();
    // Note (spec "Subnet information"): update_transactions_total counts every replicated
    // execution, as the reference replica counts them.
    ReplicatedState end = r.toState()
        .withOwnSubnetMetrics((long) r.messagesExecuted + r.managementCalls);
    int leftover = end.managementQueue().size();
    for (Canister c : end.canisters().values()) {
      leftover += c.system().inputQueues().size();
    }
    return new RoundResult(end, r.instructionsUsed, r.messagesExecuted, r.managementCalls, inner,
        leftover);
  }

  /** The working state of one round. */
  private final class Round {
    private final Batch batch;
    private final long timeNs;
    private ReplicatedState base;
    private TreeMap<CanisterId, Canister> canisters;
    private List<ManagementCall> managementQueue;
    private final IngressHistory history;
    private BigInteger consumed = BigInteger.ZERO;
    private final TreeMap<CanisterId, ArrayDeque<Task>> tasks = new TreeMap<>();
    long instructionsUsed;
    int messagesExecuted;
    int managementCalls;

    Round(ReplicatedState state, Batch batch) {
      this.batch = batch;
      this.timeNs = batch.timeNs();
      this.history = state.ingressHistoryCopy();
      load(state);
    }

    private void load(ReplicatedState state) {
      this.base = state;
      this.canisters = new TreeMap<>(state.canisters());
      this.managementQueue = new ArrayList<>(state.managementQueue());
    }

    ReplicatedState toState() {
      return ReplicatedState.of(base.ownSubnetId(), base.subnets(), base.nextCanisterIndex(),
          canisters, history, base.batchTimeNs(), base.height(), managementQueue,
          base.consumedCyclesTotal()).withConsumedCycles(consumed);
    }

    private Canister get(CanisterId id) {
      return canisters.get(id);
    }

    private void put(Canister c) {
      canisters.put(c.id(), c);
    }

    // ---- ingress induction (spec "Request submission")

    void induct(IngressMessage m) {
      if (m.ingressExpiryNs() < timeNs) {
        return; // too late: consensus should not have included it
      }
      try {
        if (!history.receiveIfNew(
            m.requestId(), m.sender(), m.effectiveId(), m.ingressExpiryNs(), timeNs)) {
          return; // a duplicate: consensus should not have included it
        }
      } catch (IngressHistoryFullException e) {
        return; // the sender sees no status and may retry
      }
      CallOrigin origin = new CallOrigin.Ingress(m.requestId(), m.sender());
      if (m.canisterId().equals(CanisterId.MANAGEMENT)) {
        if (managementQueue.size() >= limits.maxManagementQueueLength()) {
          answerIngress(origin, CallOutcome.reject(ErrorCode.CANISTER_QUEUE_FULL,
              "The management canister's queue is full"));
          return;
        }
        Optional<CanisterId> ecid = m.effectiveId().isCanister()
            ? Optional.of(new CanisterId(m.effectiveId().id())) : Optional.empty();
        managementQueue.add(new ManagementCall(m.sender(), m.method(), m.argument(),
            BigInteger.ZERO, origin, ecid));
        return;
      }
      Canister c = get(m.canisterId());
      Optional<CallOutcome.Reject> refusal = refusal(m.canisterId(), c);
      if (refusal.isEmpty()) {
        BigInteger cost = fees.ingressInductionCost(m.sizeBytes());
        if (fees.isFrozen(c, cost)) {
          refusal = Optional.of(outOfCycles(c));
        } else if (c.system().inputQueues().size(InputQueues.INGRESS_SOURCE)
            >= limits.maxInputQueueLength()) {
          refusal = Optional.of(CallOutcome.reject(ErrorCode.CANISTER_QUEUE_FULL,
              "Canister " + m.canisterId() + "'s input queue is full"));
        } else {
          consumed = consumed.add(cost.min(c.system().cyclesBalance()));
          SystemState s = c.system().debit(cost);
          put(c.withSystem(s.withInputQueues(
              s.inputQueues().enqueue(InputQueues.INGRESS_SOURCE, new CanisterMessage.Ingress(m)))));
          return;
        }
      }
      answerIngress(origin, refusal.get());
    }

    /** Why a canister cannot take a new call, if it cannot (spec "Canister status"). */
    private Optional<CallOutcome.Reject> refusal(CanisterId id, Canister c) {
      if (c == null) {
        return Optional.of(CallOutcome.reject(ErrorCode.CANISTER_NOT_FOUND,
            "Canister " + id + " not found"));
      }
      RunStatus s = c.system().status();
      if (s instanceof RunStatus.Stopped) {
        return Optional.of(CallOutcome.reject(ErrorCode.CANISTER_STOPPED,
            "Canister " + id + " is stopped"));
      }
      if (s instanceof RunStatus.Stopping) {
        return Optional.of(CallOutcome.reject(ErrorCode.CANISTER_STOPPING,
            "Canister " + id + " is stopping"));
      }
      if (c.isEmpty()) {
        return Optional.of(CallOutcome.reject(ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND,
            "Attempted to execute a message, but the canister " + id
                + " contains no Wasm module"));
      }
      return Optional.empty();
    }

    private CallOutcome.Reject outOfCycles(Canister c) {
      return CallOutcome.reject(ErrorCode.CANISTER_OUT_OF_CYCLES,
          "Canister " + c.id() + " is out of cycles: its balance " + c.system().cyclesBalance()
              + " does not cover the freezing threshold " + fees.freezingLimit(c)
              + " and the cost of the message");
    }

    // ---- system tasks (spec "Heartbeat", "Global timer")

    void scheduleSystemTasks() {
      for (Canister c : new ArrayList<>(canisters.values())) {
        if (c.isEmpty() || !(c.system().status() instanceof RunStatus.Running)
            || fees.isFrozen(c, maxExecutionCost())) {
          continue; // a frozen canister keeps its timer for when it has cycles again
        }
        ExecutionState e = c.execution().get();
        ArrayDeque<Task> t = new ArrayDeque<>();
        long timer = e.wasmState().globalTimerNs();
        if (timer != 0 && timer <= timeNs
            && e.module().exportsHook(Task.GLOBAL_TIMER.exportName())) {
          // Note: spec "Global timer": the timer is deactivated when its hook is scheduled.
          put(c.withExecution(Optional.of(e.withWasmState(e.wasmState().withGlobalTimerNs(0)))));
          t.add(Task.GLOBAL_TIMER);
        }
        if (e.module().exportsHook(Task.HEARTBEAT.exportName())) {
          t.add(Task.HEARTBEAT);
        }
        if (!t.isEmpty()) {
          tasks.put(c.id(), t);
        }
      }
    }

    // ---- the management canister

    void runManagementQueue() {
      List<ManagementCall> calls = managementQueue;
      managementQueue = new ArrayList<>();
      for (int i = 0; i < calls.size(); i++) {
        if (instructionsUsed >= limits.instructionsPerRound()) {
          List<ManagementCall> rest = new ArrayList<>(calls.subList(i, calls.size()));
          rest.addAll(managementQueue);
          managementQueue = rest;
          return;
        }
        ManagementCall call = calls.get(i);
        if (call.origin() instanceof CallOrigin.Ingress in) {
          setProcessing(in);
        }
        ManagementContext ctx = new ManagementContext(timeNs, base.height(), batch.randomness(),
            managementCalls, engine, fees, environments);
        ReplicatedState before = toStateForManagement();
        ManagementOutcome out = management.execute(before, call, ctx);
        managementCalls++;
        List<ManagementCall> queuedMeanwhile = managementQueue;
        load(out.state());
        managementQueue.addAll(queuedMeanwhile);
        out.outcome().ifPresent(o -> deliver(new OriginResponse(call.origin(),
            CanisterId.MANAGEMENT.principal(), o, out.refundCycles())));
        out.otherResponses().forEach(this::deliver);
        completeStops();
      }
    }

    /** Stops every stopping canister that has no open call contexts left. */
    void completeStops() {
      for (Canister c : new ArrayList<>(canisters.values())) {
        if (c.system().status() instanceof RunStatus.Stopping) {
          completeStop(c.id());
        }
      }
    }

    /** The state the management canister sees: this round's canisters, an empty queue. */
    private ReplicatedState toStateForManagement() {
      return ReplicatedState.of(base.ownSubnetId(), base.subnets(), base.nextCanisterIndex(),
          canisters, base.ingressHistory(), base.batchTimeNs(), base.height(), List.of(),
          base.consumedCyclesTotal());
    }

    private void completeStop(CanisterId id) {
      Lifecycle.Change ch = Lifecycle.completeStopIfIdle(
          ReplicatedState.of(base.ownSubnetId(), base.subnets(), base.nextCanisterIndex(),
              new TreeMap<>(java.util.Map.of(id, get(id))), base.ingressHistory(),
              base.batchTimeNs(), base.height(), List.of(), BigInteger.ZERO), id);
      if (!ch.responses().isEmpty() || ch.state().canister(id).get() != get(id)) {
        put(ch.state().canister(id).get());
        ch.responses().forEach(this::deliver);
      }
    }

    // ---- answers

    /** Sends an answer to where a call came from. */
    void deliver(OriginResponse r) {
      CallOrigin o = r.origin();
      if (o instanceof CallOrigin.Ingress in) {
        answerIngress(in, r.outcome());
      } else if (o instanceof CallOrigin.Canister cc) {
        Canister caller = get(cc.callerId());
        if (caller == null) {
          return; // the caller was deleted; nobody is left to refund
        }
        CallOutcome outcome = r.outcome() instanceof CallOutcome.Reject rej
            // Canisters see reject codes and messages, not IC error codes.
            ? new CallOutcome.Reject(rej.code(), rej.message(), Optional.empty())
            : r.outcome();
        CanisterMessage.Response resp = new CanisterMessage.Response(cc.callerId(),
            r.respondent(), cc.callbackId(), outcome, r.refundCycles(), 0);
        SystemState s = caller.system();
        put(caller.withSystem(s.withInputQueues(s.inputQueues().enqueue(r.respondent(), resp))));
      }
    }

    /** Answers a call that is still received or processing; one answered already keeps its answer. */
    private void answerIngress(CallOrigin origin, CallOutcome outcome) {
      CallOrigin.Ingress in = (CallOrigin.Ingress) origin;
      RequestStatus next;
      if (outcome instanceof CallOutcome.Reply rep) {
        next = new RequestStatus.Replied(rep.payload());
      } else {
        CallOutcome.Reject rej = (CallOutcome.Reject) outcome;
        next = new RequestStatus.Rejected(rej.code().code(), rej.message(),
            rej.errorCode().map(ErrorCode::text));
      }
      // Only a received or processing call may move to an outcome.
      history.setStatusIfAllowed(in.requestId(), next, timeNs);
    }

    private void setProcessing(CallOrigin.Ingress in) {
      // Only a received call may move to processing.
      history.setStatusIfAllowed(in.requestId(), RequestStatus.PROCESSING, timeNs);
    }

    // ---- canister execution

    /** Runs the canister's next task or message; false if it has none. */
    boolean executeNext(CanisterId id) {
      Canister c = get(id);
      if (c == null) {
        tasks.remove(id);
        return false;
      }
      ArrayDeque<Task> t = tasks.get(id);
      if (t != null && !t.isEmpty()) {
        Task task = t.poll();
        if (t.isEmpty()) {
          tasks.remove(id);
        }
        runSystemTask(c, task);
        return true;
      }
      Optional<CanisterMessage> next = c.system().inputQueues().peek();
      if (next.isEmpty()) {
        return false;
      }
      SystemState s = c.system();
      c = c.withSystem(s.withInputQueues(s.inputQueues().pop()));
      put(c);
      CanisterMessage m = next.get();
      if (m instanceof CanisterMessage.Ingress in) {
        runIngress(c, in.message());
      } else if (m instanceof CanisterMessage.Request req) {
        runRequest(c, req);
      } else {
        runResponse(c, (CanisterMessage.Response) m);
      }
      completeStop(id);
      return true;
    }

    private BigInteger maxExecutionCost() {
      return fees.executionCost(engine.limits().instructionsPerUpdate());
    }

    private void runIngress(Canister c, IngressMessage m) {
      CallOrigin.Ingress origin = new CallOrigin.Ingress(m.requestId(), m.sender());
      Optional<CallOutcome.Reject> refusal = refusal(c.id(), c);
      if (refusal.isEmpty() && fees.isFrozen(c, maxExecutionCost())) {
        refusal = Optional.of(outOfCycles(c));
      }
      if (refusal.isPresent()) {
        answerIngress(origin, refusal.get());
        return;
      }
      setProcessing(origin);
      runMethod(c, origin, m.method(), m.argument(), BigInteger.ZERO);
    }

    private void runRequest(Canister c, CanisterMessage.Request r) {
      CallOrigin origin = new CallOrigin.Canister(r.sender(), r.senderCallbackId());
      Optional<CallOutcome.Reject> refusal = refusal(c.id(), c);
      if (refusal.isEmpty() && fees.isFrozen(c, maxExecutionCost())) {
        refusal = Optional.of(outOfCycles(c));
      }
      if (refusal.isEmpty() && !r.sender().equals(c.id())
          && r.cycles().compareTo(c.system().settings().minimumIncomingCanisterCallCycles()) < 0) {
        refusal = Optional.of(CallOutcome.reject(ErrorCode.INSUFFICIENT_CYCLES_IN_CALL,
            "Canister " + c.id() + " requires at least "
                + c.system().settings().minimumIncomingCanisterCallCycles()
                + " cycles attached to each call"));
      }
      if (refusal.isPresent()) {
        deliver(new OriginResponse(origin, c.id().principal(), refusal.get(), r.cycles()));
        return;
      }
      runMethod(c, origin, r.method(), r.payload(), r.cycles());
    }

    private void runMethod(Canister c, CallOrigin origin, String method, byte[] argument,
        BigInteger cycles) {
      CanisterModule module = c.execution().get().module();
      MethodKind kind = module.methodKind(method).orElse(MethodKind.UPDATE);
      CallContextManager ccm = c.system().callContexts().withNewContext(origin, cycles);
      long contextId = ccm.nextContextId() - 1;
      c = c.withSystem(c.system().withCallContexts(ccm));
      CanisterInput input = new CanisterInput.MethodCall(kind, method, argument, origin.caller(),
          cycles, true, Optional.empty(), 0, 0, CallerInfo.NONE);
      execute(c, contextId, input, kind == MethodKind.QUERY);
    }

    private void runSystemTask(Canister c, Task task) {
      if (c.isEmpty() || !(c.system().status() instanceof RunStatus.Running)
          || fees.isFrozen(c, maxExecutionCost())) {
        return;
      }
      CallContextManager ccm = c.system().callContexts().withNewContext(CallOrigin.SYSTEM_TASK,
          BigInteger.ZERO);
      long contextId = ccm.nextContextId() - 1;
      c = c.withSystem(c.system().withCallContexts(ccm));
      execute(c, contextId, new CanisterInput.SystemTask(task), false);
    }

    private void runResponse(Canister c, CanisterMessage.Response r) {
      CallContextManager ccm = c.system().callContexts();
      Optional<OutstandingCall> cb = ccm.callback(r.originatorCallbackId());
      // Note: spec "Callback invocation": refunds are credited before the callback runs, and
      // even when it does not run.
      BigInteger credit = r.refundCycles().add(cb.map(OutstandingCall::reservedCycles)
          .orElse(BigInteger.ZERO));
      SystemState s = c.system().credit(credit);
      if (cb.isEmpty()) {
        put(c.withSystem(s));
        return; // a late response to a call already settled
      }
      ccm = ccm.withoutCallback(r.originatorCallbackId());
      long contextId = cb.get().callContextId();
      CallContext ctx = ccm.context(contextId).orElse(null);
      c = c.withSystem(s.withCallContexts(ccm));
      if (ctx == null || ctx.deleted() || c.isEmpty()) {
        if (ctx != null && ccm.outstandingCalls(contextId) == 0) {
          c = c.withSystem(c.system().withCallContexts(ccm.withoutContext(contextId)));
        }
        put(c);
        return;
      }
      ResponseContent content = r.outcome() instanceof CallOutcome.Reply rep
          ? new ResponseContent.Reply(rep.payload())
          : new ResponseContent.Reject(((CallOutcome.Reject) r.outcome()).code(),
              ((CallOutcome.Reject) r.outcome()).message());
      CanisterInput input = new CanisterInput.Response(cb.get().callback(), content,
          r.refundCycles(), ctx.origin().caller(), ctx.availableCycles(), !ctx.needsToRespond(),
          false, cb.get().deadlineNs(), ctx.instructionsUsed());
      execute(c, contextId, input, false);
    }

    /**
     * Runs one execution in call context {@code contextId} and applies its effects: cycles,
     * logs, state, outgoing calls, the answer, and the context's end.
     *
     * @param discardState true for a query in replicated mode: its changes are dropped
     */
    private void execute(Canister c, long contextId, CanisterInput input, boolean discardState) {
      BigInteger balance = c.system().cyclesBalance();
      BigInteger prepay = maxExecutionCost().min(balance);
      ExecutionEnvironment env = environments.environment(base, c, balance.subtract(prepay),
          timeNs);
      ExecutionState es = c.execution().get();
      ExecutionResult result = engine.execute(es.module(), es.wasmState(), input, env);
      messagesExecuted++;
      instructionsUsed += result.instructionsUsed();

      BigInteger cost = fees.executionCost(result.instructionsUsed());
      BigInteger after = result.balanceCycles().add(prepay);
      consumed = consumed.add(cost.min(after)).add(result.cyclesBurned());
      SystemState s = c.system().withCyclesBalance(Cycles.subtract(after, cost));
      List<byte[]> lines = new ArrayList<>();
      result.logs().forEach(l -> lines.add(l.content()));
      s = s.withLog(s.log().append(lines, timeNs));

      CallContextManager ccm = s.callContexts();
      CallContext ctx = ccm.context(contextId).orElseThrow()
          .addInstructions(result.instructionsUsed());
      List<Runnable> sends = new ArrayList<>();
      Optional<OriginResponse> answer = Optional.empty();
      if (!result.trapped()) {
        if (!discardState) {
          c = c.withExecution(Optional.of(es.withWasmState(result.state())));
          s = s.withVersion(s.version() + 1);
        }
        ctx = ctx.withAvailableCycles(
            Cycles.subtract(ctx.availableCycles(), result.cyclesAccepted()));
        for (OutgoingCall call : result.calls()) {
          long callbackId = ccm.nextCallbackId();
          long deadlineNs = call.timeoutSeconds().isPresent()
              ? timeNs + call.timeoutSeconds().getAsInt() * 1_000_000_000L : 0;
          ccm = ccm.withCallback(new OutstandingCall(callbackId, contextId, call.callee(),
              call.method(), call.callback(), call.cycles(), call.reservedCycles(), deadlineNs));
          CanisterId sender = c.id();
          sends.add(() -> send(sender, callbackId, call, deadlineNs));
        }
        if (result.response().isPresent() && ctx.needsToRespond()) {
          CallResponse resp = result.response().get();
          CallOutcome outcome = resp instanceof CallResponse.Reply rep
              ? CallOutcome.reply(rep.payload())
              : CallOutcome.canisterReject(((CallResponse.Reject) resp).message());
          BigInteger refund = resp instanceof CallResponse.Reply rep ? rep.refundCycles()
              : ((CallResponse.Reject) resp).refundCycles();
          answer = Optional.of(new OriginResponse(ctx.origin(), c.id().principal(), outcome,
              refund));
          ctx = ctx.answered();
        }
      } else if (input instanceof CanisterInput.Response) {
        // A trapping callback leaves the state its cleanup produced, or the state it started
        // from (spec "call_on_cleanup").
        c = c.withExecution(Optional.of(es.withWasmState(result.state())));
      }
      if (ctx.needsToRespond() && ccm.outstandingCalls(contextId) == 0) {
        // Note: spec "Call context starvation".
        CallOutcome outcome = result.trap().isPresent()
            ? CallOutcome.reject(result.trap().get().code(),
                "Error from Canister " + c.id() + ": " + result.trap().get().message())
            : CallOutcome.reject(ErrorCode.CANISTER_DID_NOT_REPLY,
                "Canister " + c.id() + " did not reply to the call");
        answer = Optional.of(new OriginResponse(ctx.origin(), c.id().principal(), outcome,
            ctx.availableCycles()));
        ctx = ctx.answered();
      }
      if (!ctx.needsToRespond() && ccm.outstandingCalls(contextId) == 0) {
        ccm = ccm.withoutContext(contextId);
      } else {
        ccm = ccm.withContext(ctx);
      }
      put(c.withSystem(s.withCallContexts(ccm)));
      answer.ifPresent(this::deliver);
      sends.forEach(Runnable::run);
    }

    /** Routes a call a canister made: to the management queue or the callee's input queue. */
    private void send(CanisterId sender, long callbackId, OutgoingCall call, long deadlineNs) {
      CallOrigin origin = new CallOrigin.Canister(sender, callbackId);
      if (call.callee().isManagementCanister()) {
        if (managementQueue.size() >= limits.maxManagementQueueLength()) {
          deliver(new OriginResponse(origin, call.callee(), CallOutcome.reject(
              ErrorCode.CANISTER_QUEUE_FULL, "The management canister's queue is full"),
              call.cycles()));
          return;
        }
        managementQueue.add(new ManagementCall(sender.principal(), call.method(), call.payload(),
            call.cycles(), origin, Optional.empty()));
        return;
      }
      CanisterId callee;
      try {
        callee = new CanisterId(call.callee());
      } catch (RuntimeException e) {
        callee = null;
      }
      Canister target = callee == null ? null : get(callee);
      if (target == null) {
        // Note: no XNet yet: a callee outside this subnet is as unknown as a missing one.
        deliver(new OriginResponse(origin, call.callee(), CallOutcome.reject(
            ErrorCode.CANISTER_NOT_FOUND, "Canister " + call.callee() + " not found"),
            call.cycles()));
        return;
      }
      SystemState ts = target.system();
      if (ts.inputQueues().size(sender.principal()) >= limits.maxInputQueueLength()) {
        deliver(new OriginResponse(origin, call.callee(), CallOutcome.reject(
            ErrorCode.CANISTER_QUEUE_FULL, "Canister " + callee + "'s input queue is full"),
            call.cycles()));
        return;
      }
      CanisterMessage.Request req = new CanisterMessage.Request(sender, callee, call.method(),
          call.payload(), call.cycles(), callbackId, deadlineNs);
      put(target.withSystem(ts.withInputQueues(ts.inputQueues().enqueue(sender.principal(),
          req))));
    }
  }

  /** Options of a {@link RoundExecutor}. */
  public static final class Builder {
    private WasmEngine engine;
    private ManagementCanister management = ManagementCanister.UNSUPPORTED;
    private CyclesFees fees = CyclesFees.internetComputerDefaults();
    private RoundLimits limits = RoundLimits.defaults();
    private byte[] rootKeyDer = new byte[0];

    private Builder() {}

    public Builder withEngine(WasmEngine engine) {
      this.engine = engine;
      return this;
    }

    public Builder withManagementCanister(ManagementCanister management) {
      this.management = Objects.requireNonNull(management);
      return this;
    }

    public Builder withFees(CyclesFees fees) {
      this.fees = Objects.requireNonNull(fees);
      return this;
    }

    public Builder withLimits(RoundLimits limits) {
      this.limits = Objects.requireNonNull(limits);
      return this;
    }

    /** The key {@code ic0.root_key_*} shows canisters (the root subnet's public key, DER). */
    public Builder withRootKeyDer(byte[] rootKeyDer) {
      this.rootKeyDer = rootKeyDer.clone();
      return this;
    }

    public RoundExecutor build() {
      return new RoundExecutor(this);
    }
  }
}
