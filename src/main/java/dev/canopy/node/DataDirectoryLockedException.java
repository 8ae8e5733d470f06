package dev.canopy.node;

import java.nio.file.Path;

/** Another node (in this process or another) already runs on the data directory. */
public final class DataDirectoryLockedException extends NodeStartupException {
  public DataDirectoryLockedException(Path dataDir, Path lockFile) {
    super(
        "data directory "
            + dataDir
            + " is in use by another Canopy node (it holds "
            + lockFile
            + "); stop that node, or start this one on another directory with --data-dir");
  }
}
