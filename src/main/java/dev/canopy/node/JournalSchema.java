package dev.canopy.node;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Creates the tables of pekko-persistence-jdbc (journal, tags, snapshots, durable state) when they
 * are missing, from the schema script the library ships for the database.
 *
 * <p>Note: runs over plain JDBC before the actor system starts, so a database that cannot be
 * reached stops start-up with one clear message instead of failing persistent actors later.
 */
public final class JournalSchema {
  /** The tables the journal and snapshot store need; all present means nothing to do. */
  static final List<String> REQUIRED_TABLES = List.of("event_journal", "event_tag", "snapshot");

  /**
   * SQL states for "already exists" (PostgreSQL, H2), met when a partial schema is completed.
   * Note: 23505 is PostgreSQL's answer when another process creates the same table at the same
   * moment (CREATE TABLE IF NOT EXISTS races on the catalog, as when the replicas of a local
   * subnet start together on one database); the check for missing tables afterwards still holds.
   */
  private static final Set<String> ALREADY_EXISTS_STATES =
      Set.of("42P07", "42710", "42S01", "42S11", "23505");

  private static final int LOGIN_TIMEOUT_SECONDS = 10;

  private JournalSchema() {}

  /**
   * Makes sure the schema exists.
   *
   * @return whether it had to be created
   */
  public static boolean ensure(StoreSettings store) {
    DriverManager.setLoginTimeout(LOGIN_TIMEOUT_SECONDS);
    try (Connection connection =
        DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
      if (missingTables(connection).isEmpty()) {
        return false;
      }
      connection.setAutoCommit(true); // PostgreSQL's CREATE INDEX CONCURRENTLY refuses transactions
      try (Statement statement = connection.createStatement()) {
        for (String sql : statements(store.schemaScriptResource())) {
          try {
            statement.execute(sql);
          } catch (SQLException e) {
            if (!ALREADY_EXISTS_STATES.contains(e.getSQLState())) {
              throw e;
            }
          }
        }
      }
      List<String> stillMissing = missingTables(connection);
      if (!stillMissing.isEmpty()) {
        throw new NodeStartupException(
            "the persistence schema script left tables missing in " + describe(store) + ": "
                + stillMissing);
      }
      return true;
    } catch (SQLException e) {
      throw new NodeStartupException(
          "cannot prepare the persistence store " + describe(store) + ": " + e.getMessage()
              + " (check canopy.store and its settings in conf/application.conf)",
          e);
    }
  }

  static List<String> missingTables(Connection connection) throws SQLException {
    DatabaseMetaData meta = connection.getMetaData();
    List<String> missing = new ArrayList<>();
    for (String table : REQUIRED_TABLES) {
      // Stored as written in H2 (quoted lower case) and folded to lower case by PostgreSQL.
      if (!tableExists(meta, table) && !tableExists(meta, table.toUpperCase(Locale.ROOT))) {
        missing.add(table);
      }
    }
    return missing;
  }

  private static boolean tableExists(DatabaseMetaData meta, String table) throws SQLException {
    try (ResultSet rs = meta.getTables(null, null, table, new String[] {"TABLE", "BASE TABLE"})) {
      return rs.next();
    }
  }

  /** The script's statements, split at semicolons (the shipped scripts have none in literals). */
  static List<String> statements(String resource) {
    String script;
    try (InputStream in = JournalSchema.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("pekko-persistence-jdbc schema " + resource + " not found");
      }
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
    List<String> statements = new ArrayList<>();
    for (String part : script.split(";")) {
      String sql = stripComments(part).strip();
      if (!sql.isEmpty()) {
        statements.add(sql);
      }
    }
    return statements;
  }

  private static String stripComments(String sql) {
    StringBuilder out = new StringBuilder();
    for (String line : sql.split("\n")) {
      if (!line.strip().startsWith("--")) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  /** The URL without its query, where a password could be. */
  private static String describe(StoreSettings store) {
    String url = store.jdbcUrl();
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }
}
