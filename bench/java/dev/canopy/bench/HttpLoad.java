package dev.canopy.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A closed-loop HTTP/1.1 load generator over non-blocking sockets, built to cost the machine as
 * little as possible, so that on a small machine the server, not the client, is what is measured:
 * a few selector threads drive all connections (no thread per connection, so no wake-up per
 * answer), every request is a pre-built byte array (head and body), and a connection may keep
 * several requests in flight (HTTP/1.1 pipelining; answers come back in order).
 *
 * <p>Each connection sends its next request as soon as an answer is in, until the deadline; the
 * latency of a request runs from its write to the end of its answer. The CPU time of the client's
 * own threads is measured, so a phase can say how much of the machine the client took.
 */
final class HttpLoad {
  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private static final int READ_BUFFER_BYTES = 256 * 1024;
  /** How long after the deadline answers still in flight are waited for. */
  private static final long DRAIN_NS = 60_000_000_000L;

  /** How a phase drives the server. */
  record Shape(int connections, int pipelineDepth, int threads) {
    Shape {
      if (connections < 1 || pipelineDepth < 1 || threads < 1) {
        throw new IllegalArgumentException("connections, depth and threads must be positive");
      }
    }

    int concurrency() {
      return connections * pipelineDepth;
    }

    @Override
    public String toString() {
      return connections + "x" + pipelineDepth + (threads > 1 ? "x" + threads : "");
    }
  }

  /** What one phase did. */
  record Outcome(long ok, long failed, long matched, double seconds, long[] latenciesNs,
      long clientCpuNs) {}

