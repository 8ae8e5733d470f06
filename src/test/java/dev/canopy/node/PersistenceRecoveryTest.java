package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.NodeId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An event-sourced actor against the configured JDBC journal and snapshot store: what it persisted
 * in one actor system is recovered in the next, on the embedded H2 store and on PostgreSQL.
 */
class PersistenceRecoveryTest {
  private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;

  /** A test-only persistent counter; a snapshot every 2 events exercises the snapshot store. */
  static final class Counter
      extends EventSourcedBehavior<Counter.Command, Counter.Added, Counter.Total> {
    sealed interface Command extends CborSerializable {}

    record Add(long amount, ActorRef<Total> replyTo) implements Command {}

    record Get(ActorRef<Total> replyTo) implements Command {}

    record Added(long amount) implements CborSerializable {}

    record Total(long value, long events) implements CborSerializable {}

    Counter(PersistenceId id) {
      super(id);
    }

    @Override
    public Total emptyState() {
      return new Total(0, 0);
    }

    @Override
    public CommandHandler<Command, Added, Total> commandHandler() {
      return newCommandHandlerBuilder()
          .forAnyState()
          .onCommand(
              Add.class,
              (state, add) ->
                  Effect().persist(new Added(add.amount())).thenReply(add.replyTo(), s -> s))
          .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), state))
          .build();
    }

    @Override
    public EventHandler<Total, Added> eventHandler() {
      return newEventHandlerBuilder()
          .forAnyState()
          .onEvent(
              Added.class,
              (state, added) -> new Total(state.value() + added.amount(), state.events() + 1))
          .build();
    }

    @Override
    public RetentionCriteria retentionCriteria() {
      return RetentionCriteria.snapshotEvery(2, 1);
    }

    static Behavior<Command> create(PersistenceId id) {
      return new Counter(id);
    }
  }

  private static ActorTestKit actorSystem(NodeConfig config) {
    // Persistence needs no cluster; a local actor system starts faster.
    return ActorTestKit.create(
        "persistence-test",
        com.typesafe.config.ConfigFactory.parseString(
                "pekko.actor.provider = local\n"
                    + "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")
            .withFallback(config.pekkoConfig()));
  }

  private static Counter.Total ask(
      ActorRef<Counter.Command> counter, Counter.Command command, TestProbe<Counter.Total> probe) {
    counter.tell(command);
    return probe.expectMessageClass(Counter.Total.class, TIMEOUT);
  }

  /** Persists three events, restarts the actor system, and checks the state and the stored rows. */
  private void persistRestartAndRecover(NodeConfig config, PersistenceId id) throws SQLException {
    JournalSchema.ensure(config.store());

    ActorTestKit first = actorSystem(config);
    try {
      TestProbe<Counter.Total> probe = first.createTestProbe();
      ActorRef<Counter.Command> counter = first.spawn(Counter.create(id));
      for (long amount : new long[] {5, 7, 30}) {
        ask(counter, new Counter.Add(amount, probe.getRef()), probe);
      }
      assertThat(ask(counter, new Counter.Get(probe.getRef()), probe))
          .isEqualTo(new Counter.Total(42, 3));
    } finally {
      first.shutdownTestKit();
    }

    ActorTestKit second = actorSystem(config);
    try {
      TestProbe<Counter.Total> probe = second.createTestProbe();
      ActorRef<Counter.Command> counter = second.spawn(Counter.create(id));
      assertThat(ask(counter, new Counter.Get(probe.getRef()), probe))
          .isEqualTo(new Counter.Total(42, 3));
      assertThat(ask(counter, new Counter.Add(1, probe.getRef()), probe))
          .isEqualTo(new Counter.Total(43, 4));
    } finally {
      second.shutdownTestKit();
    }

    StoreSettings store = config.store();
    try (Connection db =
        DriverManager.getConnection(store.jdbcUrl(), store.user(), store.password())) {
      assertThat(count(db, "event_journal", id)).isEqualTo(4);
      assertThat(count(db, "snapshot", id)).isPositive();
    }
  }

  private static long count(Connection db, String table, PersistenceId id) throws SQLException {
    String column = "persistence_id";
    boolean h2 = db.getMetaData().getDatabaseProductName().equals("H2");
    String sql =
        h2
            ? "SELECT COUNT(*) FROM \"" + table + "\" WHERE \"" + column + "\" = ?"
            : "SELECT COUNT(*) FROM " + table + " WHERE " + column + " = ?";
    try (PreparedStatement statement = db.prepareStatement(sql)) {
      statement.setString(1, id.id());
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void recoversFromTheEmbeddedH2StoreInTheDataDirectory() throws Exception {
    NodeConfig config = TestNodeConfigs.ephemeral(dir);
    NodeId node =
        Genesis.loadOrCreate(dir.resolve("keys"), new java.util.SplittableRandom(1))
            .keys()
            .nodeId();

    persistRestartAndRecover(config, PersistenceIds.of(node, "counter", "h2"));

    assertThat(dir.resolve("db").resolve("canopy.mv.db")).isRegularFile();
  }

  @Test
  void recoversFromPostgres() throws Exception {
    String user = reachablePostgresUser();
    NodeConfig config =
        TestNodeConfigs.ephemeral(
            dir,
            Map.of(
                "canopy.store", "postgres",
                "canopy.postgres.url", PG_URL,
                "canopy.postgres.user", user,
                "canopy.postgres.password", "",
                "canopy.postgres.max-connections", 2));
    // Runs share the database: a fresh id per run, deleted afterwards.
    PersistenceId id = PersistenceId.of("counter", "pg-" + UUID.randomUUID() + "@test-node");
    try {
      persistRestartAndRecover(config, id);
    } finally {
      try (Connection db = DriverManager.getConnection(PG_URL, user, "")) {
        for (String table : List.of("event_journal", "snapshot")) {
          try (PreparedStatement delete =
              db.prepareStatement("DELETE FROM " + table + " WHERE persistence_id = ?")) {
            delete.setString(1, id.id());
            delete.executeUpdate();
          }
        }
      }
    }
  }

  /** A user PostgreSQL at 127.0.0.1:5432 lets in without a password, or the test is skipped. */
  private static String reachablePostgresUser() {
    List<String> failures = new ArrayList<>();
    DriverManager.setLoginTimeout(3);
    for (String user : List.of("postgres", System.getProperty("user.name"))) {
      try (Connection connection = DriverManager.getConnection(PG_URL, user, "")) {
        if (connection.isValid(3)) {
          return user;
        }
        failures.add(user + ": connection not valid");
      } catch (SQLException e) {
        failures.add(user + ": " + e.getMessage());
      }
    }
    String reason = "PostgreSQL not reachable at " + PG_URL + " " + failures + ": skipping";
    System.out.println(reason);
    Assumptions.abort(reason);
    return null;
  }
}
