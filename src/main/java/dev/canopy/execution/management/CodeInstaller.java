package dev.canopy.execution.management;

import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.types.CanisterId;
import dev.canopy.types.ErrorCode;
import dev.canopy.types.Principal;
import dev.canopy.wasm.CanisterModule;
import dev.canopy.wasm.CanisterState;
import dev.canopy.wasm.ExecutionEnvironment;
import dev.canopy.wasm.ExecutionResult;
import dev.canopy.wasm.InvalidModuleException;
import dev.canopy.wasm.WasmEngine;
import java.util.Objects;

/**
 * The code-changing part of {@code install_code}: checks the mode against the canister, validates
 * the module, checks the upgrade options and runs the install or upgrade on the engine. Pure: it
 * returns the new module and state, or throws a {@link ManagementReject}; the caller applies the
 * result (and only then bumps the version and records history), so a reject changes nothing.
 */
public final class CodeInstaller {
  /** The custom section a module declares when it uses enhanced orthogonal persistence. */
  static final String ENHANCED_ORTHOGONAL_PERSISTENCE = "enhanced-orthogonal-persistence";

  private final WasmEngine engine;

  public CodeInstaller(WasmEngine engine) {
    this.engine = Objects.requireNonNull(engine, "engine");
  }

  /** What a successful install leaves: the module, its state and the execution that made it. */
  public record Installed(CanisterModule module, CanisterState state, ExecutionResult execution) {}

  /**
   * Installs, reinstalls or upgrades.
   *
   * @param currentModule the installed module, or null when the canister is empty
   * @param currentState the canister's state (ignored when empty)
   * @param env the environment of the new code, with the canister version it will have
   * @throws ManagementReject IC0514 installing on a non-empty canister, IC0537 upgrading an empty
   *     one, IC0505 for an invalid module, IC0504 for bad upgrade options, and the trap's own code
   *     when {@code (start)}, init, pre- or post-upgrade trap
   */
  public Installed install(CanisterId canisterId, CanisterModule currentModule,
      CanisterState currentState, InstallMode mode, byte[] wasmModule, byte[] arg,
      Principal caller, ExecutionEnvironment env) {
    if (mode instanceof InstallMode.Install && currentModule != null) {
      throw new ManagementReject(ErrorCode.CANISTER_NON_EMPTY, "Canister " + canisterId
          + " cannot be installed because the canister is not empty. Try installing with"
          + " mode='reinstall' instead.");
    }
    if (mode instanceof InstallMode.Upgrade && currentModule == null) {
      throw new ManagementReject(ErrorCode.CANISTER_WASM_MODULE_NOT_FOUND, "Error from Canister "
          + canisterId + ": Attempted to execute a message, but the canister contains no Wasm"
          + " module.");
    }
    CanisterModule module;
    try {
      module = engine.load(wasmModule);
    } catch (InvalidModuleException e) {
      throw new ManagementReject(ErrorCode.CANISTER_INVALID_WASM, "Error from Canister "
          + canisterId + ": Canister's Wasm module is not valid: " + e.getMessage());
    }
    ExecutionResult result;
    if (mode instanceof InstallMode.Upgrade u) {
      checkUpgradeOptions(currentModule, module, u);
      result = engine.upgrade(currentModule, currentState, module,
          new WasmEngine.UpgradeArgs(arg, caller, u.skipsPreUpgrade(), env.canisterVersion()),
          env);
    } else {
      result = engine.install(module, new WasmEngine.InstallArgs(arg, caller), env);
    }
    if (result.trapped()) {
      ExecutionResult.Trap trap = result.trap().orElseThrow();
      throw new ManagementReject(trap.code(),
          "Error from Canister " + canisterId + ": " + trap.message());
    }
    return new Installed(module, result.state(), result);
  }

  /**
   * Note: spec "IC method install_code" and "Canister upgrades": {@code keep} requires the new
   * module to declare enhanced orthogonal persistence, and a module that declares it must be
   * upgraded with an explicit {@code wasm_memory_persistence}. Keeping the heap needs 64-bit
   * memory, which this replica does not run, so {@code keep} is refused with a reason.
   */
  private static void checkUpgradeOptions(CanisterModule oldModule, CanisterModule newModule,
      InstallMode.Upgrade u) {
    if (u.keepWasmMemory() == null && usesEnhancedPersistence(oldModule)) {
      throw ManagementReject.contractViolation("Missing upgrade option: Enhanced orthogonal"
          + " persistence requires the `wasm_memory_persistence` upgrade option.");
    }
    if (Boolean.TRUE.equals(u.keepWasmMemory())) {
      if (!usesEnhancedPersistence(newModule)) {
        throw ManagementReject.contractViolation("Invalid upgrade option: The"
            + " `wasm_memory_persistence: opt keep` upgrade option requires that the new canister"
            + " module supports enhanced orthogonal persistence.");
      }
      throw ManagementReject.contractViolation("Invalid upgrade option:"
          + " `wasm_memory_persistence: opt keep` is not supported by this replica: enhanced"
          + " orthogonal persistence keeps a 64-bit Wasm memory (memory64), which this replica"
          + " does not run. Build the canister with classic persistence (moc"
          + " --legacy-persistence) and upgrade with stable memory.");
    }
  }

  static boolean usesEnhancedPersistence(CanisterModule module) {
    return module.privateMetadata(ENHANCED_ORTHOGONAL_PERSISTENCE).isPresent()
        || module.publicMetadata(ENHANCED_ORTHOGONAL_PERSISTENCE).isPresent();
  }
}
