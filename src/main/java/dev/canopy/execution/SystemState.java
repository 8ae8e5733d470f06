package dev.canopy.execution;

import dev.canopy.types.Principal;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * What the system keeps for a canister besides its code and memories (spec "Abstract canisters":
 * controllers, balances, status, settings, version, history, logs, chunk store, call contexts and
 * queues). Immutable; the {@code with…} methods return changed copies.
 *
 * @param cyclesBalance the main balance
 * @param reservedBalance cycles reserved for future resource payments
 * @param version incremented on each successful execution that changes state and on every
 *     management change (spec "Canister version")
 * @param lastInstallTimeNs empty while the canister has never had code
 */
public record SystemState(
    List<Principal> controllers,
    RunStatus status,
    BigInteger cyclesBalance,
    BigInteger reservedBalance,
    CanisterSettings settings,
    long version,
    CanisterHistory history,
    long creationTimeNs,
    OptionalLong lastInstallTimeNs,
    ChunkStore chunkStore,
    CanisterLog log,
    CallContextManager callContexts,
    InputQueues inputQueues) {
  public static final int MAX_CONTROLLERS = 10;

  public SystemState {
    controllers = List.copyOf(controllers);
    if (controllers.size() > MAX_CONTROLLERS) {
      throw new IllegalArgumentException("a canister has at most " + MAX_CONTROLLERS
          + " controllers");
    }
    Objects.requireNonNull(status);
    Cycles.require(cyclesBalance, "balance");
    Cycles.require(reservedBalance, "reserved balance");
    Objects.requireNonNull(settings);
    Objects.requireNonNull(history);
    Objects.requireNonNull(lastInstallTimeNs);
    Objects.requireNonNull(chunkStore);
    Objects.requireNonNull(log);
    Objects.requireNonNull(callContexts);
    Objects.requireNonNull(inputQueues);
  }

  /** A new canister's system state: running, version 0, nothing open. */
  public static SystemState created(List<Principal> controllers, BigInteger cycles,
      CanisterSettings settings, long creationTimeNs) {
    return new SystemState(controllers, RunStatus.RUNNING, cycles, BigInteger.ZERO, settings, 0,
        CanisterHistory.EMPTY, creationTimeNs, OptionalLong.empty(), ChunkStore.EMPTY,
        CanisterLog.EMPTY, CallContextManager.EMPTY, InputQueues.EMPTY);
  }

  public SystemState withControllers(List<Principal> v) {
    return new SystemState(v, status, cyclesBalance, reservedBalance, settings, version, history,
        creationTimeNs, lastInstallTimeNs, chunkStore, log, callContexts, inputQueues);
  }

  public SystemState withStatus(RunStatus v) {
    return new SystemState(controllers, v, cyclesBalance, reservedBalance, settings, version,
        history, creationTimeNs, lastInstallTimeNs, chunkStore, log, callContexts, inputQueues);
  }

  public SystemState withCyclesBalance(BigInteger v) {
    return new SystemState(controllers, status, v, reservedBalance, settings, version, history,
        creationTimeNs, lastInstallTimeNs, chunkStore, log, callContexts, inputQueues);
  }

  public SystemState withReservedBalance(BigInteger v) {
    return new SystemState(controllers, status, cyclesBalance, v, settings, version, history,
        creationTimeNs, lastInstallTimeNs, chunkStore, log, callContexts, inputQueues);
  }

  public SystemState withSettings(CanisterSettings v) {
    return new SystemState(controllers, status, cyclesBalance, reservedBalance, v, version,
        history, creationTimeNs, lastInstallTimeNs, chunkStore, log, callContexts, inputQueues);
  }

  public SystemState withVersion(long v) {
    return new SystemState(controllers, status, cyclesBalance, reservedBalance, settings, v,
        history, creationTimeNs, lastInstallTimeNs, chunkStore, log, callContexts, inputQueues);
  }

  public SystemState withHistory(CanisterHistory v) {
    return new SystemState(controllers, status, cyclesBalance, reservedBalance, settings, version,
        v, creationTimeNs, lastInstallTimeNs, chunkStore, log, callContexts, inputQueues);
  }

  public SystemState withLastInstallTimeNs(OptionalLong v) {
    return new SystemState(controllers, status, cyclesBalance, reservedBalance, settings, version,
        history, creationTimeNs, v, chunkStore, log, callContexts, inputQueues);
  }

  public SystemState withChunkStore(ChunkStore v) {
    return new SystemState(controllers, status, cyclesBalance, reservedBalance, settings, version,
        history, creationTimeNs, lastInstallTimeNs, v, log, callContexts, inputQueues);
  }

  public SystemState withLog(CanisterLog v) {
    return new SystemState(controllers, status, cyclesBalance, reservedBalance, settings, version,
        history, creationTimeNs, lastInstallTimeNs, chunkStore, v, callContexts, inputQueues);
  }

  public SystemState withCallContexts(CallContextManager v) {
    return new SystemState(controllers, status, cyclesBalance, reservedBalance, settings, version,
        history, creationTimeNs, lastInstallTimeNs, chunkStore, log, v, inputQueues);
  }

  public SystemState withInputQueues(InputQueues v) {
    return new SystemState(controllers, status, cyclesBalance, reservedBalance, settings, version,
        history, creationTimeNs, lastInstallTimeNs, chunkStore, log, callContexts, v);
  }

  /** Balance plus {@code cycles}, saturating. */
  public SystemState credit(BigInteger cycles) {
    return withCyclesBalance(Cycles.add(cyclesBalance, cycles));
  }

  /** Balance minus {@code cycles}, at least 0. */
  public SystemState debit(BigInteger cycles) {
    return withCyclesBalance(Cycles.subtract(cyclesBalance, cycles));
  }

  public boolean isController(Principal p) {
    return controllers.contains(p);
  }
}
