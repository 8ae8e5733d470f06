package dev.canopy.state;

import dev.canopy.types.CanisterId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Encoded data certificates ({@link CertifiedState#dataCertificate}) of the certified height
 * asked for last, by canister. Every query gets its canister's certificate (the canister may read
 * it), so a busy canister's is cut from the tree and encoded once per height instead of once per
 * query.
 *
 * <p>Bounded: at most {@code maxPerHeight} canisters' certificates are kept, and only those of one
 * height (the certified state is compared by identity); asking for another height starts afresh.
 * Thread-safe; callers must not modify the arrays it returns.
 */
public final class DataCertificateCache {
  private final int maxPerHeight;
  private final AtomicReference<Height> current = new AtomicReference<>();

  private record Height(CertifiedState certified, ConcurrentHashMap<CanisterId, byte[]> byCanister) {}

  public DataCertificateCache(int maxPerHeight) {
    if (maxPerHeight < 0) {
      throw new IllegalArgumentException("maxPerHeight must not be negative");
    }
    this.maxPerHeight = maxPerHeight;
  }

  /** {@code certified.dataCertificate(canisterId).encode()}, made once per height and canister. */
  public byte[] get(CertifiedState certified, CanisterId canisterId) {
    Height height = current.get();
    if (height == null || height.certified() != certified) {
      height = new Height(certified, new ConcurrentHashMap<>());
      current.set(height);
    }
    byte[] known = height.byCanister().get(canisterId);
    if (known != null) {
      return known;
    }
    byte[] made = certified.dataCertificate(canisterId).encode();
    if (height.byCanister().size() < maxPerHeight) {
      height.byCanister().putIfAbsent(canisterId, made);
    }
    return made;
  }

  /** Certificates kept for the height asked for last. */
  public int size() {
    Height height = current.get();
    return height == null ? 0 : height.byCanister().size();
  }
}
