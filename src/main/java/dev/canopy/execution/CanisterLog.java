package dev.canopy.execution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A canister's log ({@code fetch_canister_logs}): records with a running index and the batch time,
 * bounded by {@link #MAX_SIZE_BYTES}; the oldest records go first. Immutable.
 */
public final class CanisterLog {
  /** Total content bytes kept per canister. */
  public static final int MAX_SIZE_BYTES = 64 * 1024;
  public static final CanisterLog EMPTY = new CanisterLog(List.of(), 0, 0);

  /** One log line: {@code canister_log_record} of ic.did. */
  public record Record(long idx, long timestampNs, byte[] content) {
    public Record {
      content = content.clone();
    }

    @Override
    public byte[] content() {
      return content.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Record r && idx == r.idx && timestampNs == r.timestampNs
          && Arrays.equals(content, r.content);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(idx);
    }
  }

  private final List<Record> records;
  private final long nextIdx;
  private final long sizeBytes;

  private CanisterLog(List<Record> records, long nextIdx, long sizeBytes) {
    this.records = records;
    this.nextIdx = nextIdx;
    this.sizeBytes = sizeBytes;
  }

  public static CanisterLog restore(List<Record> records, long nextIdx) {
    long size = 0;
    for (Record r : records) {
      size += r.content.length;
    }
    return new CanisterLog(List.copyOf(records), nextIdx, size);
  }

  public List<Record> records() {
    return records;
  }

  public long nextIdx() {
    return nextIdx;
  }

  public long sizeBytes() {
    return sizeBytes;
  }

  /** Appends lines with the given timestamp, dropping the oldest beyond the bound. */
  public CanisterLog append(List<byte[]> contents, long timestampNs) {
    if (contents.isEmpty()) {
      return this;
    }
    ArrayDeque<Record> d = new ArrayDeque<>(records);
    long idx = nextIdx;
    long size = sizeBytes;
    for (byte[] c : contents) {
      byte[] kept = c.length > MAX_SIZE_BYTES ? Arrays.copyOf(c, MAX_SIZE_BYTES) : c;
      d.addLast(new Record(idx++, timestampNs, kept));
      size += kept.length;
      while (size > MAX_SIZE_BYTES) {
        size -= d.removeFirst().content.length;
      }
    }
    return new CanisterLog(List.copyOf(new ArrayList<>(d)), idx, size);
  }

  /** An empty log that keeps counting indices (for {@code uninstall_code} and the like). */
  public CanisterLog cleared() {
    return new CanisterLog(List.of(), nextIdx, 0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CanisterLog l && nextIdx == l.nextIdx && records.equals(l.records);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(nextIdx);
  }
}
