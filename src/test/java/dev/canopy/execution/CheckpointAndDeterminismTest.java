package dev.canopy.execution;

import static dev.canopy.execution.ExecutionTestSupport.RANDOMNESS;
import static dev.canopy.execution.ExecutionTestSupport.SECOND_NS;
import static dev.canopy.execution.ExecutionTestSupport.T;
import static dev.canopy.execution.ExecutionTestSupport.bytes;
import static dev.canopy.execution.ExecutionTestSupport.createAndInstall;
import static dev.canopy.execution.ExecutionTestSupport.engine;
import static dev.canopy.execution.ExecutionTestSupport.forwardArg;
import static dev.canopy.execution.ExecutionTestSupport.forwardManyArg;
import static dev.canopy.execution.ExecutionTestSupport.genesis;
import static dev.canopy.execution.ExecutionTestSupport.le64;
import static dev.canopy.execution.ExecutionTestSupport.testCanister;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.canopy.state.EffectiveId;
import dev.canopy.types.RequestId;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Hashing;
import dev.canopy.types.Hex;
import dev.canopy.types.InvalidInputException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The state hash and checkpoints: the same batches give the same hash on fresh states, a
 * checkpoint restores the same state, and execution continues identically from it.
 */
class CheckpointAndDeterminismTest {
  private static final String[] METHODS = {"inc", "echo", "trap", "noreply", "append", "reject",
      "forward", "forward_many", "accept", "set_certified", "set_timer", "q_inc"};

  private static ReplicatedState initial() {
    ReplicatedState s = genesis();
    for (int i = 0; i < 4; i++) {
      s = createAndInstall(s, testCanister(), T.multiply(BigInteger.valueOf(10)));
    }
    return s;
  }

  /** Seeded batches of mixed messages, with request ids that depend only on the seed. */
  private static List<Batch> batches(long seed, ReplicatedState s, int count) {
    Random rnd = new Random(seed);
    List<CanisterId> ids = new ArrayList<>(s.canisters().keySet());
    List<Batch> out = new ArrayList<>();
    long time = s.batchTimeNs();
    int n = 0;
    for (int h = 1; h <= count; h++) {
      time += SECOND_NS;
      List<IngressMessage> msgs = new ArrayList<>();
      int k = rnd.nextInt(6);
      for (int i = 0; i < k; i++) {
        CanisterId target = ids.get(rnd.nextInt(ids.size()));
        CanisterId other = ids.get(rnd.nextInt(ids.size()));
        String method = METHODS[rnd.nextInt(METHODS.length)];
        byte[] arg = switch (method) {
          case "forward" -> forwardArg(other, rnd.nextBoolean() ? "inc" : "accept", 500,
              le64(rnd.nextInt(1000)));
          case "forward_many" -> forwardManyArg(other, 1 + rnd.nextInt(5));
          case "accept", "set_timer" -> le64(method.equals("set_timer")
              ? time + rnd.nextInt(5) * SECOND_NS : rnd.nextInt(100));
          default -> bytes("m" + rnd.nextInt(100));
        };
        byte[] rid = Hashing.sha256(bytes(seed + "/" + (n++)));
        msgs.add(new IngressMessage(RequestId.fromBytes(rid), ExecutionTestSupport.USER, target,
            method, arg, time + 300 * SECOND_NS, EffectiveId.canister(target)));
      }
      byte[] randomness = Arrays.copyOf(Hashing.sha256(bytes("beacon " + h)), 32);
      out.add(new Batch(s.height() + h, time, randomness, msgs));
    }
    return out;
  }

  private static List<String> run(RoundExecutor ex, ReplicatedState s, List<Batch> batches) {
    List<String> hashes = new ArrayList<>();
    for (Batch b : batches) {
      s = ex.executeRound(s, b).state();
      hashes.add(Hex.encode(s.stateHash()));
    }
    return hashes;
  }

  @Test
  void twoFreshStatesFedTheSameBatchesHaveTheSameHashAtEveryHeight() {
    long seed = 20_251_121L;
    RoundExecutor ex = ExecutionTestSupport.executor(CyclesFees.internetComputerDefaults());
    ReplicatedState first = initial();
    ReplicatedState second = initial();
    assertThat(second.stateHash()).as("seed %d", seed).isEqualTo(first.stateHash());
    List<Batch> batches = batches(seed, first, 12);
    List<String> a = run(ex, first, batches);
    List<String> b = run(ex, second, batches);
    assertThat(b).as("seed %d", seed).isEqualTo(a);
    assertThat(new java.util.HashSet<>(a)).as("the state changes").hasSizeGreaterThan(5);
  }

