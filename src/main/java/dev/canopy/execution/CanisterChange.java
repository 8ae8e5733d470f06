package dev.canopy.execution;

import dev.canopy.types.Principal;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/** One entry of a canister's history ({@code change} in ic.did, returned by canister_info). */
public record CanisterChange(
    long timestampNs, long canisterVersion, Origin origin, Details details) {
  public CanisterChange {
    Objects.requireNonNull(origin);
    Objects.requireNonNull(details);
  }

  /** Who made the change ({@code change_origin}). */
  public sealed interface Origin {
    record FromUser(Principal userId) implements Origin {}

    record FromCanister(Principal canisterId, OptionalLong canisterVersion) implements Origin {}
  }

  /** What changed ({@code change_details}). */
  public sealed interface Details {
    record Creation(List<Principal> controllers, Optional<byte[]> environmentVariablesHash)
        implements Details {
      public Creation {
        controllers = List.copyOf(controllers);
        environmentVariablesHash = environmentVariablesHash.map(byte[]::clone);
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof Creation c && controllers.equals(c.controllers)
            && Arrays.equals(environmentVariablesHash.orElse(null),
                c.environmentVariablesHash.orElse(null));
      }

      @Override
      public int hashCode() {
        return controllers.hashCode();
      }
    }

    record CodeUninstall() implements Details {}

    record CodeDeployment(InstallMode mode, byte[] moduleHash) implements Details {
      public CodeDeployment {
        Objects.requireNonNull(mode);
        moduleHash = moduleHash.clone();
      }

      @Override
      public byte[] moduleHash() {
        return moduleHash.clone();
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof CodeDeployment d && mode == d.mode
            && Arrays.equals(moduleHash, d.moduleHash);
      }

      @Override
      public int hashCode() {
        return Arrays.hashCode(moduleHash);
      }
    }

    record ControllersChange(List<Principal> controllers) implements Details {
      public ControllersChange {
        controllers = List.copyOf(controllers);
      }
    }

    record LoadSnapshot(long canisterVersion, byte[] snapshotId, long takenAtTimestampNs)
        implements Details {
      public LoadSnapshot {
        snapshotId = snapshotId.clone();
      }

      @Override
      public byte[] snapshotId() {
        return snapshotId.clone();
      }

      @Override
      public boolean equals(Object o) {
        return o instanceof LoadSnapshot l && canisterVersion == l.canisterVersion
            && Arrays.equals(snapshotId, l.snapshotId)
            && takenAtTimestampNs == l.takenAtTimestampNs;
      }

      @Override
      public int hashCode() {
        return Arrays.hashCode(snapshotId);
      }
    }
  }

  /** {@code canister_install_mode}. */
  public enum InstallMode {
    INSTALL,
    REINSTALL,
    UPGRADE
  }
}
