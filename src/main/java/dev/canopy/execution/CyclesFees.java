package dev.canopy.execution;

import java.math.BigInteger;

/**
 * What execution charges in cycles (spec "Canister cycles"; figures of a 13-node application
 * subnet, docs "Cycles cost formulas").
 *
 * @param updateMessageExecutionFee per executed update, callback, heartbeat or timer
 * @param tenUpdateInstructionsFee per 10 instructions executed
 * @param ingressMessageReceptionFee per inducted ingress message
 * @param ingressByteReceptionFee per byte of an inducted ingress message
 * @param gibStoragePerSecondFee idle burn per GiB of memory per second
 * @param computePercentAllocatedPerSecondFee idle burn per percent of compute allocation per second
 */
public record CyclesFees(
    BigInteger updateMessageExecutionFee,
    BigInteger tenUpdateInstructionsFee,
    BigInteger ingressMessageReceptionFee,
    BigInteger ingressByteReceptionFee,
    BigInteger gibStoragePerSecondFee,
    BigInteger computePercentAllocatedPerSecondFee) {
  private static final BigInteger SECONDS_PER_DAY = BigInteger.valueOf(86_400);
  private static final BigInteger GIB = BigInteger.ONE.shiftLeft(30);

  public CyclesFees {
    Cycles.require(updateMessageExecutionFee, "fee");
    Cycles.require(tenUpdateInstructionsFee, "fee");
    Cycles.require(ingressMessageReceptionFee, "fee");
    Cycles.require(ingressByteReceptionFee, "fee");
    Cycles.require(gibStoragePerSecondFee, "fee");
    Cycles.require(computePercentAllocatedPerSecondFee, "fee");
  }

  public static CyclesFees internetComputerDefaults() {
    return new CyclesFees(BigInteger.valueOf(5_000_000), BigInteger.valueOf(4),
        BigInteger.valueOf(1_200_000), BigInteger.valueOf(2_000), BigInteger.valueOf(127_000),
        BigInteger.valueOf(10_000_000));
  }

  /** Nothing costs anything: for tests that are not about cycles. */
  public static CyclesFees free() {
    return new CyclesFees(BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO,
        BigInteger.ZERO, BigInteger.ZERO);
  }

  /** The fee for executing {@code instructions} in one message. */
  public BigInteger executionCost(long instructions) {
    return updateMessageExecutionFee.add(
        tenUpdateInstructionsFee.multiply(BigInteger.valueOf(instructions))
            .divide(BigInteger.TEN));
  }

  /** The fee for inducting an ingress message of {@code sizeBytes}. */
  public BigInteger ingressInductionCost(long sizeBytes) {
    return ingressMessageReceptionFee.add(
        ingressByteReceptionFee.multiply(BigInteger.valueOf(sizeBytes)));
  }

  /** Cycles a canister burns per day while idle: memory and compute allocation. */
  public BigInteger idleCyclesBurnedPerDay(long memoryBytes, long memoryAllocationBytes,
      int computeAllocationPercent) {
    long bytes = Math.max(memoryBytes, memoryAllocationBytes);
    BigInteger memory = gibStoragePerSecondFee.multiply(BigInteger.valueOf(bytes))
        .multiply(SECONDS_PER_DAY).divide(GIB);
    BigInteger compute = computePercentAllocatedPerSecondFee
        .multiply(BigInteger.valueOf(computeAllocationPercent)).multiply(SECONDS_PER_DAY);
    return memory.add(compute);
  }

  /**
   * {@code idle_cycles_burned_rate × freezing_threshold / 86400} (spec "Canister cycles": the
   * freezing limit).
   */
  public BigInteger freezingLimit(Canister c) {
    SystemState s = c.system();
    BigInteger perDay = idleCyclesBurnedPerDay(c.memorySizeBytes(),
        s.settings().memoryAllocationBytes(), s.settings().computeAllocationPercent());
    return perDay.multiply(BigInteger.valueOf(s.settings().freezingThresholdSeconds()))
        .divide(SECONDS_PER_DAY);
  }

  /** {@code balance − max(freezing_limit − reserved_balance, 0)}, which may be negative. */
  public BigInteger liquidBalance(Canister c) {
    BigInteger locked = freezingLimit(c).subtract(c.system().reservedBalance())
        .max(BigInteger.ZERO);
    return c.system().cyclesBalance().subtract(locked);
  }

  /** Whether the canister is frozen: its liquid balance is below {@code required}. */
  public boolean isFrozen(Canister c, BigInteger required) {
    return liquidBalance(c).compareTo(required) < 0;
  }
}
