package dev.canopy.state;

import java.math.BigInteger;

/**
 * The value at {@code /subnet/<sid>/metrics} (spec "Subnet information"): {@code num_canisters},
 * {@code canister_state_bytes}, {@code consumed_cycles_total} (128 bits, written as a low and a
 * high part) and {@code update_transactions_total}; encoded by {@link CertifiedStateTreeBuilder}.
 */
public record SubnetMetrics(
    long canisterCount,
    long canisterStateBytes,
    BigInteger consumedCyclesTotal,
    long updateTransactionCount) {
  static final BigInteger MAX_U128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

  public SubnetMetrics {
    if (canisterCount < 0 || canisterStateBytes < 0 || updateTransactionCount < 0) {
      throw new IllegalArgumentException("subnet metrics cannot be negative");
    }
    if (consumedCyclesTotal.signum() < 0 || consumedCyclesTotal.compareTo(MAX_U128) > 0) {
      throw new IllegalArgumentException("consumed cycles must fit 128 bits");
    }
  }
}
