package dev.canopy.wasm;

import dev.canopy.types.Hex;
import java.util.Arrays;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * A validated canister module: its hash, its decompressed bytes, the methods and hooks it exports
 * and its {@code icp:public} / {@code icp:private} custom sections. Made by {@link
 * ModuleValidator}; immutable.
 */
public final class CanisterModule {
  private final byte[] moduleHash;
  private final byte[] wasm;
  private final SortedSet<String> updateMethods;
  private final SortedSet<String> queryMethods;
  private final SortedSet<String> compositeQueryMethods;
  private final SortedSet<String> hooks;
  private final SortedMap<String, byte[]> publicSections;
  private final SortedMap<String, byte[]> privateSections;
  private final long startFunction;

  CanisterModule(
      byte[] moduleHash,
      byte[] wasm,
      SortedSet<String> updateMethods,
      SortedSet<String> queryMethods,
      SortedSet<String> compositeQueryMethods,
      SortedSet<String> hooks,
      SortedMap<String, byte[]> publicSections,
      SortedMap<String, byte[]> privateSections,
      long startFunction) {
    this.moduleHash = moduleHash.clone();
    this.wasm = wasm;
    this.updateMethods = Collections.unmodifiableSortedSet(updateMethods);
    this.queryMethods = Collections.unmodifiableSortedSet(queryMethods);
    this.compositeQueryMethods = Collections.unmodifiableSortedSet(compositeQueryMethods);
    this.hooks = Collections.unmodifiableSortedSet(hooks);
    this.publicSections = Collections.unmodifiableSortedMap(publicSections);
    this.privateSections = Collections.unmodifiableSortedMap(privateSections);
    this.startFunction = startFunction;
  }

  /** SHA-256 of the module exactly as uploaded (gzipped or not), as {@code module_hash} reports. */
  public byte[] moduleHash() {
    return moduleHash.clone();
  }

  public String moduleHashHex() {
    return Hex.encode(moduleHash);
  }

  /** The Wasm binary after decompression. */
  public byte[] wasm() {
    return wasm.clone();
  }

  /** Size of the decompressed Wasm binary. */
  public int wasmSizeBytes() {
    return wasm.length;
  }

  byte[] wasmBytesShared() {
    return wasm;
  }

  public SortedSet<String> updateMethods() {
    return updateMethods;
  }

  public SortedSet<String> queryMethods() {
    return queryMethods;
  }

  public SortedSet<String> compositeQueryMethods() {
    return compositeQueryMethods;
  }

  /** Whether the module exports the given hook, e.g. {@code canister_init}. */
  public boolean exportsHook(String exportName) {
    return hooks.contains(exportName);
  }

  /** The kind of method this module exports under the name, if any. */
  public Optional<MethodKind> methodKind(String method) {
    if (updateMethods.contains(method)) {
      return Optional.of(MethodKind.UPDATE);
    }
    if (queryMethods.contains(method)) {
      return Optional.of(MethodKind.QUERY);
    }
    if (compositeQueryMethods.contains(method)) {
      return Optional.of(MethodKind.COMPOSITE_QUERY);
    }
    return Optional.empty();
  }

  /** Names of the {@code icp:public <name>} sections, readable by anyone via read_state. */
  public SortedSet<String> publicMetadataNames() {
    return Collections.unmodifiableSortedSet(new java.util.TreeSet<>(publicSections.keySet()));
  }

  /** Names of the {@code icp:private <name>} sections, readable by controllers only. */
  public SortedSet<String> privateMetadataNames() {
    return Collections.unmodifiableSortedSet(new java.util.TreeSet<>(privateSections.keySet()));
  }

  /** The content of {@code icp:public <name>}. */
  public Optional<byte[]> publicMetadata(String name) {
    return Optional.ofNullable(publicSections.get(name)).map(byte[]::clone);
  }

  /** The content of {@code icp:private <name>}. */
  public Optional<byte[]> privateMetadata(String name) {
    return Optional.ofNullable(privateSections.get(name)).map(byte[]::clone);
  }

  /** The {@code (start)} function's index, or -1. */
  long startFunction() {
    return startFunction;
  }

  @Override
  public String toString() {
    return "CanisterModule[" + moduleHashHex() + ", " + wasm.length + " bytes]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CanisterModule m && Arrays.equals(m.moduleHash, moduleHash);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(moduleHash);
  }
}
