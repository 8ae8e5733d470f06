package dev.canopy.state;

import dev.canopy.types.Principal;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the state tree shows of one canister under {@code /canister/<cid>} (spec "Certified data",
 * "Canister information"). Immutable and compared by value: the tree builder re-hashes a canister
 * only when this changes, so the execution layer should keep one instance per canister and replace
 * it when a certified field changes.
 *
 * @param certifiedData at most 32 bytes, set by {@code ic0.certified_data_set}
 * @param moduleHash SHA-256 of the installed module as uploaded; empty for an empty canister
 * @param controllers in the order the state keeps them (the spec lets it vary)
 * @param metadata custom sections by name (the part after {@code icp:public } / {@code icp:private })
 * @param creationTimestampNanos absent if the canister predates the record
 * @param lastInstallTimestampNanos absent if the canister is empty
 */
public record CanisterCertifiedState(
    byte[] certifiedData,
    Optional<byte[]> moduleHash,
    List<Principal> controllers,
    SortedMap<String, MetadataSection> metadata,
    OptionalLong creationTimestampNanos,
    OptionalLong lastInstallTimestampNanos) {
  public static final int MAX_CERTIFIED_DATA_BYTES = 32;
  public static final int MODULE_HASH_BYTES = 32;

  public CanisterCertifiedState {
    if (certifiedData.length > MAX_CERTIFIED_DATA_BYTES) {
      throw new IllegalArgumentException(
          "certified data has at most " + MAX_CERTIFIED_DATA_BYTES + " bytes, got "
              + certifiedData.length);
    }
    certifiedData = certifiedData.clone();
    moduleHash = moduleHash.map(byte[]::clone);
    moduleHash.ifPresent(
        h -> {
          if (h.length != MODULE_HASH_BYTES) {
            throw new IllegalArgumentException("a module hash has 32 bytes, got " + h.length);
          }
        });
    controllers = List.copyOf(controllers);
    metadata = Collections.unmodifiableSortedMap(new TreeMap<>(metadata));
    Objects.requireNonNull(creationTimestampNanos, "creationTimestampNanos");
    Objects.requireNonNull(lastInstallTimestampNanos, "lastInstallTimestampNanos");
  }

  /** A canister that was just created, with no code and no certified data. */
  public static CanisterCertifiedState empty(List<Principal> controllers, long createdAtNanos) {
    return new CanisterCertifiedState(
        new byte[0],
        Optional.empty(),
        controllers,
        new TreeMap<>(),
        OptionalLong.of(createdAtNanos),
        OptionalLong.empty());
  }

  @Override
  public byte[] certifiedData() {
    return certifiedData.clone();
  }

  byte[] rawCertifiedData() {
    return certifiedData;
  }

  @Override
  public Optional<byte[]> moduleHash() {
    return moduleHash.map(byte[]::clone);
  }

  Optional<byte[]> rawModuleHash() {
    return moduleHash;
  }

  public boolean isController(Principal p) {
    return controllers.contains(p);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof CanisterCertifiedState c
        && Arrays.equals(certifiedData, c.certifiedData)
        && Arrays.equals(moduleHash.orElse(null), c.moduleHash.orElse(null))
        && controllers.equals(c.controllers)
        && metadata.equals(c.metadata)
        && creationTimestampNanos.equals(c.creationTimestampNanos)
        && lastInstallTimestampNanos.equals(c.lastInstallTimestampNanos);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        Arrays.hashCode(certifiedData),
        Arrays.hashCode(moduleHash.orElse(null)),
        controllers,
        metadata,
        creationTimestampNanos,
        lastInstallTimestampNanos);
  }

  @Override
  public String toString() {
    return "CanisterCertifiedState(controllers " + controllers + ", module "
        + (moduleHash.isPresent() ? "installed" : "empty") + ", " + metadata.size()
        + " metadata sections)";
  }
}
