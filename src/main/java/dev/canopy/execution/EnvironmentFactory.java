package dev.canopy.execution;

import dev.canopy.state.SubnetInfo;
import dev.canopy.wasm.ExecutionEnvironment;
import java.math.BigInteger;

/** Builds the {@link ExecutionEnvironment} a canister's code sees. */
public final class EnvironmentFactory {
  private final CyclesFees fees;
  private final byte[] rootKeyDer;

  /**
   * @param rootKeyDer what {@code ic0.root_key_*} returns: the root subnet's public key, DER
   */
  public EnvironmentFactory(CyclesFees fees, byte[] rootKeyDer) {
    this.fees = fees;
    this.rootKeyDer = rootKeyDer.clone();
  }

  /** The environment with {@code visibleBalance} as the canister's balance. */
  public ExecutionEnvironment environment(ReplicatedState state, Canister canister,
      BigInteger visibleBalance, long timeNs) {
    SubnetInfo own = state.ownSubnet();
    SystemState s = canister.system();
    return new ExecutionEnvironment(canister.id(), state.ownSubnetId(),
        Math.max(1, own.nodePublicKeysDer().size()), s.controllers(), s.status().code(),
        s.version(), Cycles.clamp(visibleBalance), fees.freezingLimit(canister),
        s.reservedBalance(), timeNs, rootKeyDer, s.settings().environmentVariables());
  }
}
