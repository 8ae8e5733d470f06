package dev.canopy.wasm;

import dev.canopy.types.Hashing;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * What a canister's code owns between executions: the Wasm heap, the mutable globals, stable
 * memory, certified data and the global timer. Immutable; memories share unchanged pages with
 * earlier versions.
 */
public final class CanisterState {
  public static final int MAX_CERTIFIED_DATA_BYTES = 32;

  private final PageMap heap;
  private final long[] globals;
  private final PageMap stableMemory;
  private final byte[] certifiedData;
  private final long globalTimerNs;

  CanisterState(
      PageMap heap, long[] globals, PageMap stableMemory, byte[] certifiedData, long globalTimerNs) {
    if (certifiedData.length > MAX_CERTIFIED_DATA_BYTES) {
      throw new IllegalArgumentException("certified data has at most 32 bytes");
    }
    this.heap = heap;
    this.globals = globals.clone();
    this.stableMemory = stableMemory;
    this.certifiedData = certifiedData.clone();
    this.globalTimerNs = globalTimerNs;
  }

  /** A state from its parts (for checkpoints); {@code globals} as {@link #globalValues()} gives them. */
  public static CanisterState restore(PageMap heap, long[] globals, PageMap stableMemory,
      byte[] certifiedData, long globalTimerNs) {
    return new CanisterState(heap, globals, stableMemory, certifiedData, globalTimerNs);
  }

  /** The mutable globals' values (low and high 64 bits each), in index order; a copy. */
  public long[] globalValues() {
    return globals.clone();
  }

  public PageMap heap() {
    return heap;
  }

  /** Values of the module's mutable globals (low and high 64 bits each), in index order. */
  long[] globals() {
    return globals.clone();
  }

  public PageMap stableMemory() {
    return stableMemory;
  }

  public byte[] certifiedData() {
    return certifiedData.clone();
  }

  /** The global timer in ns since 1970; 0 when inactive. */
  public long globalTimerNs() {
    return globalTimerNs;
  }

  /**
   * A copy with the global timer set; the scheduler deactivates the timer (0) when it schedules
   * {@code canister_global_timer} (spec "Global timer").
   */
  public CanisterState withGlobalTimerNs(long timerNs) {
    return withGlobalTimer(timerNs);
  }

  CanisterState withStableMemory(PageMap stable) {
    return new CanisterState(heap, globals, stable, certifiedData, globalTimerNs);
  }

  CanisterState withGlobalTimer(long timerNs) {
    return new CanisterState(heap, globals, stableMemory, certifiedData, timerNs);
  }

  /**
   * SHA-256 over heap, globals, stable memory, certified data and timer: two replicas that ran the
   * same messages have the same hash.
   */
  public byte[] stateHash() {
    MessageDigest d = Hashing.sha256Digest();
    d.update(heap.contentHash());
    ByteBuffer b = ByteBuffer.allocate(8 * (globals.length + 2));
    b.putLong(globals.length);
    for (long g : globals) {
      b.putLong(g);
    }
    b.putLong(globalTimerNs);
    d.update(b.array());
    d.update(stableMemory.contentHash());
    d.update((byte) certifiedData.length);
    d.update(certifiedData);
    return d.digest();
  }

  @Override
  public String toString() {
    return "CanisterState[heap " + heap.pageCount() + " pages, stable " + stableMemory.pageCount()
        + " pages, " + globals.length / 2 + " globals, timer " + globalTimerNs + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CanisterState s && Arrays.equals(s.stateHash(), stateHash());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(stateHash());
  }
}
