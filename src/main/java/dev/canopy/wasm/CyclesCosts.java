package dev.canopy.wasm;

import java.math.BigInteger;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Cycle prices the {@code ic0.cost_*} functions report and {@code call_perform} sets aside. The
 * defaults approximate a 13-node application subnet of the Internet Computer.
 *
 * @param callFee base fee of an inter-canister call
 * @param callFeePerByte per byte of method name and payload
 * @param responseReservation set aside by {@code call_perform} for the response and its callback
 *     (MAX_CYCLES_PER_RESPONSE)
 * @param createCanisterFee fee of {@code create_canister}
 * @param httpRequestBase fee of an HTTP outcall, per the deprecated pricing version 1
 * @param httpRequestPerRequestByte per request byte
 * @param httpRequestPerResponseByte per byte of the maximal response
 * @param ecdsaKeyFees sign_with_ecdsa fee per key name (curve secp256k1)
 * @param schnorrKeyFees sign_with_schnorr fee per key name (both algorithms)
 * @param vetKdKeyFees vetkd_derive_key fee per key name (curve bls12_381)
 */
public record CyclesCosts(
    BigInteger callFee,
    BigInteger callFeePerByte,
    BigInteger responseReservation,
    BigInteger createCanisterFee,
    BigInteger httpRequestBase,
    BigInteger httpRequestPerRequestByte,
    BigInteger httpRequestPerResponseByte,
    SortedMap<String, BigInteger> ecdsaKeyFees,
    SortedMap<String, BigInteger> schnorrKeyFees,
    SortedMap<String, BigInteger> vetKdKeyFees) {

  public CyclesCosts {
    ecdsaKeyFees = new TreeMap<>(ecdsaKeyFees);
    schnorrKeyFees = new TreeMap<>(schnorrKeyFees);
    vetKdKeyFees = new TreeMap<>(vetKdKeyFees);
  }

  public static CyclesCosts internetComputerDefaults() {
    BigInteger thresholdFee = BigInteger.valueOf(26_153_846_153L);
    BigInteger testFee = BigInteger.valueOf(10_000_000_000L);
    Map<String, BigInteger> keys =
        Map.of("key_1", thresholdFee, "test_key_1", testFee, "dfx_test_key", testFee);
    long n = 13;
    return new CyclesCosts(
        BigInteger.valueOf(260_000),
        BigInteger.valueOf(1_000),
        // 2 MiB response at 1,000 cycles a byte plus a 40-billion-instruction callback at 0.4.
        BigInteger.valueOf(2_097_152_000L + 16_000_000_000L),
        BigInteger.valueOf(500_000_000_000L),
        BigInteger.valueOf((3_000_000 + 60_000 * n) * n),
        BigInteger.valueOf(400 * n),
        BigInteger.valueOf(800 * n),
        new TreeMap<>(keys),
        new TreeMap<>(keys),
        new TreeMap<>(keys));
  }

  BigInteger callCost(long methodNameBytes, long payloadBytes) {
    return callFee
        .add(callFeePerByte.multiply(
            BigInteger.valueOf(methodNameBytes).add(BigInteger.valueOf(payloadBytes))))
        .add(responseReservation);
  }
}
