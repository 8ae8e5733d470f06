package dev.canopy.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.Principal;
import dev.canopy.wasm.CanisterInput.HttpTransform;
import dev.canopy.wasm.CanisterInput.InspectMessage;
import dev.canopy.wasm.CanisterInput.MethodCall;
import dev.canopy.wasm.CanisterInput.Response;
import dev.canopy.wasm.CanisterInput.ResponseContent;
import dev.canopy.wasm.CanisterInput.SystemTask;
import dev.canopy.wasm.ExecutionResult.LogRecord;
import dev.canopy.wasm.ExecutionResult.Trap;
import dev.canopy.wasm.InvalidModuleException.Reason;
import dev.canopy.wasm.instrument.InvalidWasmException;
import dev.canopy.wasm.instrument.MeteringInstrumenter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Runs canister code: validates modules, instruments and compiles them (Chicory's compiler, cached
 * by module in memory and on disk), and executes messages as a function of the canister's state,
 * the message and its environment.
 *
 * <p>Every execution is deterministic: instructions are counted by the instrumented module, time
 * and randomness come from the inputs, and a trap returns the state it started from. Executions run
 * on the engine's own threads only to give Wasm code a large, known stack: its execution threads,
 * or the {@link #requestExecutor()} threads when started there.
 */
public final class WasmEngine implements AutoCloseable {
  private final ExecutionLimits limits;
  private final CyclesCosts costs;
  private final ModuleValidator validator;
  private final ModuleInstrumenter instrumenter;
  private final CompiledClassCache diskCache;
  private final ExecutorService executor;
  private final ThreadPoolExecutor requestExecutor;
  private final ConcurrentHashMap<String, LoadedModule> loaded = new ConcurrentHashMap<>();
  private final InstancePool instances;
  private final InstancePool replicatedInstances;
  private final AtomicLong compilations = new AtomicLong();
  private final AtomicLong memoryCacheHits = new AtomicLong();

  private WasmEngine(Builder b) {
    this.limits = b.limits;
    this.costs = b.costs;
    this.validator = new ModuleValidator(b.moduleLimits);
    this.instrumenter = b.instrumenter;
    this.diskCache = b.moduleCacheDir == null ? null : new CompiledClassCache(b.moduleCacheDir);
    this.instances = new InstancePool(b.maxIdleInstances, b.maxIdleHeapBytes);
    this.replicatedInstances = new InstancePool(b.maxIdleInstances, b.maxIdleHeapBytes);
    AtomicInteger n = new AtomicInteger();
    long stack = b.threadStackBytes;
    this.executor = Executors.newFixedThreadPool(b.executionThreads,
        r -> new EngineThread(r, "canopy-wasm-" + n.incrementAndGet(), stack));
    AtomicInteger m = new AtomicInteger();
    this.requestExecutor = new ThreadPoolExecutor(b.requestThreads, b.requestThreads, 0,
        TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(b.maxQueuedRequests),
        r -> new EngineThread(r, "canopy-request-" + m.incrementAndGet(), stack),
        new ThreadPoolExecutor.AbortPolicy());
  }

  /** A thread of this engine: an execution started on it runs there, with the thread's stack. */
  private final class EngineThread extends Thread {
    EngineThread(Runnable task, String name, long stackBytes) {
      super(null, task, name, stackBytes);
      setDaemon(true);
    }

    WasmEngine engine() {
      return WasmEngine.this;
    }
  }

  /**
   * Threads for non-replicated work around Wasm executions (a query from decoding it to signing
   * its answer, the checks of an ingress call including {@code canister_inspect_message}): an
   * execution started on one of them runs right there, with no hand-off to the engine's own
   * threads, and rounds, which use those, never wait behind queries. At most {@code
   * maxQueuedRequests} tasks wait; more are refused with a {@link
   * java.util.concurrent.RejectedExecutionException}.
   */
  public Executor requestExecutor() {
    return requestExecutor;
  }

  public static Builder builder() {
    return new Builder();
  }

  public ExecutionLimits limits() {
    return limits;
  }

  /**
   * Counters of the module cache, and of instances: those non-replicated executions reused
   * ({@code instancesReused}) and handed back for reuse ({@code instancesReturned}), and those
   * replicated executions reused ({@code replicatedInstancesReused}).
   */
  public record Stats(long compilations, long memoryCacheHits, long diskCacheHits,
      long diskCacheWrites, long instancesReused, long instancesReturned,
      long replicatedInstancesReused) {}

  public Stats stats() {
    return new Stats(compilations.get(), memoryCacheHits.get(),
        diskCache == null ? 0 : diskCache.hits(), diskCache == null ? 0 : diskCache.writes(),
        instances.reused(), instances.returned(), replicatedInstances.reused());
  }

  // ---- modules

  /**
   * Validates a module as uploaded (raw or gzipped), then instruments and compiles it unless this
   * engine or its disk cache already has it.
   *
   * @throws InvalidModuleException if the module breaks the spec's module requirements
   */
  public CanisterModule load(byte[] uploaded) {
    // Note: the same bytes give the same validated module, so a loaded one is reused as it is.
    LoadedModule known = loaded.get(Hex.encode(Hashing.sha256(uploaded)));
    if (known != null) {
      memoryCacheHits.incrementAndGet();
      return known.module;
    }
    CanisterModule module = validator.validate(uploaded);
    prepare(module);
    return module;
  }

  /**
   * Loads a module from a checkpoint: its decompressed binary and the hash of the module as it was
   * uploaded. The compiled code is cached by that hash like {@link #load}'s.
   *
   * @throws InvalidModuleException if the binary breaks the module requirements
   */
  public CanisterModule restore(byte[] wasm, byte[] moduleHash) {
    LoadedModule known = loaded.get(Hex.encode(moduleHash));
    if (known != null && java.util.Arrays.equals(known.module.wasmBytesShared(), wasm)) {
      memoryCacheHits.incrementAndGet();
      return known.module;
    }
    CanisterModule module = validator.validateRestored(wasm, moduleHash);
    prepare(module);
    return module;
  }

  LoadedModule prepare(CanisterModule module) {
    LoadedModule l = loaded.get(module.moduleHashHex());
    if (l != null) {
      memoryCacheHits.incrementAndGet();
      return l;
    }
    return loaded.computeIfAbsent(module.moduleHashHex(), k -> compile(module));
  }

  private LoadedModule compile(CanisterModule module) {
    // Note: with a rewriter that names its output, the disk cache is keyed by the module's own
    // bytes, so a restarted engine neither rewrites nor decodes the module (only its stub, below).
    String key = instrumenter.outputKey()
        .map(k -> cacheKey("module", k, Hashing.sha256(module.wasmBytesShared())))
        .orElse(null);
    LoadedModule cached = key == null ? null : fromDiskCache(module, key);
    if (cached != null) {
      return cached;
    }
    byte[] instrumented;
    try {
      instrumented = instrumenter.instrument(module.wasmBytesShared());
    } catch (InvalidWasmException e) {
      throw new InvalidModuleException(Reason.MALFORMED,
          "the module cannot be instrumented: " + e.getMessage(), e);
    }
    WasmBinary binary = WasmBinary.read(instrumented);
    long start = binary.startFunction();
    byte[] runnable = binary.withoutStartSection();
    if (key == null && diskCache != null) {
      key = cacheKey("instrumented", "", Hashing.sha256(runnable));
      cached = fromDiskCache(module, key);
      if (cached != null) {
        return cached;
      }
    }
    WasmModule parsed;
    Function<Instance, Machine> factory;
    byte[] payload;
    try {
      parsed = Parser.parse(runnable);
      // Compiled, rewritten, then loaded from the rewritten classes as from the disk cache.
      payload = CounterGlobalShortcut.compile(parsed, CounterGlobalShortcut.counterGlobal(parsed)).payload();
      factory = StoredClasses.load(parsed, payload);
      compilations.incrementAndGet();
    } catch (RuntimeException e) {
      throw new InvalidModuleException(Reason.MALFORMED,
          "the module cannot be compiled: " + e.getMessage(), e);
    } catch (StackOverflowError e) {
      throw new InvalidModuleException(Reason.TOO_LARGE,
          "the module nests too deeply to be compiled", e);
    }
    if (start < 0) {
      // The metering rewriter removes the start section and exports its function instead; the
      // validator guarantees the canister itself exports no such name.
      var exports = parsed.exportSection();
      for (int i = 0; i < exports.exportCount(); i++) {
        var e = exports.getExport(i);
        if (e.name().equals(MeteringInstrumenter.START_FUNCTION_EXPORT)
            && e.exportType() == com.dylibso.chicory.wasm.types.ExternalType.FUNCTION) {
          start = e.index();
        }
      }
    }
    if (diskCache != null) {
      storeInDiskCache(key, start, WasmBinary.read(runnable).withStubFunctionBodies(),
          payload);
    }
    return new LoadedModule(module, parsed, factory, start);
  }

  private static String cacheKey(String kind, String rewriter, byte[] digest) {
    return CompiledClassCache.COMPILER_VERSION + "+" + CounterGlobalShortcut.VERSION + "+"
        + FusedComparisons.VERSION + "+" + InterruptionChecks.VERSION + "+" + ExactMemoryType.VERSION
        + "+" + TrapCounterSync.VERSION
        + "/" + kind + "/"
        + rewriter + "/"
        + Hex.encode(digest);
  }

  /**
   * A cache entry: the start function, the runnable module with its function bodies stubbed out
   * ({@link WasmBinary#withStubFunctionBodies()}) and Chicory's serialized classes. The entry was
   * written only after the full module parsed, validated and compiled, and the file's checksum
   * guards it; an entry that still fails to load is dropped and the module compiled again.
   */
  private void storeInDiskCache(String key, long start, byte[] stub, byte[] classes) {
    ByteBuffer entry = ByteBuffer.allocate(8 + 4 + stub.length + classes.length);
    entry.putLong(start).putInt(stub.length).put(stub).put(classes);
    try {
      diskCache.put(key, entry.array());
    } catch (IOException e) {
      // Note: the cache only saves time; a node that cannot write it still runs the module.
    }
  }

  private LoadedModule fromDiskCache(CanisterModule module, String key) {
    if (diskCache == null) {
      return null;
    }
    byte[] entry;
    try {
      entry = diskCache.get(key);
    } catch (IOException e) {
      return null;
    }
    if (entry == null) {
      return null;
    }
    try {
      ByteBuffer in = ByteBuffer.wrap(entry);
      long start = in.getLong();
      int stubLength = in.getInt();
      if (stubLength < 0 || stubLength > in.remaining()) {
        throw new IllegalArgumentException("bad stub length");
      }
      byte[] stub = new byte[stubLength];
      in.get(stub);
      byte[] classes = new byte[in.remaining()];
      in.get(classes);
      WasmModule parsed = Parser.builder().withValidation(false).build()
          .parse(() -> new ByteArrayInputStream(stub));
      return new LoadedModule(module, parsed, StoredClasses.load(parsed, classes), start);
    } catch (RuntimeException | LinkageError | StackOverflowError e) {
      try {
        diskCache.discard(key);
      } catch (IOException ignored) {
        // the entry is rewritten after the compilation anyway
      }
      return null;
    }
  }

  // ---- executions

  /** Arguments of {@code install_code} in install or reinstall mode. */
  public record InstallArgs(byte[] argument, Principal caller) {
    public InstallArgs {
      argument = argument.clone();
    }
  }

  /**
   * Installs a module on an empty canister (or reinstalls): a fresh instance runs {@code (start)},
   * then {@code canister_init(arg)}; stable memory, certified data and the timer start empty.
   * Atomic: on a trap the result's state is {@link #emptyState()} and the caller keeps whatever
   * the canister had before.
   */
  public ExecutionResult install(CanisterModule module, InstallArgs args, ExecutionEnvironment env) {
    LoadedModule l = prepare(module);
    return onEngineThread(() -> {
      Meter meter = new Meter(limits.instructionsPerInstall());
      List<LogRecord> logs = new ArrayList<>();
      CanisterState empty = emptyState();
      SystemApi api = new SystemApi(ApiContext.START, env, limits, costs, meter, empty, logs);
      api.argument = args.argument();
      api.caller = args.caller();
      InstanceRun run = null;
      try {
        run = new InstanceRun(l, null, null, api, meter, limits);
        run.callStart();
        api.setContext(ApiContext.INIT);
        if (run.hasExport("canister_init")) {
          run.callExport("canister_init");
        }
        run.finish();
        CanisterState state = new CanisterState(run.heap(), run.globals(), api.stableMemory(),
            api.certifiedData(), api.globalTimerNs());
        return success(state, api, meter, logs);
      } catch (Throwable t) {
        return trapped(empty, classify(run, meter, t), meter, logs, env);
      }
    });
  }

  /** Arguments of {@code install_code} in upgrade mode. */
  public record UpgradeArgs(byte[] argument, Principal caller, boolean skipPreUpgrade,
      long newCanisterVersion) {
    public UpgradeArgs {
      argument = argument.clone();
    }
  }

  /**
   * Upgrades: {@code canister_pre_upgrade} on the old instance (unless skipped), then a fresh
   * instance of the new module runs {@code (start)} and {@code canister_post_upgrade(arg)}.
   * Stable memory and certified data are kept; the heap is not (classic persistence); the global
   * timer is deactivated. Atomic: a trap in any step leaves the old state (spec "Canister
   * upgrades").
   */
  public ExecutionResult upgrade(CanisterModule oldModule, CanisterState oldState,
      CanisterModule newModule, UpgradeArgs args, ExecutionEnvironment env) {
    LoadedModule oldLoaded = prepare(oldModule);
    LoadedModule newLoaded = prepare(newModule);
    return onEngineThread(() -> {
      Meter meter = new Meter(limits.instructionsPerInstall());
      List<LogRecord> logs = new ArrayList<>();
      InstanceRun run = null;
      try {
        CanisterState afterPre = oldState;
        if (!args.skipPreUpgrade() && oldModule.exportsHook("canister_pre_upgrade")) {
          SystemApi pre = new SystemApi(ApiContext.PRE_UPGRADE, env, limits, costs, meter,
              oldState, logs);
          pre.caller = args.caller();
          run = new InstanceRun(oldLoaded, oldState.heap(), oldState.globals(), pre, meter, limits);
          run.callExport("canister_pre_upgrade");
          run.finish();
          afterPre = new CanisterState(oldState.heap(), oldState.globals(), pre.stableMemory(),
              pre.certifiedData(), pre.globalTimerNs());
        }
        // Note: spec "Global timer": changing the module deactivates the timer.
        CanisterState carried = afterPre.withGlobalTimer(0);
        ExecutionEnvironment newEnv = env.at(env.timeNs(), args.newCanisterVersion());
        SystemApi post = new SystemApi(ApiContext.START, newEnv, limits, costs, meter, carried,
            logs);
        post.argument = args.argument();
        post.caller = args.caller();
        run = new InstanceRun(newLoaded, null, null, post, meter, limits);
        run.callStart();
        post.setContext(ApiContext.INIT);
        if (run.hasExport("canister_post_upgrade")) {
          run.callExport("canister_post_upgrade");
        }
        run.finish();
        CanisterState state = new CanisterState(run.heap(), run.globals(), post.stableMemory(),
            post.certifiedData(), post.globalTimerNs());
        return success(state, post, meter, logs);
      } catch (Throwable t) {
        return trapped(oldState, classify(run, meter, t), meter, logs, env);
      }
    });
  }

  /**
   * Executes one message against a canister's state. Returns the new state and effects, or a trap
   * with the state unchanged. The caller decides what to keep: the state of a non-replicated query
   * or inspection is to be dropped, and a response callback whose call context is already answered
   * cannot reply. Scheduling is the caller's too: for instance the global timer must be set to 0
   * when {@code canister_global_timer} is scheduled (spec "Global timer"), not by this execution.
   */
  public ExecutionResult execute(CanisterModule module, CanisterState state, CanisterInput input,
      ExecutionEnvironment env) {
    LoadedModule l = prepare(module);
    return onEngineThread(() -> {
      if (input instanceof MethodCall m) {
        return methodCall(l, state, m, env);
      } else if (input instanceof InspectMessage i) {
        return inspect(l, state, i, env);
      } else if (input instanceof SystemTask s) {
        return systemTask(l, state, s, env);
      } else if (input instanceof HttpTransform t) {
        return transform(l, state, t, env);
      } else {
        return response(l, state, (Response) input, env);
      }
    });
  }

  private ExecutionResult methodCall(LoadedModule l, CanisterState state, MethodCall m,
      ExecutionEnvironment env) {
    ApiContext ctx;
    long budget;
    switch (m.kind()) {
      case UPDATE -> {
        ctx = ApiContext.UPDATE;
        budget = limits.instructionsPerUpdate();
      }
      case QUERY -> {
        ctx = m.replicated() ? ApiContext.REPLICATED_QUERY : ApiContext.NON_REPLICATED_QUERY;
        budget = limits.instructionsPerQuery();
      }
      case COMPOSITE_QUERY -> {
        if (m.replicated()) {
          return notRun(state, new Trap(ErrorCode.COMPOSITE_QUERY_CALLED_IN_REPLICATED_MODE,
              "Composite query cannot be called in replicated mode"), env);
        }
        ctx = ApiContext.COMPOSITE_QUERY;
        budget = limits.instructionsPerQuery();
      }
      default -> throw new IllegalStateException();
    }
    String export = m.kind().exportName(m.method());
    if (!l.exportedFunctions.containsKey(export)) {
      return notRun(state, new Trap(ErrorCode.CANISTER_METHOD_NOT_FOUND,
          "Canister has no " + kindName(m.kind()) + " method '" + m.method() + "'"), env);
    }
    Meter meter = new Meter(budget);
    List<LogRecord> logs = new ArrayList<>();
    SystemApi api = new SystemApi(ctx, env, limits, costs, meter, state, logs);
    api.argument = m.argument();
    api.caller = m.caller();
    api.callerInfo = m.callerInfo();
    api.deadlineNs = m.deadlineNs();
    api.callContextInstructions = m.callContextInstructions();
    api.setAvailableCycles(ctx == ApiContext.UPDATE || ctx == ApiContext.REPLICATED_QUERY
        ? m.cyclesAvailable() : BigInteger.ZERO);
    if (ctx == ApiContext.NON_REPLICATED_QUERY || ctx == ApiContext.COMPOSITE_QUERY) {
      api.dataCertificate = m.dataCertificate().orElse(null);
    }
    return runEntry(l, state, api, meter, logs, env, run -> run.callExport(export));
  }

  private static String kindName(MethodKind kind) {
    return switch (kind) {
      case UPDATE -> "update";
      case QUERY -> "query";
      case COMPOSITE_QUERY -> "composite query";
    };
  }

  private ExecutionResult transform(LoadedModule l, CanisterState state, HttpTransform t,
      ExecutionEnvironment env) {
    String export = MethodKind.QUERY.exportName(t.method());
    if (!l.exportedFunctions.containsKey(export)) {
      return notRun(state, new Trap(ErrorCode.CANISTER_METHOD_NOT_FOUND,
          "Canister has no query method '" + t.method() + "'"), env);
    }
    Meter meter = new Meter(limits.instructionsPerQuery());
    List<LogRecord> logs = new ArrayList<>();
    SystemApi api = new SystemApi(ApiContext.TRANSFORM_QUERY, env, limits, costs, meter, state,
        logs);
    api.argument = t.argument();
    api.caller = Principal.MANAGEMENT_CANISTER;
    return runEntry(l, state, api, meter, logs, env, run -> run.callExport(export));
  }

  private ExecutionResult inspect(LoadedModule l, CanisterState state, InspectMessage i,
      ExecutionEnvironment env) {
    if (!l.exportedFunctions.containsKey("canister_inspect_message")) {
      // Note: spec "Ingress message inspection": without the hook every message is accepted.
      return new ExecutionResult(state, Optional.empty(), Optional.empty(), List.of(), 0,
          List.of(), BigInteger.ZERO, BigInteger.ZERO, env.balanceCycles(), true, Optional.empty());
    }
    Meter meter = new Meter(limits.instructionsPerInspectMessage());
    List<LogRecord> logs = new ArrayList<>();
    SystemApi api = new SystemApi(ApiContext.INSPECT_MESSAGE, env, limits, costs, meter, state,
        logs);
    api.argument = i.argument();
    api.caller = i.caller();
    api.methodName = i.method();
    return runEntry(l, state, api, meter, logs, env,
        run -> run.callExport("canister_inspect_message"));
  }

  private ExecutionResult systemTask(LoadedModule l, CanisterState state, SystemTask s,
      ExecutionEnvironment env) {
    String export = s.task().exportName();
    if (!l.exportedFunctions.containsKey(export)) {
      return new ExecutionResult(state, Optional.empty(), Optional.empty(), List.of(), 0,
          List.of(), BigInteger.ZERO, BigInteger.ZERO, env.balanceCycles(), false,
          Optional.empty());
    }
    Meter meter = new Meter(limits.instructionsPerUpdate());
    List<LogRecord> logs = new ArrayList<>();
    SystemApi api = new SystemApi(ApiContext.SYSTEM_TASK, env, limits, costs, meter, state, logs);
    api.caller = Principal.MANAGEMENT_CANISTER;
    // Note: system-task call contexts never need a response (spec "Call contexts").
    api.setAnswered(true);
    return runEntry(l, state, api, meter, logs, env, run -> run.callExport(export));
  }

  private ExecutionResult response(LoadedModule l, CanisterState state, Response r,
      ExecutionEnvironment env) {
    boolean reply = r.content() instanceof ResponseContent.Reply;
    ApiContext ctx = r.composite()
        ? (reply ? ApiContext.COMPOSITE_REPLY_CALLBACK : ApiContext.COMPOSITE_REJECT_CALLBACK)
        : (reply ? ApiContext.REPLY_CALLBACK : ApiContext.REJECT_CALLBACK);
    long budget = r.composite() ? limits.instructionsPerQuery() : limits.instructionsPerUpdate();
    Meter meter = new Meter(budget);
    List<LogRecord> logs = new ArrayList<>();
    SystemApi api = responseApi(ctx, r, env, meter, state, logs);
    long fun = reply ? r.callback().replyFunction() : r.callback().rejectFunction();
    long envValue = reply ? r.callback().replyEnv() : r.callback().rejectEnv();
    ExecutionResult result =
        runEntry(l, state, api, meter, logs, env, run -> run.callTableEntry(fun, envValue));
    if (!result.trapped() || r.callback().cleanup().isEmpty()) {
      return result;
    }
    // Note: spec "call_on_cleanup": the cleanup runs iff the callback trapped; its own trap is
    // ignored beyond dropping its changes.
    Callback.Cleanup cleanup = r.callback().cleanup().get();
    ApiContext cleanupCtx = r.composite() ? ApiContext.COMPOSITE_CLEANUP : ApiContext.CLEANUP;
    Meter cleanupMeter = new Meter(budget);
    List<LogRecord> cleanupLogs = new ArrayList<>(result.logs());
    SystemApi capi = responseApi(cleanupCtx, r, env, cleanupMeter, state, cleanupLogs);
    ExecutionResult c = runEntry(l, state, capi, cleanupMeter, cleanupLogs, env,
        run -> run.callTableEntry(cleanup.function(), cleanup.env()));
    return new ExecutionResult(c.state(), result.trap(), Optional.empty(), List.of(),
        result.instructionsUsed() + c.instructionsUsed(), c.logs(), BigInteger.ZERO,
        c.cyclesBurned(), c.balanceCycles(), false, c.trap());
  }

  private SystemApi responseApi(ApiContext ctx, Response r, ExecutionEnvironment env, Meter meter,
      CanisterState state, List<LogRecord> logs) {
    SystemApi api = new SystemApi(ctx, env, limits, costs, meter, state, logs);
    api.caller = r.originalCaller();
    api.deadlineNs = r.deadlineNs();
    api.callContextInstructions = r.callContextInstructions();
    api.refunded = r.refundedCycles();
    api.setAvailableCycles(r.cyclesAvailable());
    api.setAnswered(r.callContextAnswered());
    if (r.content() instanceof ResponseContent.Reply rep) {
      api.argument = rep.payload();
      api.rejectCode = 0;
    } else {
      ResponseContent.Reject rej = (ResponseContent.Reject) r.content();
      api.rejectCode = rej.code().code();
      api.rejectMessage = rej.message();
    }
    return api;
  }

  /**
   * Runs one entry point on an instance restored from {@code state}: an idle one from an {@link
   * InstancePool}, reset to {@code state}, or a new one.
   *
   * <p>Note: replicated and non-replicated executions use separate pools, so the instances that
   * rounds reuse have seen only rounds, which every replica runs alike.
   */
  private ExecutionResult runEntry(LoadedModule l, CanisterState state, SystemApi api, Meter meter,
      List<LogRecord> logs, ExecutionEnvironment env, java.util.function.Consumer<InstanceRun> body) {
    InstancePool pool = api.context().replicated() ? replicatedInstances : instances;
    InstanceRun run = null;
    try {
      run = pool.take(l);
      if (run != null) {
        run.reset(state.heap(), state.globals(), api, meter);
      } else {
        run = new InstanceRun(l, state.heap(), state.globals(), api, meter, limits);
      }
      body.accept(run);
      run.finish();
      CanisterState next = changesDiscarded(api.context()) ? state
          : new CanisterState(run.heap(), run.globals(), api.stableMemory(), api.certifiedData(),
              api.globalTimerNs());
      ExecutionResult result = success(next, api, meter, logs);
      // Note: only after a run that did not trap; a trapped instance is simply dropped.
      pool.give(run);
      return result;
    } catch (Throwable t) {
      return trapped(state, classify(run, meter, t), meter, logs, env);
    }
  }

  /**
   * Executions whose changes the spec always discards and that cannot call another canister (so
   * no callback continues from their state): their result carries the state they started from,
   * and the heap they wrote is never frozen into a version nobody reads.
   */
  private static boolean changesDiscarded(ApiContext context) {
    return context == ApiContext.NON_REPLICATED_QUERY || context == ApiContext.INSPECT_MESSAGE
        || context == ApiContext.TRANSFORM_QUERY;
  }

  private static Trap classify(InstanceRun run, Meter meter, Throwable t) {
    if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)
        && !(t instanceof OutOfMemoryError)) {
      throw (VirtualMachineError) t;
    }
    if (run != null) {
      return run.classify(t);
    }
    meter.unbind();
    return InstanceRun.classifyUnmetered(t);
  }

  private static ExecutionResult success(CanisterState state, SystemApi api, Meter meter,
      List<LogRecord> logs) {
    return new ExecutionResult(state, Optional.empty(), Optional.ofNullable(api.response()),
        api.calls(), meter.used(), logs, api.accepted(), api.burned(), api.finalBalance(),
        api.messageAccepted(), Optional.empty());
  }

  private static ExecutionResult trapped(CanisterState state, Trap trap, Meter meter,
      List<LogRecord> logs, ExecutionEnvironment env) {
    return new ExecutionResult(state, Optional.of(trap), Optional.empty(), List.of(), meter.used(),
        logs, BigInteger.ZERO, BigInteger.ZERO, env.balanceCycles(), false, Optional.empty());
  }

  private static ExecutionResult notRun(CanisterState state, Trap trap, ExecutionEnvironment env) {
    return new ExecutionResult(state, Optional.of(trap), Optional.empty(), List.of(), 0, List.of(),
        BigInteger.ZERO, BigInteger.ZERO, env.balanceCycles(), false, Optional.empty());
  }

  /** The state of an empty canister: no heap, no globals, no stable memory. */
  public static CanisterState emptyState() {
    return new CanisterState(PageMap.EMPTY, new long[0], PageMap.EMPTY, new byte[0], 0);
  }

  private <T> T onEngineThread(Callable<T> task) {
    if (Thread.currentThread() instanceof EngineThread t && t.engine() == this) {
      try {
        return task.call();
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    try {
      return executor.submit(task).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a canister execution", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    requestExecutor.shutdownNow();
  }

  /** Options of a {@link WasmEngine}. */
  public static final class Builder {
    private ExecutionLimits limits = ExecutionLimits.internetComputerDefaults();
    private ModuleLimits moduleLimits = ModuleLimits.internetComputerDefaults();
    private CyclesCosts costs = CyclesCosts.internetComputerDefaults();
    private ModuleInstrumenter instrumenter;
    private Path moduleCacheDir;
    private int executionThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private long threadStackBytes = 256L << 20;
    private int maxIdleInstances = 16;
    private long maxIdleHeapBytes = 512L << 20;
    private int requestThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int maxQueuedRequests = 10_000;

    private Builder() {}

    /**
     * At most this many idle instances are kept for non-replicated executions, and as many for
     * replicated ones (see {@link InstancePool}); 0 builds a new instance for every execution.
     */
    public Builder withMaxIdleInstances(int maxIdleInstances) {
      if (maxIdleInstances < 0) {
        throw new IllegalArgumentException("maxIdleInstances must not be negative");
      }
      this.maxIdleInstances = maxIdleInstances;
      return this;
    }

    /**
     * The idle instances of each of the two pools hold at most this many bytes of heap (an idle
     * instance keeps a working copy of its canister's heap, so that the canister's next message
     * starts without copying it).
     */
    public Builder withMaxIdleHeapBytes(long maxIdleHeapBytes) {
      if (maxIdleHeapBytes < 0) {
        throw new IllegalArgumentException("maxIdleHeapBytes must not be negative");
      }
      this.maxIdleHeapBytes = maxIdleHeapBytes;
      return this;
    }

    public Builder withLimits(ExecutionLimits limits) {
      this.limits = limits;
      return this;
    }

    public Builder withModuleLimits(ModuleLimits moduleLimits) {
      this.moduleLimits = moduleLimits;
      return this;
    }

    public Builder withCyclesCosts(CyclesCosts costs) {
      this.costs = costs;
      return this;
    }

    /** Replaces the metering rewriter (tests of the engine itself only). */
    public Builder withInstrumenter(ModuleInstrumenter instrumenter) {
      this.instrumenter = instrumenter;
      return this;
    }

    /** Keeps compiled modules in this directory (e.g. the node's data directory + "/wasm-cache"). */
    public Builder withModuleCacheDir(Path dir) {
      this.moduleCacheDir = dir;
      return this;
    }

    public Builder withExecutionThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("at least one execution thread");
      }
      this.executionThreads = threads;
      return this;
    }

    /** Threads of {@link #requestExecutor()} and how many tasks may wait for them. */
    public Builder withRequestThreads(int threads, int maxQueued) {
      if (threads < 1 || maxQueued < 1) {
        throw new IllegalArgumentException("at least one request thread and one queued task");
      }
      this.requestThreads = threads;
      this.maxQueuedRequests = maxQueued;
      return this;
    }

    /** Stack of each execution thread; deep recursion must reach maxCallDepth before it fills. */
    public Builder withThreadStackBytes(long bytes) {
      this.threadStackBytes = bytes;
      return this;
    }

    public WasmEngine build() {
      if (instrumenter == null) {
        instrumenter = defaultInstrumenter(limits);
      }
      return new WasmEngine(this);
    }
  }

  /** The metering rewriter with the IC's cost table and the configured call depth. */
  static ModuleInstrumenter defaultInstrumenter(ExecutionLimits limits) {
    MeteringInstrumenter metering =
        MeteringInstrumenter.builder().withMaxCallDepth(limits.maxCallDepth()).build();
    return new ModuleInstrumenter() {
      @Override
      public byte[] instrument(byte[] wasm) {
        return metering.instrument(wasm).wasm();
      }

      @Override
      public Optional<String> outputKey() {
        return Optional.of(metering.outputKey());
      }
    };
  }
}
