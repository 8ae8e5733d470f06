package dev.canopy.execution;

import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.CanisterState;
import java.util.Objects;

/** The code and memories of a non-empty canister. */
public record ExecutionState(CanisterModule module, CanisterState wasmState) {
  public ExecutionState {
    Objects.requireNonNull(module);
    Objects.requireNonNull(wasmState);
  }

  public ExecutionState withWasmState(CanisterState s) {
    return new ExecutionState(module, s);
  }

  /** Heap plus stable memory, for the idle burn rate and canister_status. */
  public long memorySizeBytes() {
    return wasmState.heap().sizeBytes() + wasmState.stableMemory().sizeBytes()
        + module.wasmSizeBytes();
  }
}
