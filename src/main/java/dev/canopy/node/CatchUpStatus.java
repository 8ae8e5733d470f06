package dev.canopy.node;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What this replica's catch-up has done, for operators and tests: the newest catch-up package it
 * knows, and the states it installed from its peers (state syncs) instead of executing the heights
 * below them. Written by the catch-up actor, read from anywhere.
 */
public final class CatchUpStatus {
  private final AtomicLong recoveredHeight = new AtomicLong(-1);
  private final AtomicLong latestPackageHeight = new AtomicLong(-1);
  private final AtomicLong lastOwnPackageHeight = new AtomicLong(-1);
  private final AtomicLong statesInstalled = new AtomicLong();
  private final AtomicLong lastInstalledHeight = new AtomicLong(-1);
  private final AtomicLong syncsFailed = new AtomicLong();
  private final AtomicLong chunksRejected = new AtomicLong();

  /** The height the replica's state recovered at from its own journal; -1 until it has. */
  public long recoveredHeight() {
    return recoveredHeight.get();
  }

  /** The height of the newest valid catch-up package this replica knows; -1 before any. */
  public long latestPackageHeight() {
    return latestPackageHeight.get();
  }

  /**
   * The height of the newest catch-up package made of this replica's own content: n − f shares,
   * its own among them, signed the same content it computed; -1 before any.
   */
  public long lastOwnPackageHeight() {
    return lastOwnPackageHeight.get();
  }

  /** States installed from peers through a catch-up package since the node started. */
  public long statesInstalled() {
    return statesInstalled.get();
  }

  /** The height of the last state installed from peers; -1 if none. */
  public long lastInstalledHeight() {
    return lastInstalledHeight.get();
  }

  /** State syncs given up (all peers excluded, too slow, or the state did not match). */
  public long syncsFailed() {
    return syncsFailed.get();
  }

  /** Chunks or manifests from peers that did not match what the subnet signed. */
  public long chunksRejected() {
    return chunksRejected.get();
  }

  void recovered(long height) {
    recoveredHeight.set(height);
  }

  void packageKnown(long height) {
    latestPackageHeight.accumulateAndGet(height, Math::max);
  }

  void ownPackage(long height) {
    lastOwnPackageHeight.accumulateAndGet(height, Math::max);
  }

  void installed(long height) {
    lastInstalledHeight.set(height);
    statesInstalled.incrementAndGet();
  }

  void syncFailed() {
    syncsFailed.incrementAndGet();
  }

  void chunkRejected() {
    chunksRejected.incrementAndGet();
  }

  @Override
  public String toString() {
    return "CatchUpStatus[recovered at " + recoveredHeight() + ", package " + latestPackageHeight()
        + " (own " + lastOwnPackageHeight() + "), installed " + statesInstalled()
        + " (last at " + lastInstalledHeight() + "), failed " + syncsFailed() + ", rejected chunks "
        + chunksRejected() + "]";
  }
}
