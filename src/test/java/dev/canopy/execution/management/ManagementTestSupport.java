package dev.canopy.execution.management;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.canopy.execution.CallOrigin;
import dev.canopy.execution.CallOutcome;
import dev.canopy.execution.CyclesFees;
import dev.canopy.execution.EnvironmentFactory;
import dev.canopy.execution.ManagementCall;
import dev.canopy.execution.ManagementContext;
import dev.canopy.execution.ManagementOutcome;
import dev.canopy.execution.ReplicatedState;
import dev.canopy.types.CanisterIdRange;
import dev.canopy.state.IngressHistorySettings;
import dev.canopy.types.RequestId;
import dev.canopy.state.SubnetInfo;
import dev.canopy.state.SubnetType;
import dev.canopy.types.CanisterId;
import dev.canopy.types.NodeId;
import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import dev.canopy.wasm.WasmEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** A one-subnet state, a management context, callers, WAT and Motoko modules for the tests. */
final class ManagementTestSupport {
  static final Principal ALICE = Principal.selfAuthenticating(new byte[] {1, 1, 1});
  static final Principal BOB = Principal.selfAuthenticating(new byte[] {2, 2, 2});
  static final SubnetId SUBNET = new SubnetId(Principal.selfAuthenticating(new byte[] {9, 9}));
  static final CanisterIdRange RANGE =
      new CanisterIdRange(CanisterId.fromIndex(0x100), CanisterId.fromIndex(0x1ff));
  static final long TIME_NS = 1_700_000_000_000_000_000L;
  static final byte[] RANDOMNESS = new byte[32];
  static final CyclesFees FEES = CyclesFees.internetComputerDefaults();
  static final BigInteger T = BigInteger.valueOf(1_000_000_000_000L);

  private static WasmEngine engine;

  private ManagementTestSupport() {}

  /** One engine for all management tests, so each module compiles once; its threads are daemons. */
  static synchronized WasmEngine engine() {
    if (engine == null) {
      engine = WasmEngine.builder().withExecutionThreads(1).build();
    }
    return engine;
  }

  static ReplicatedState genesis() {
    TreeMap<NodeId, byte[]> nodes = new TreeMap<>();
    nodes.put(new NodeId(Principal.selfAuthenticating(new byte[] {7})), new byte[44]);
    SubnetInfo info = new SubnetInfo(SubnetType.APPLICATION, new byte[133], List.of(RANGE),
        nodes, Optional.empty());
    TreeMap<SubnetId, SubnetInfo> subnets = new TreeMap<>();
    subnets.put(SUBNET, info);
    return ReplicatedState.genesis(SUBNET, subnets, IngressHistorySettings.DEFAULT)
        .withBatch(1, TIME_NS);
  }

  static ManagementContext context(long callIndex) {
    return new ManagementContext(TIME_NS, 1, RANDOMNESS, callIndex, engine(), FEES,
        new EnvironmentFactory(FEES, new byte[] {0x30, 0x00}));
  }

  static ManagementContext context() {
    return context(0);
  }

  static RequestId requestId(int n) {
    byte[] b = new byte[32];
    b[0] = (byte) n;
    b[1] = (byte) (n >> 8);
    return RequestId.fromBytes(b);
  }

  /** An ingress call from {@code user}. */
  static ManagementCall ingress(Principal user, String method, byte[] arg) {
    return new ManagementCall(user, method, arg, BigInteger.ZERO,
        new CallOrigin.Ingress(requestId(method.hashCode() & 0xffff), user), Optional.empty());
  }

  /** A call from canister {@code from} with attached cycles. */
  static ManagementCall fromCanister(CanisterId from, String method, byte[] arg,
      BigInteger cycles) {
    return new ManagementCall(from.principal(), method, arg, cycles,
        new CallOrigin.Canister(from, 3), Optional.empty());
  }

  static byte[] wat(String text) {
    return Wat2Wasm.parse(text);
  }

  static byte[] motoko(String name) {
    try (InputStream in =
        ManagementTestSupport.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      if (in == null) {
        throw new IllegalStateException("no fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] replyOf(ManagementOutcome out) {
    CallOutcome o = out.outcome().orElseThrow(() -> new AssertionError("no answer"));
    if (o instanceof CallOutcome.Reject r) {
      throw new AssertionError("rejected: " + r.errorCode() + " " + r.message());
    }
    return ((CallOutcome.Reply) o).payload();
  }

  static CallOutcome.Reject rejectOf(ManagementOutcome out) {
    CallOutcome o = out.outcome().orElseThrow(() -> new AssertionError("no answer"));
    if (o instanceof CallOutcome.Reject r) {
      return r;
    }
    throw new AssertionError("replied, expected a reject");
  }
}
