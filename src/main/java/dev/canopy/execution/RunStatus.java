package dev.canopy.execution;

import dev.canopy.wasm.CanisterStatus;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;

/** Running, stopping (with the stop_canister calls waiting for it) or stopped (spec §"Canister status"). */
public sealed interface RunStatus {
  RunStatus RUNNING = new Running();
  RunStatus STOPPED = new Stopped();

  CanisterStatus code();

  record Running() implements RunStatus {
    @Override
    public CanisterStatus code() {
      return CanisterStatus.RUNNING;
    }
  }

  /** Stopping; each pending stop_canister call is answered when the canister is stopped. */
  record Stopping(List<PendingStop> pendingStops) implements RunStatus {
    public Stopping {
      pendingStops = List.copyOf(pendingStops);
    }

    @Override
    public CanisterStatus code() {
      return CanisterStatus.STOPPING;
    }
  }

  record Stopped() implements RunStatus {
    @Override
    public CanisterStatus code() {
      return CanisterStatus.STOPPED;
    }
  }

  /** A stop_canister call waiting for its answer, and the cycles it attached (refunded). */
  record PendingStop(CallOrigin origin, BigInteger cycles) {
    public PendingStop {
      Objects.requireNonNull(origin);
      Cycles.require(cycles, "cycles");
    }
  }
}
