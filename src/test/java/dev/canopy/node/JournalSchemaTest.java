package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSchemaTest {
  @TempDir Path dir;

  private Connection connect(StoreSettings store) throws Exception {
    return DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password());
  }

  @Test
  void createsTheSchemaOnceAndCompletesAPartialOne() throws Exception {
    StoreSettings store = new StoreSettings.H2(dir.resolve("db"), 1);

    assertThat(JournalSchema.ensure(store)).isTrue();
    assertThat(JournalSchema.ensure(store)).isFalse();

    try (Connection db = connect(store); Statement statement = db.createStatement()) {
      statement.execute("DROP TABLE \"event_tag\"");
      assertThat(JournalSchema.missingTables(db)).containsExactly("event_tag");
    }
    assertThat(JournalSchema.ensure(store)).isTrue();
    try (Connection db = connect(store)) {
      assertThat(JournalSchema.missingTables(db)).isEmpty();
    }
  }

  @Test
  void aStatementOnAnInterruptedThreadNeitherFailsNorClosesTheEmbeddedStore() throws Exception {
    StoreSettings store = new StoreSettings.H2(dir.resolve("db"), 1);
    JournalSchema.ensure(store);
    byte[] payload = new byte[64 * 1024]; // large enough to reach the file at once
    try (Connection db = connect(store)) {
      for (int i = 0; i < 8; i++) {
        if (i == 3) {
          // As Slick's shutdownNow or a task's leftover interrupt would: Java closes the file
          // channel under the next write, and H2's plain file system then closes the database.
          Thread.currentThread().interrupt();
        }
        try (var insert = db.prepareStatement("INSERT INTO \"snapshot\" (\"persistence_id\","
            + " \"sequence_number\", \"created\", \"snapshot_ser_id\", \"snapshot_ser_manifest\","
            + " \"snapshot_payload\") VALUES ('p', ?, 0, 1, '', ?)")) {
          insert.setLong(1, i);
          insert.setBytes(2, payload);
          assertThat(insert.executeUpdate()).as("insert %d", i).isEqualTo(1);
        }
      }
      Thread.interrupted(); // whatever the store left of the flag: not this test's subject
    } finally {
      Thread.interrupted();
    }
    try (Connection db = connect(store); Statement statement = db.createStatement();
        var rows = statement.executeQuery("SELECT COUNT(*) FROM \"snapshot\"")) {
      rows.next();
      assertThat(rows.getInt(1)).as("rows after reopening").isEqualTo(8);
    }
  }

  @Test
  void theShippedScriptsSplitIntoStatements() {
    assertThat(JournalSchema.statements("schema/h2/h2-create-schema.sql"))
        .anySatisfy(
            sql ->
                assertThat(sql)
                    .startsWith("CREATE TABLE IF NOT EXISTS PUBLIC.\"event_journal\""))
        .allSatisfy(sql -> assertThat(sql).doesNotContain(";"));
    assertThat(JournalSchema.statements("schema/postgres/postgres-create-schema.sql"))
        .anySatisfy(
            sql -> assertThat(sql).startsWith("CREATE TABLE IF NOT EXISTS public.snapshot"));
  }

  @Test
  void anUnreachableStoreStopsStartUpWithTheUrlButNotThePassword() {
    StoreSettings store =
        new StoreSettings.Postgres(
            "jdbc:postgresql://127.0.0.1:1/canopy?password=hunter2", "canopy", "hunter2", 1);

    assertThatThrownBy(() -> JournalSchema.ensure(store))
        .isInstanceOf(NodeStartupException.class)
        .hasMessageStartingWith(
            "cannot prepare the persistence store jdbc:postgresql://127.0.0.1:1/canopy: ")
        .hasMessageEndingWith("(check canopy.store and its settings in conf/application.conf)")
        .hasMessageNotContaining("hunter2");
  }
}
