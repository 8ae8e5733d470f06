package dev.canopy.node;

import java.io.IOException;
import java.nio.file.Path;

/** A separate process that holds a data directory until its standard input closes. */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws IOException {
    DataDirectory held = DataDirectory.open(Path.of(args[0]));
    try {
      System.out.println("locked");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close our input
      }
    } finally {
      held.close();
    }
  }
}
