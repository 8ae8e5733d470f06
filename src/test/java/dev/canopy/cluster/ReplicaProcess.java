package dev.canopy.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One replica run as its own JVM with a fixed command line: started, killed with SIGKILL, and
 * started again with the very same command (so on the same data directory and ports). Its output
 * goes to a log file and is kept in memory line by line, so a test can wait (bounded) for a line.
 */
final class ReplicaProcess implements AutoCloseable {
  /** The line {@code canopy start} prints once the node is healthy (as ByzantineReplica does). */
  static final Pattern HEALTHY = Pattern.compile("is healthy at (http://\\S+?)[ ;]");
  /** Small heaps: four replicas and the test share two cores and a few GiB. */
  static final List<String> JVM_OPTIONS = List.of(
      "-Xmx256m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /** Every replica process started in this JVM, killed when it exits, so none outlives a run. */
  private static final List<Process> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> STARTED.forEach(Process::destroyForcibly), "replica-processes-reaper"));
  }

  private final int index;
  private final List<String> command;
  private final Path log;
  private final Path workingDir;
  private final List<String> lines = new ArrayList<>(); // this incarnation's output, guarded by this
  private Process process;
  private PrintWriter stdin;
  private volatile URI url;
  private int incarnation;

  /**
   * @param mainClass {@code dev.canopy.cli.Main} for {@code canopy start}, or the test's {@link
   *     ByzantineReplica}
   * @param arguments the program's arguments
   */
  ReplicaProcess(int index, String mainClass, List<String> arguments, Path log, Path workingDir) {
    this.index = index;
    this.log = log;
    this.workingDir = workingDir;
    List<String> c = new ArrayList<>();
    c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    c.addAll(JVM_OPTIONS);
    c.add("-cp");
    c.add(System.getProperty("java.class.path"));
    c.add(mainClass);
    c.addAll(arguments);
    this.command = List.copyOf(c);
  }

  int index() {
    return index;
  }

  /** Starts the process (again); {@link #awaitHealthy} waits for it. */
  synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("replica " + index + " is running");
    }
    lines.clear();
    url = null;
    incarnation++;
    ProcessBuilder builder = new ProcessBuilder(command)
        .directory(workingDir.toFile())
        .redirectErrorStream(true);
    builder.environment().put("CANOPY_HOME", Path.of("").toAbsolutePath().toString());
    Process started = builder.start();
    STARTED.removeIf(p -> !p.isAlive());
    STARTED.add(started);
    process = started;
    stdin = new PrintWriter(new OutputStreamWriter(started.getOutputStream(), StandardCharsets.UTF_8),
        true);
    Writer logFile = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    int run = incarnation;
    Thread drain = new Thread(() -> drain(started, logFile, run), "replica-" + index + "-output");
    drain.setDaemon(true);
    drain.start();
  }

  /** Copies the output to the log and to {@link #lines}; never blocks the process. */
  private void drain(Process p, Writer logFile, int run) {
    try (logFile; BufferedReader out = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      logFile.write("---- replica " + index + ", run " + run + "\n");
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        logFile.write(line);
        logFile.write('\n');
        logFile.flush();
        synchronized (this) {
          if (run == incarnation) {
            lines.add(line);
            Matcher m = HEALTHY.matcher(line);
            if (url == null && m.find()) {
              url = URI.create(m.group(1));
            }
            notifyAll();
          }
        }
      }
    } catch (IOException e) {
      // the process is gone; whoever waits sees it exit
    }
    synchronized (this) {
      notifyAll();
    }
  }

  /** Waits until the node reports healthy and returns its URL; fails if it exits first. */
  synchronized URI awaitHealthy(long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    while (url == null) {
      if (!process.isAlive()) {
        throw new AssertionError("replica " + index + " exited (" + process.exitValue()
            + ") before it was healthy; its log is " + log + "; last lines:\n" + tail());
      }
      long leftMs = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMs <= 0) {
        throw new AssertionError("replica " + index + " was not healthy within " + timeoutMs
            + " ms; its log is " + log + "; last lines:\n" + tail());
      }
      wait(Math.min(leftMs, 200));
    }
    return url;
  }

  /**
   * Waits until this incarnation prints a line matching {@code pattern} at or after line {@code
   * from} (see {@link #lineCount}); returns the match.
   */
  synchronized Matcher awaitLine(Pattern pattern, int from, long timeoutMs)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000;
    int next = from;
    while (true) {
      for (; next < lines.size(); next++) {
        Matcher m = pattern.matcher(lines.get(next));
        if (m.find()) {
          return m;
        }
      }
      long leftMs = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMs <= 0 || !process.isAlive()) {
        throw new AssertionError("replica " + index + " did not print /" + pattern + "/ within "
            + timeoutMs + " ms (alive: " + process.isAlive() + "); last lines:\n" + tail());
      }
      wait(Math.min(leftMs, 200));
    }
  }

  synchronized int lineCount() {
    return lines.size();
  }

  /** Writes a line to the process's standard input (the Byzantine replica's controls). */
  synchronized void send(String line) {
    stdin.println(line);
  }

  URI url() {
    return url;
  }

  Path log() {
    return log;
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: no shutdown hook, nothing flushed that was not already written. */
  void kill() throws InterruptedException {
    Process p;
    synchronized (this) {
      p = process;
    }
    p.destroyForcibly();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("replica " + index + " did not die within 30 s of SIGKILL");
    }
  }

  private String tail() {
    int from = Math.max(0, lines.size() - 25);
    return String.join("\n", lines.subList(from, lines.size()));
  }

  @Override
  public void close() throws InterruptedException {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p != null && p.isAlive()) {
      kill();
    }
  }
}