  /** Every request of a phase, pre-built: {@code POST path} with one of the bodies. */
  static List<byte[]> requests(URI uri, List<byte[]> bodies) {
    String host = uri.getHost() + ":" + uri.getPort();
    List<byte[]> requests = new ArrayList<>(bodies.size());
    for (byte[] body : bodies) {
      byte[] head = ("POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + host
          + "\r\nContent-Type: application/cbor\r\nContent-Length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      byte[] request = Arrays.copyOf(head, head.length + body.length);
      System.arraycopy(body, 0, request, head.length, body.length);
      requests.add(request);
    }
    return requests;
  }

  /**
   * Runs one phase against {@code uri}'s host and port.
   *
   * @param next the index of the next request to send, shared across phases that must not repeat
   *     a request; indexes past the end wrap around unless {@code once}
   * @param matches answers (200 bodies) to count as {@link Outcome#matched}, or null
   */
  static Outcome run(URI uri, List<byte[]> requests, Shape shape, long durationNs,
      AtomicInteger next, boolean once, Predicate<byte[]> matches) throws InterruptedException {
    return run(List.of(uri), requests, shape, durationNs, next, once, matches);
  }

  /**
   * Runs one phase against several servers that answer the same requests (the replicas of a
   * subnet): connection i goes to {@code uris.get(i mod n)}.
   */
  static Outcome run(List<URI> uris, List<byte[]> requests, Shape shape, long durationNs,
      AtomicInteger next, boolean once, Predicate<byte[]> matches) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + durationNs;
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong matched = new AtomicLong();
    AtomicLong cpu = new AtomicLong();
    long[][] latencies = new long[shape.threads()][];
    List<Thread> threads = new ArrayList<>();
    int firstConnection = 0;
    for (int t = 0; t < shape.threads(); t++) {
      int index = t;
      int connections = shape.connections() / shape.threads()
          + (t < shape.connections() % shape.threads() ? 1 : 0);
      int first = firstConnection;
      firstConnection += connections;
      Thread thread = new Thread(() -> {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpuStart = mx.getCurrentThreadCpuTime();
        Driver driver = new Driver(uris, first, requests, connections, shape.pipelineDepth(),
            deadline, next, once, matches);
        try {
          driver.run();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        } finally {
          driver.close();
          ok.addAndGet(driver.ok);
          failed.addAndGet(driver.failed);
          matched.addAndGet(driver.matched);
          latencies[index] = Arrays.copyOf(driver.latencies, driver.count);
          cpu.addAndGet(mx.getCurrentThreadCpuTime() - cpuStart);
        }
      }, "bench-client-" + t);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join(durationNs / 1_000_000 + 120_000);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long[] all = Arrays.stream(latencies).filter(a -> a != null)
        .flatMapToLong(Arrays::stream).sorted().toArray();
    return new Outcome(ok.get(), failed.get(), matched.get(), seconds, all, cpu.get());
  }

  /** One selector thread and its connections. */
  private static final class Driver {
    private final List<URI> uris;
    private final int firstConnection;
    private final List<byte[]> requests;
    private final int connections;
    private final int depth;
    private final long deadline;
    private final AtomicInteger next;
    private final boolean once;
    private final Predicate<byte[]> matches;
    private final Selector selector;
    private final List<Connection> open = new ArrayList<>();
    long ok;
    long failed;
    long matched;
    long[] latencies = new long[1 << 14];
    int count;

    Driver(List<URI> uris, int firstConnection, List<byte[]> requests, int connections, int depth,
        long deadline, AtomicInteger next, boolean once, Predicate<byte[]> matches) {
      this.uris = uris;
      this.firstConnection = firstConnection;
      this.requests = requests;
      this.connections = connections;
      this.depth = depth;
      this.deadline = deadline;
      this.next = next;
      this.once = once;
      this.matches = matches;
      try {
        this.selector = Selector.open();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    void run() throws IOException {
      for (int i = 0; i < connections; i++) {
        open.add(connect(uris.get((firstConnection + i) % uris.size())));
      }
      while (true) {
        long now = System.nanoTime();
        boolean busy = false;
        for (Connection c : open) {
          busy |= c.inFlight > 0;
        }
        if (now >= deadline && !busy) {
          return;
        }
        if (now >= deadline + DRAIN_NS) {
          for (Connection c : open) {
            failed += c.inFlight;
          }
          return;
        }
        selector.select(Math.max(1, Math.min(1_000, (deadline - now) / 1_000_000 + 1)));
        for (SelectionKey key : selector.selectedKeys()) {
          Connection c = (Connection) key.attachment();
          try {
            if (key.isValid() && key.isWritable()) {
              c.flush();
            }
            if (key.isValid() && key.isReadable()) {
              c.read();
            }
          } catch (IOException e) {
            fail(c);
          }
        }
        selector.selectedKeys().clear();
      }
    }

    private Connection connect(URI uri) throws IOException {
      SocketChannel channel = SocketChannel.open(new InetSocketAddress(uri.getHost(), uri.getPort()));
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.configureBlocking(false);
      Connection c = new Connection(channel, uri);
      c.key = channel.register(selector, SelectionKey.OP_READ, c);
      c.fill();
      return c;
    }

    /** A broken connection: its requests in flight count as failed, and a new one takes over. */
    private void fail(Connection c) throws IOException {
      failed += c.inFlight;
      c.close();
      open.remove(c);
      if (System.nanoTime() < deadline) {
        open.add(connect(c.uri));
      }
    }

    void close() {
      for (Connection c : open) {
        c.close();
      }
      try {
        selector.close();
      } catch (IOException e) {
        // closing anyway
      }
    }

    private void record(long latencyNs) {
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = latencyNs;
    }

    /** One keep-alive connection with up to {@code depth} requests in flight. */
    private final class Connection {
      private final SocketChannel channel;
      private final URI uri;
      SelectionKey key;
      private final long[] sentAt = new long[depth];
      private int head;
      int inFlight;
      private ByteBuffer pending = ByteBuffer.allocate(0);
      private final ByteBuffer in = ByteBuffer.allocate(READ_BUFFER_BYTES);
      // Parser state of the answer being read: -1 while its head is incomplete.
      private int status = -1;
      private int bodyLength;

      Connection(SocketChannel channel, URI uri) {
        this.channel = channel;
        this.uri = uri;
      }

      /** Sends requests until {@code depth} are in flight (none once the deadline has passed). */
      void fill() throws IOException {
        List<byte[]> batch = new ArrayList<>();
        while (inFlight < depth && System.nanoTime() < deadline) {
          int index = next.getAndIncrement();
          if (index >= requests.size()) {
            if (once) {
              throw new IllegalStateException("ran out of requests that may be sent only once");
            }
            index %= requests.size();
          }
          batch.add(requests.get(index));
          sentAt[(head + inFlight) % depth] = System.nanoTime();
          inFlight++;
        }
        if (batch.isEmpty()) {
          return;
        }
        int size = pending.remaining();
        for (byte[] r : batch) {
          size += r.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(pending);
        for (byte[] r : batch) {
          out.put(r);
        }
        out.flip();
        pending = out;
        flush();
      }

      void flush() throws IOException {
        channel.write(pending);
        key.interestOps(pending.hasRemaining()
            ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
      }

      void read() throws IOException {
        int n = channel.read(in);
        if (n < 0) {
          throw new IOException("the server closed the connection");
        }
        in.flip();
        boolean answered = false;
        while (parseOne()) {
          answered = true;
        }
        in.compact();
        if (!in.hasRemaining()) {
          throw new IOException("an answer larger than the read buffer");
        }
        if (answered) {
          fill();
        }
      }

      /** Consumes one complete answer from {@code in}, if there is one. */
      private boolean parseOne() throws IOException {
        if (status < 0) {
          int end = headEnd();
          if (end < 0) {
            if (in.remaining() > MAX_HEADER_BYTES) {
              throw new IOException("an answer head longer than " + MAX_HEADER_BYTES + " bytes");
            }
            return false;
          }
          String head = new String(in.array(), in.position(), end - in.position(),
              StandardCharsets.US_ASCII);
          if (!head.startsWith("HTTP/1.1 ")) {
            throw new IOException("bad status line: " + head.lines().findFirst().orElse(""));
          }
          status = Integer.parseInt(head.substring(9, 12));
          bodyLength = contentLength(head);
          in.position(end + 4);
        }
        if (in.remaining() < bodyLength) {
          return false;
        }
        long latency = System.nanoTime() - sentAt[head];
        head = (head + 1) % depth;
        inFlight--;
        if (status == 200) {
          ok++;
          record(latency);
          if (matches != null) {
            byte[] body = new byte[bodyLength];
            in.get(body);
            if (matches.test(body)) {
              matched++;
            }
          } else {
            in.position(in.position() + bodyLength);
          }
        } else {
          failed++;
          in.position(in.position() + bodyLength);
        }
        status = -1;
        return true;
      }

      /** The index of the {@code \r\n\r\n} that ends the head, or -1. */
      private int headEnd() {
        byte[] a = in.array();
        for (int i = in.position(); i + 3 < in.limit(); i++) {
          if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
            return i;
          }
        }
        return -1;
      }

      private int contentLength(String head) throws IOException {
        for (String line : head.split("\r\n")) {
          int colon = line.indexOf(':');
          if (colon < 0) {
            continue;
          }
          String field = line.substring(0, colon).trim();
          if (field.equalsIgnoreCase("content-length")) {
            return Integer.parseInt(line.substring(colon + 1).trim());
          }
          if (field.equalsIgnoreCase("transfer-encoding")) {
            throw new IOException("chunked answers are not expected here: " + line);
          }
        }
        return 0;
      }

      void close() {
        try {
          channel.close();
        } catch (IOException e) {
          // closing anyway
        }
      }
    }
  }
}