  /** Every cycle of the subnet: balances, consumed, and cycles in flight in calls and queues. */
  static BigInteger totalCycles(ReplicatedState s) {
    BigInteger total = s.consumedCyclesTotal();
    for (ManagementCall m : s.managementQueue()) {
      total = total.add(m.cycles());
    }
    for (Canister c : s.canisters().values()) {
      SystemState sys = c.system();
      total = total.add(sys.cyclesBalance()).add(sys.reservedBalance());
      for (CallContext ctx : sys.callContexts().contexts().values()) {
        total = total.add(ctx.availableCycles());
      }
      for (OutstandingCall cb : sys.callContexts().callbacks().values()) {
        total = total.add(cb.reservedCycles());
      }
      for (List<CanisterMessage> q : sys.inputQueues().queues().values()) {
        for (CanisterMessage m : q) {
          if (m instanceof CanisterMessage.Request r) {
            total = total.add(r.cycles());
          } else if (m instanceof CanisterMessage.Response r) {
            total = total.add(r.refundCycles());
          }
        }
      }
    }
    return total;
  }

  @Test
  void cyclesAreConservedAcrossRoundsWithCallsInFlight() {
    long seed = 99L;
    RoundExecutor ex = RoundExecutor.builder().withEngine(engine())
        .withFees(CyclesFees.internetComputerDefaults())
        .withLimits(RoundLimits.defaults().withInstructionsPerRound(50_000)).build();
    ReplicatedState s = initial();
    BigInteger total = totalCycles(s);
    for (Batch b : batches(seed, s, 14)) {
      s = ex.executeRound(s, b).state();
      assertThat(totalCycles(s)).as("seed %d, height %d", seed, s.height()).isEqualTo(total);
    }
  }

  @Test
  void aCheckpointRestoresTheSameStateAndExecutionContinuesIdentically() {
    long seed = 77L;
    // A small round budget leaves messages queued and calls open across the checkpoint.
    RoundExecutor ex = RoundExecutor.builder().withEngine(engine())
        .withFees(CyclesFees.internetComputerDefaults())
        .withLimits(RoundLimits.defaults().withInstructionsPerRound(20_000)).build();
    ReplicatedState s = initial();
    List<Batch> all = batches(seed, s, 16);
    for (Batch b : all.subList(0, 8)) {
      s = ex.executeRound(s, b).state();
    }
    byte[] checkpoint = StateCodec.serialize(s);
    ReplicatedState restored = StateCodec.deserialize(checkpoint, engine());
    assertThat(restored.stateHash()).as("seed %d", seed).isEqualTo(s.stateHash());
    assertThat(StateCodec.serialize(restored)).isEqualTo(checkpoint);
    assertThat(restored.height()).isEqualTo(s.height());
    assertThat(restored.ingressHistory().entries()).isEqualTo(s.ingressHistory().entries());

    List<Batch> rest = all.subList(8, all.size());
    assertThat(run(ex, restored, rest)).as("seed %d", seed).isEqualTo(run(ex, s, rest));
  }

  @Test
  void theHashCoversMemoryContents() {
    ReplicatedState s = initial();
    CanisterId a = s.canisters().firstKey();
    RoundExecutor ex = ExecutionTestSupport.executor();
    ReplicatedState afterInc = ex.executeRound(s, new Batch(1, s.batchTimeNs() + SECOND_NS,
        RANDOMNESS, List.of(ExecutionTestSupport.ingress(a, "inc", new byte[0])))).state();
    ReplicatedState afterEcho = ex.executeRound(s, new Batch(1, s.batchTimeNs() + SECOND_NS,
        RANDOMNESS, List.of())).state();
    assertThat(afterInc.stateHash()).isNotEqualTo(afterEcho.stateHash());
  }

  @Test
  void corruptedCheckpointsFailWithATypedError() {
    ReplicatedState s = initial();
    byte[] checkpoint = StateCodec.serialize(s);
    assertThatThrownBy(() -> StateCodec.deserialize(
        Arrays.copyOf(checkpoint, checkpoint.length / 2), engine()))
        .isInstanceOf(StateCodec.CheckpointFormatException.class);
    assertThatThrownBy(() -> StateCodec.deserialize(bytes("not a checkpoint"), engine()))
        .isInstanceOf(StateCodec.CheckpointFormatException.class);
    byte[] pageFlipped = checkpoint.clone();
    pageFlipped[checkpoint.length - 200] ^= 1;
    assertThatThrownBy(() -> StateCodec.deserialize(pageFlipped, engine()))
        .isInstanceOf(StateCodec.CheckpointFormatException.class)
        .hasMessageContaining("checksum");
    long seed = 4242L;
    Random rnd = new Random(seed);
    // Flip bytes in the part before the memories (ids, counts, lengths, tags).
    int prefix = Math.min(checkpoint.length, 4096);
    for (int i = 0; i < 200; i++) {
      byte[] bad = checkpoint.clone();
      int at = rnd.nextInt(prefix);
      bad[at] = (byte) rnd.nextInt(256);
      try {
        StateCodec.deserialize(bad, engine());
      } catch (InvalidInputException expected) {
        // a typed error is fine
      } catch (RuntimeException | OutOfMemoryError e) {
        fail("seed " + seed + ", byte " + at + ": " + e, e);
      }
    }
  }
}
