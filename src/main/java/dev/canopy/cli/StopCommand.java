package dev.canopy.cli;

import dev.canopy.node.DataDirectory;
import dev.canopy.node.NodeConfig;
import dev.canopy.types.CanopyException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code canopy stop}: stops the node that runs on a data directory (started with
 * {@code --background} or in another terminal) by sending it SIGTERM, which runs its coordinated
 * shutdown, and waits until it has exited.
 */
@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = "Stop the node running on a data directory.")
final class StopCommand implements Callable<Integer> {
  static final long STOP_TIMEOUT_MS = 60_000;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "The node's data directory (default: the configured one, data).")
  Path dataDir;

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file.")
  Path configFile;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    CliEnvironment env = Main.environment(spec);
    Path dir = dataDir != null
        ? env.workingDir().resolve(dataDir)
        : NodeConfig.load(StartCommand.configFile(env, configFile), Map.of()).dataDir();
    dir = dir.toAbsolutePath().normalize();
    Optional<ProcessHandle> node = runningNode(dir);
    if (node.isEmpty()) {
      throw new CanopyException("no node is running on " + dir + "; start one with:"
          + " scripts/canopy start --background" + (dataDir == null ? "" : " --data-dir " + dataDir));
    }
    ProcessHandle process = node.get();
    process.destroy();
    try {
      process.onExit().get(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new CanopyException("the node (pid " + process.pid() + ") did not stop within "
          + STOP_TIMEOUT_MS / 1000 + " s; look at its log, or end it with: kill -9 " + process.pid());
    } catch (ExecutionException e) {
      throw new CanopyException("waiting for the node to stop failed: " + e.getCause());
    }
    spec.commandLine().getOut().printf("Stopped the node on %s (pid %d).%n", dir, process.pid());
    spec.commandLine().getOut().flush();
    return 0;
  }

  /**
   * The process that holds the directory's lock: the lock file names it, and the lock being held
   * shows that it still runs (a stale file after a crash names a process that may be anything).
   */
  static Optional<ProcessHandle> runningNode(Path dir) {
    Path lockFile = dir.resolve(DataDirectory.LOCK_FILE);
    if (!Files.exists(lockFile)) {
      return Optional.empty();
    }
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      try {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          lock.release();
          return Optional.empty();
        }
      } catch (OverlappingFileLockException e) {
        // held in this very JVM (a node started in-process): still running
      }
      String text = Files.readString(lockFile, StandardCharsets.UTF_8).strip();
      long pid = Long.parseLong(text.isEmpty() ? "-1" : text.split("\\s+")[0]);
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
    } catch (IOException | NumberFormatException e) {
      throw new CanopyException("cannot read " + lockFile + ": " + e.getMessage());
    }
  }
}
