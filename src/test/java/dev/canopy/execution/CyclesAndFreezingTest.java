package dev.canopy.execution;

import static dev.canopy.execution.ExecutionTestSupport.T;
import static dev.canopy.execution.ExecutionTestSupport.createAndInstall;
import static dev.canopy.execution.ExecutionTestSupport.executor;
import static dev.canopy.execution.ExecutionTestSupport.forwardArg;
import static dev.canopy.execution.ExecutionTestSupport.genesis;
import static dev.canopy.execution.ExecutionTestSupport.ingress;
import static dev.canopy.execution.ExecutionTestSupport.lastCanister;
import static dev.canopy.execution.ExecutionTestSupport.le64;
import static dev.canopy.execution.ExecutionTestSupport.readLe32;
import static dev.canopy.execution.ExecutionTestSupport.readLe64;
import static dev.canopy.execution.ExecutionTestSupport.round;
import static dev.canopy.execution.ExecutionTestSupport.status;
import static dev.canopy.execution.ExecutionTestSupport.testCanister;
import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.state.RequestStatus;
import dev.canopy.types.CanisterId;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Attached cycles, refunds, execution fees and frozen canisters (spec "Canister cycles"). */
class CyclesAndFreezingTest {
  private static BigInteger balance(ReplicatedState s, CanisterId id) {
    return s.canister(id).orElseThrow().system().cyclesBalance();
  }

  @Test
  void attachedCyclesMoveAsAcceptedAndTheRestIsRefunded() {
    ReplicatedState s = genesis();
    s = createAndInstall(s, testCanister(), T.multiply(BigInteger.valueOf(100)));
    s = createAndInstall(s, testCanister(), T);
    CanisterId a = s.canisters().firstKey();
    CanisterId b = lastCanister(s);
    BigInteger a0 = balance(s, a);
    BigInteger b0 = balance(s, b);
    IngressMessage m = ingress(a, "forward", forwardArg(b, "accept", 1_000, le64(400)));
    RoundResult r = round(executor(), s, m);
    byte[] reply = ((RequestStatus.Replied) status(r.state(), m)).reply();
    assertThat(readLe64(reply, 0)).isEqualTo(400); // accepted128, low half
    assertThat(balance(r.state(), a)).isEqualTo(a0.subtract(BigInteger.valueOf(400)));
    assertThat(balance(r.state(), b)).isEqualTo(b0.add(BigInteger.valueOf(400)));
  }

  @Test
  void cyclesAttachedToARejectedCallComeBack() {
    ReplicatedState s = genesis();
    s = createAndInstall(s, testCanister(), T.multiply(BigInteger.valueOf(100)));
    CanisterId a = lastCanister(s);
    BigInteger a0 = balance(s, a);
    IngressMessage m = ingress(a, "forward",
        forwardArg(CanisterId.fromIndex(777), "accept", 5_000, le64(1)));
    RoundResult r = round(executor(), s, m);
    assertThat(readLe32(((RequestStatus.Replied) status(r.state(), m)).reply(), 0)).isEqualTo(3);
    assertThat(balance(r.state(), a)).isEqualTo(a0);
  }

  @Test
  void executionIsChargedAndCountedAsConsumed() {
    CyclesFees fees = CyclesFees.internetComputerDefaults();
    ReplicatedState s = genesis();
    s = createAndInstall(s, testCanister(), T.multiply(BigInteger.valueOf(100)));
    CanisterId a = lastCanister(s);
    BigInteger before = balance(s, a);
    IngressMessage m = ingress(a, "inc", new byte[0]);
    RoundResult r = round(executor(fees), s, m);
    assertThat(status(r.state(), m)).isInstanceOf(RequestStatus.Replied.class);
    BigInteger charged = before.subtract(balance(r.state(), a));
    assertThat(charged).isGreaterThanOrEqualTo(
        fees.executionCost(0).add(fees.ingressInductionCost(0)));
    assertThat(r.state().consumedCyclesTotal()).isEqualTo(charged);
  }

  @Test
  void aFrozenCanisterRejectsIngressWithSysTransient() {
    ReplicatedState s = genesis();
    s = createAndInstall(s, testCanister(), BigInteger.valueOf(1_000_000));
    IngressMessage m = ingress(lastCanister(s), "inc", new byte[0]);
    RoundResult r = round(executor(CyclesFees.internetComputerDefaults()), s, m);
    RequestStatus.Rejected e = (RequestStatus.Rejected) status(r.state(), m);
    assertThat(e.rejectCode()).isEqualTo(2);
    assertThat(e.errorCode()).contains("IC0207");
  }

  @Test
  void aFrozenCalleeRejectsCanisterCallsWithSysTransient() {
    ReplicatedState s = genesis();
    s = createAndInstall(s, testCanister(), T.multiply(BigInteger.valueOf(100)));
    CanisterId a = lastCanister(s);
    // 1 GiB allocated for a freezing threshold of 1000 years: far more than 1 T cycles.
    s = createAndInstall(s, testCanister(), T);
    CanisterId b = lastCanister(s);
    Canister cb = s.canister(b).get();
    s = s.withCanister(cb.withSystem(cb.system().withSettings(
        cb.system().settings().withFreezingThresholdSeconds(1000L * 365 * 86_400)
            .withMemoryAllocationBytes(1L << 30))));
    CyclesFees fees = CyclesFees.internetComputerDefaults();
    assertThat(fees.isFrozen(s.canister(b).get(), BigInteger.ZERO)).isTrue();
    IngressMessage m = ingress(a, "forward", forwardArg(b, "echo", 0, new byte[0]));
    RoundResult r = round(executor(fees), s, m);
    byte[] reply = ((RequestStatus.Replied) status(r.state(), m)).reply();
    assertThat(readLe32(reply, 0)).isEqualTo(2);
  }
}
