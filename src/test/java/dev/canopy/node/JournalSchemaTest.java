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
