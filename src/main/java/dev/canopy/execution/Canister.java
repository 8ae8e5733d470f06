package dev.canopy.execution;

import dev.canopy.state.CanisterCertifiedState;
import dev.canopy.state.MetadataSection;
import dev.canopy.types.CanisterId;
import dev.canopy.wasm.CanisterModule;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/** A canister: its id, its system state, and its code and memories unless it is empty. */
public record Canister(CanisterId id, SystemState system, Optional<ExecutionState> execution) {
  public Canister {
    Objects.requireNonNull(id);
    Objects.requireNonNull(system);
    Objects.requireNonNull(execution);
  }

  /** A new, empty canister. */
  public static Canister created(CanisterId id, SystemState system) {
    return new Canister(id, system, Optional.empty());
  }

  public boolean isEmpty() {
    return execution.isEmpty();
  }

  public Canister withSystem(SystemState s) {
    return new Canister(id, s, execution);
  }

  public Canister withExecution(Optional<ExecutionState> e) {
    return new Canister(id, system, e);
  }

  public Optional<CanisterModule> module() {
    return execution.map(ExecutionState::module);
  }

  /** The certified data (empty for an empty canister). */
  public byte[] certifiedData() {
    return execution.map(e -> e.wasmState().certifiedData()).orElse(new byte[0]);
  }

  /** The global timer in ns, 0 when inactive or empty. */
  public long globalTimerNs() {
    return execution.map(e -> e.wasmState().globalTimerNs()).orElse(0L);
  }

  /** Bytes of heap, stable memory and module; 0 for an empty canister. */
  public long memorySizeBytes() {
    return execution.map(ExecutionState::memorySizeBytes).orElse(0L)
        + system.chunkStore().sizeBytes();
  }

  /** What the certified state tree shows at {@code /canister/<id>}. */
  public CanisterCertifiedState certifiedState() {
    TreeMap<String, MetadataSection> metadata = new TreeMap<>();
    Optional<CanisterModule> m = module();
    m.ifPresent(mod -> {
      for (String n : mod.publicMetadataNames()) {
        metadata.put(n, MetadataSection.publicSection(mod.publicMetadata(n).orElseThrow()));
      }
      for (String n : mod.privateMetadataNames()) {
        metadata.put(n, MetadataSection.privateSection(mod.privateMetadata(n).orElseThrow()));
      }
    });
    return new CanisterCertifiedState(certifiedData(), m.map(CanisterModule::moduleHash),
        system.controllers(), metadata, OptionalLong.of(system.creationTimeNs()),
        m.isPresent() ? system.lastInstallTimeNs() : OptionalLong.empty());
  }
}
