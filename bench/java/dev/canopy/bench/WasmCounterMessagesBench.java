package dev.canopy.bench;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;
import dev.canopy.candid.CandidArgs;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.wasm.CanisterInput;
import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.CanisterState;
import dev.canopy.wasm.CanisterStatus;
import dev.canopy.wasm.ExecutionEnvironment;
import dev.canopy.wasm.ExecutionResult;
import dev.canopy.wasm.WasmEngine;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * A Motoko counter's {@code inc}, message after message, each committed as the replica commits
 * it (the next message runs on the state the last one left, on the engine's reused instance):
 * CPU time and bytes allocated per message, in the whole process. What the Wasm heap costs per
 * update apart from consensus and networking; run it once with earlier engine classes first on the
 * class path to compare.
 *
 * <p>Arguments: [warm-up messages] [messages per timed round] [rounds].
 */
public final class WasmCounterMessagesBench {
  private WasmCounterMessagesBench() {}

  public static void main(String[] args) throws IOException {
    int warmUp = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 4000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    byte[] wasm;
    try (InputStream in = WasmCounterMessagesBench.class.getResourceAsStream(
        "/motoko/counter.wasm")) {
      wasm = in.readAllBytes();
    }
    ExecutionEnvironment env = new ExecutionEnvironment(CanisterId.fromIndex(1),
        new SubnetId(Principal.fromBytes(new byte[] {1, 2})), 1, List.of(), CanisterStatus.RUNNING,
        0, BigInteger.TEN.pow(15), BigInteger.ZERO, BigInteger.ZERO, 1, new byte[0],
        new TreeMap<>());
    Principal user = Principal.fromBytes(new byte[] {3, 4});
    byte[] noArgs = CandidArgs.EMPTY.encode();
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    boolean branch = Arrays.stream(classFor("dev.canopy.wasm.PagedMemory").getDeclaredMethods())
        .anyMatch(m -> m.getName().equals("beginExecution"));
    try (WasmEngine engine = WasmEngine.builder().withExecutionThreads(1).build()) {
      CanisterModule module = engine.load(wasm);
      CanisterState[] state = {
          engine.install(module, new WasmEngine.InstallArgs(noArgs, user), env).state()};
      Runnable inc = () -> {
        ExecutionResult r = engine.execute(module, state[0],
            CanisterInput.MethodCall.update("inc", noArgs, user), env);
        if (r.trapped()) {
          throw new IllegalStateException(r.trap().get().message());
        }
        state[0] = r.state();
      };
      for (int i = 0; i < warmUp; i++) {
        inc.run();
      }
      double[] cpuUs = new double[rounds];
      double[] processCpuUs = new double[rounds];
      double[] bytes = new double[rounds];
      long gcCount0 = gcCount();
      long gcMs0 = gcMs();
      for (int r = 0; r < rounds; r++) {
        long[] ids = threads.getAllThreadIds();
        long cpu0 = sum(threads.getThreadCpuTime(ids));
        long alloc0 = sum(threads.getThreadAllocatedBytes(ids));
        long process0 = os.getProcessCpuTime();
        for (int i = 0; i < perRound; i++) {
          inc.run();
        }
        cpuUs[r] = (sum(threads.getThreadCpuTime(ids)) - cpu0) / 1e3 / perRound;
        bytes[r] = (double) (sum(threads.getThreadAllocatedBytes(ids)) - alloc0) / perRound;
        processCpuUs[r] = (os.getProcessCpuTime() - process0) / 1e3 / perRound;
      }
      System.out.printf(Locale.ROOT,
          "%s PagedMemory: %d warm-up, %d x %d messages; median per message: thread CPU %.1f us,"
              + " process CPU %.1f us, allocated %.0f bytes; %d young+old GCs, %d ms%n",
          branch ? "branch" : "main", warmUp, rounds, perRound, median(cpuUs),
          median(processCpuUs), median(bytes), gcCount() - gcCount0, gcMs() - gcMs0);
      System.out.printf(Locale.ROOT, "  rounds: CPU us %s, bytes %s%n", Arrays.toString(round(cpuUs)),
          Arrays.toString(round(bytes)));
      ExecutionResult get = engine.execute(module, state[0],
          CanisterInput.MethodCall.query("get", noArgs, user), env);
      if (get.response().orElseThrow() instanceof ExecutionResult.CallResponse.Reply reply) {
        System.out.println("  get -> " + java.util.HexFormat.of().formatHex(reply.payload()));
      }
    }
  }

  private static Class<?> classFor(String name) {
    try {
      return Class.forName(name);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long sum(long[] values) {
    long s = 0;
    for (long v : values) {
      s += Math.max(0, v);
    }
    return s;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static long[] round(double[] values) {
    return Arrays.stream(values).mapToLong(Math::round).toArray();
  }

  private static long gcCount() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
  }

  private static long gcMs() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
  }
}
