package dev.canopy.node;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.jdbc.db.SlickExtension;
import org.apache.pekko.persistence.jdbc.db.SlickExtensionImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import slick.jdbc.JdbcBackend;
import slick.jdbc.hikaricp.HikariCPJdbcDataSource;

/**
 * Closes the persistence store's connection pool once no statement runs on it, when the actor
 * system terminates.
 *
 * <p>Note: pekko-persistence-jdbc closes its shared database when the actor system terminates,
 * and Slick closes a database by stopping its threads with {@code shutdownNow}, which interrupts a
 * statement still running (a snapshot being written, the events and snapshots that retention
 * deletes after it). An embedded H2 database does its file I/O on that thread, and an interrupt
 * closes the file under it: H2's documentation warns that this can corrupt the database ("In
 * embedded mode ... the application may not interrupt these threads"), and a restarted replica
 * once found its file corrupted. So the pool is closed first, here, after its last statement: H2
 * then closes the database on this thread, and Slick's interrupt later meets only idle threads.
 * The idle check cannot see a statement still queued in Slick's executor, which may take a
 * connection just after it; so the embedded store also runs on H2's {@code retry:} file system
 * ({@link StoreSettings.H2#jdbcUrl}), which opens the file again after an interrupt instead of
 * failing the write and closing the database.
 */
final class StoreShutdown {
  private static final Logger log = LoggerFactory.getLogger(StoreShutdown.class);

  /** How long the store may take to finish its statements once the actors have stopped. */
  static final long STORE_IDLE_TIMEOUT_MS = 20_000;

  private static final long STORE_IDLE_POLL_MS = 5;

  private StoreShutdown() {}

  /**
   * Registers the pool's close with {@code system}'s termination, to run before the journal's own
   * close. Call it while the system runs, once persistence is in use (the journal registers its
   * close when it first opens the database, and termination runs the last registered first).
   */
  static void closeBeforeTheJournal(ActorSystem system) {
    JdbcBackend.JdbcDatabaseDef database = ((SlickExtensionImpl) SlickExtension.get(system))
        .database(system.settings().config().getConfig("jdbc-journal"))
        .database();
    if (!(database.source() instanceof HikariCPJdbcDataSource source)) {
      return; // not a pool this node configured (NodeConfig#pekkoConfig uses HikariCP)
    }
    system.registerOnTermination(() -> closeWhenIdle(source.ds()));
  }

  /** Waits (bounded) until no connection is in use or awaited, then closes the pool. */
  static void closeWhenIdle(HikariDataSource pool) {
    HikariPoolMXBean stats = pool.getHikariPoolMXBean();
    long deadlineNs = System.nanoTime() + STORE_IDLE_TIMEOUT_MS * 1_000_000L;
    boolean interrupted = false;
    while (stats != null && !pool.isClosed()
        && (stats.getActiveConnections() > 0 || stats.getThreadsAwaitingConnection() > 0)) {
      if (System.nanoTime() > deadlineNs) {
        log.warn("the persistence store still runs {} statement(s) after {} ms; closing it anyway",
            stats.getActiveConnections(), STORE_IDLE_TIMEOUT_MS);
        break;
      }
      try {
        Thread.sleep(STORE_IDLE_POLL_MS);
      } catch (InterruptedException e) {
        interrupted = true;
        break;
      }
    }
    // The close writes H2's file on this thread, which must not carry an interrupt meanwhile.
    pool.close();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
