package dev.canopy.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 client over one keep-alive socket: the least client work per request, so
 * the two cores go to the server. Answers the body of a 200 response, null for another status.
 * (SubnetBench's set-up calls and counter reads; the load goes through {@link HttpLoad}.)
 */
final class LoopbackConnection implements AutoCloseable {
  private static final int MAX_HEADER_BYTES = 16 * 1024;
  private final java.net.Socket socket;
  private final java.io.BufferedInputStream in;
  private final java.io.OutputStream out;
  private final String host;

  LoopbackConnection(URI uri) {
    try {
      socket = new java.net.Socket(uri.getHost(), uri.getPort());
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(60_000);
      in = new java.io.BufferedInputStream(socket.getInputStream(), 64 * 1024);
      out = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
      host = uri.getHost() + ":" + uri.getPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  byte[] post(String path, byte[] body) throws IOException {
    String head = "POST " + path + " HTTP/1.1\r\nHost: " + host
        + "\r\nContent-Type: application/cbor\r\nContent-Length: " + body.length + "\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    String status = readLine();
    if (status == null || !status.startsWith("HTTP/1.1 ")) {
      throw new IOException("bad status line: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    int length = -1;
    for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon).trim();
      if (field.equalsIgnoreCase("content-length")) {
        length = Integer.parseInt(line.substring(colon + 1).trim());
      } else if (field.equalsIgnoreCase("transfer-encoding")) {
        throw new IOException("chunked answers are not expected here: " + line);
      }
    }
    byte[] answer = in.readNBytes(Math.max(length, 0));
    if (answer.length != Math.max(length, 0)) {
      throw new IOException("the connection closed mid-answer");
    }
    return code == 200 ? answer : null;
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != -1; b = in.read()) {
      if (b == '\n') {
        int n = line.length();
        return n > 0 && line.charAt(n - 1) == '\r' ? line.substring(0, n - 1) : line.toString();
      }
      if (line.length() == MAX_HEADER_BYTES) {
        throw new IOException("header line longer than " + MAX_HEADER_BYTES + " bytes");
      }
      line.append((char) b);
    }
    return line.length() == 0 ? null : line.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
