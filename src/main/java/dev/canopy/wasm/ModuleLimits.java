package dev.canopy.wasm;

/**
 * Limits on canister modules (spec "WebAssembly module requirements": the IC may reject modules
 * beyond them; the defaults are the IC's).
 */
public record ModuleLimits(
    long maxModuleBytes,
    int maxFunctions,
    int maxGlobals,
    int maxCustomSections,
    long maxCustomSectionBytes,
    int maxExportedMethods,
    long maxExportedMethodNameBytes) {

  public ModuleLimits {
    if (maxModuleBytes <= 0 || maxModuleBytes > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("maxModuleBytes must be in (0, 2 GiB)");
    }
  }

  /** 100 MiB decompressed, 50,000 functions, 1,000 globals, 16 custom sections (1 MiB), 1,000 methods (20,000 name bytes). */
  public static ModuleLimits internetComputerDefaults() {
    return new ModuleLimits(100L << 20, 50_000, 1_000, 16, 1L << 20, 1_000, 20_000);
  }
}
