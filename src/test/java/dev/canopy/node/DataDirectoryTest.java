package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {
  @TempDir Path dir;

  @Test
  void createsTheLayoutWithAnOwnerOnlyKeyDirectory() throws Exception {
    Path root = dir.resolve("node");
    try (DataDirectory data = DataDirectory.open(root)) {
      assertThat(data.root()).isEqualTo(root.toAbsolutePath());
      assertThat(data.db()).isDirectory();
      assertThat(Files.getPosixFilePermissions(data.keys()))
          .isEqualTo(PosixFilePermissions.fromString("rwx------"));
      assertThat(Files.readString(root.resolve(DataDirectory.LOCK_FILE)).strip())
          .isEqualTo(Long.toString(ProcessHandle.current().pid()));
    }
  }

  @Test
  void aSecondNodeInTheSameProcessIsRefusedUntilTheFirstCloses() {
    DataDirectory first = DataDirectory.open(dir);
    try {
      assertThatThrownBy(() -> DataDirectory.open(dir))
          .isInstanceOf(DataDirectoryLockedException.class)
          .hasMessage(
              "data directory " + dir.toAbsolutePath() + " is in use by another Canopy node (it"
                  + " holds " + dir.toAbsolutePath().resolve("canopy.lock") + "); stop that node,"
                  + " or start this one on another directory with --data-dir");
    } finally {
      first.close();
    }
    DataDirectory.open(dir).close();
  }

  @Test
  void aNodeInAnotherProcessHoldsTheDirectory() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process holder =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("locked");

      assertThatThrownBy(() -> DataDirectory.open(dir))
          .isInstanceOf(DataDirectoryLockedException.class)
          .hasMessageContaining("is in use by another Canopy node");
    } finally {
      holder.getOutputStream().close();
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    DataDirectory.open(dir).close(); // released when the other process ended
  }

  @Test
  void aKeyDirectoryOpenToOthersIsRefused() throws Exception {
    Path keys = Files.createDirectory(dir.resolve("keys"));
    Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwxr-xr-x"));

    assertThatThrownBy(() -> DataDirectory.open(dir))
        .isInstanceOf(InsecureKeyFileException.class)
        .hasMessage(
            "the key directory " + keys.toAbsolutePath() + " is accessible to group or others (mode"
                + " 0755); make it owner-only with: chmod 700 " + keys.toAbsolutePath());
    Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwx------"));
    DataDirectory.open(dir).close();
  }
}
