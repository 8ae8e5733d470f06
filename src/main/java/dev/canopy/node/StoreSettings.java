package dev.canopy.node;

import java.nio.file.Path;

/** Where Pekko Persistence keeps journals and snapshots ({@code canopy.store}). */
public sealed interface StoreSettings {
  /** The JDBC URL of the database. */
  String jdbcUrl();

  String user();

  String password();

  String jdbcDriver();

  /** The Slick profile pekko-persistence-jdbc talks through. */
  String slickProfile();

  int maxConnections();

  /** The schema script pekko-persistence-jdbc ships for this database, as a class-path resource. */
  String schemaScriptResource();

  /** The embedded default: an H2 file database in {@code <data-dir>/db}. */
  record H2(Path databaseDir, int maxConnections) implements StoreSettings {
    public H2 {
      databaseDir = databaseDir.toAbsolutePath().normalize();
    }

    @Override
    public String jdbcUrl() {
      // Note: H2's own JVM shutdown hook would close the database while Pekko's coordinated
      // shutdown still writes to the journal; the connection pool closes it instead.
      // WRITE_DELAY=0: H2 otherwise writes committed transactions to the file up to 500 ms later,
      // so a killed process would lose batches whose certified replies clients already hold
      // (CrashRecoveryTest).
      // retry: H2's file system that opens the file again when an interrupt closed it under a
      // statement (Java closes a FileChannel on its thread's interrupt). On the plain one that
      // write fails and the whole database closes, and the file may not open again; and threads
      // that run statements do get interrupted: Slick stops its own with shutdownNow, and a
      // Pekko dispatcher's threads carry whatever interrupt a task left (StoreShutdown).
      // MAX_COMPACT_TIME=0: no compaction when the database closes. H2 2.3.232 compacts (moves
      // chunks) after its last commit on close, and the file may then not open again: a replica
      // restarted after a catch-up install found "File corrupted ... Double mark" (overlapping
      // chunks). H2 fixed that order in 2.4.240 (h2database issue 4247). Without it the file does
      // not shrink on close; H2 still reuses freed space while it runs.
      return "jdbc:h2:retry:" + databaseDir.resolve("canopy")
          + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;MAX_COMPACT_TIME=0";
    }

    @Override
    public String user() {
      return "sa";
    }

    @Override
    public String password() {
      return "";
    }

    @Override
    public String jdbcDriver() {
      return "org.h2.Driver";
    }

    @Override
    public String slickProfile() {
      return "slick.jdbc.H2Profile$";
    }

    @Override
    public String schemaScriptResource() {
      return "schema/h2/h2-create-schema.sql";
    }
  }

  /** A PostgreSQL server, the production choice. */
  record Postgres(String jdbcUrl, String user, String password, int maxConnections)
      implements StoreSettings {
    @Override
    public String jdbcDriver() {
      return "org.postgresql.Driver";
    }

    @Override
    public String slickProfile() {
      return "slick.jdbc.PostgresProfile$";
    }

    @Override
    public String schemaScriptResource() {
      return "schema/postgres/postgres-create-schema.sql";
    }

    @Override
    public String toString() {
      return "Postgres[" + jdbcUrl + ", user " + user + "]"; // never the password
    }
  }
}
