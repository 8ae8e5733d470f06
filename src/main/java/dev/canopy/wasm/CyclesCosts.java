package dev.canopy.wasm;

import java.math.BigInteger;
import java.util.Map;
import java.util.Objects;
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
 * @param httpRequestV2 prices of an HTTP outcall per pricing version 2
 *     ({@code cost_http_request_v2})
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
    HttpRequestV2Prices httpRequestV2,
    SortedMap<String, BigInteger> ecdsaKeyFees,
    SortedMap<String, BigInteger> schnorrKeyFees,
    SortedMap<String, BigInteger> vetKdKeyFees) {

  public CyclesCosts {
    Objects.requireNonNull(httpRequestV2, "httpRequestV2");
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
        HttpRequestV2Prices.internetComputerDefaults(),
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

  /**
   * Per-node prices of an HTTP outcall under pricing version 2, as the Internet Computer's cycles
   * account manager defines them ({@code http_request_fee_v2}); the spec gives only the parameters.
   * For a subnet of {@code n} nodes the fee is {@code n} times the per-node sum
   *
   * <pre>
   * baseFee + perRequestByte * request_bytes + perNode * n + perNodeSquared * n * n
   *   + perRawResponseByte * raw_response_bytes + perRoundtripMs * http_roundtrip_time_ms
   *   + floor(transform_instructions / transformInstructionsPerCycle)
   *   + (perTransformedBytePerNode * n + perTransformedByte) * transformed_response_bytes
   * </pre>
   *
   * <p>Note: the transform divisor is the reference subnet size 13, not {@code n}: the IC prices
   * transform instructions against that reference on every subnet.
   */
  public record HttpRequestV2Prices(
      BigInteger baseFee,
      BigInteger perRequestByte,
      BigInteger perNode,
      BigInteger perNodeSquared,
      BigInteger perRawResponseByte,
      BigInteger perRoundtripMs,
      long transformInstructionsPerCycle,
      BigInteger perTransformedByte,
      BigInteger perTransformedBytePerNode) {

    public HttpRequestV2Prices {
      if (transformInstructionsPerCycle < 1) {
        throw new IllegalArgumentException("transformInstructionsPerCycle must be positive");
      }
    }

    public static HttpRequestV2Prices internetComputerDefaults() {
      return new HttpRequestV2Prices(
          BigInteger.valueOf(1_000_000),
          BigInteger.valueOf(50),
          BigInteger.valueOf(140_000),
          BigInteger.valueOf(800),
          BigInteger.valueOf(50),
          BigInteger.valueOf(300),
          13,
          BigInteger.valueOf(650),
          BigInteger.valueOf(10));
    }

    /** The fee for this usage on a subnet of {@code subnetNodes} nodes (not capped). */
    BigInteger fee(HttpCostParamsV2 usage, int subnetNodes) {
      BigInteger n = BigInteger.valueOf(subnetNodes);
      BigInteger perNodeSum = baseFee
          .add(perRequestByte.multiply(usage.requestBytes()))
          .add(perNode.multiply(n))
          .add(perNodeSquared.multiply(n).multiply(n))
          .add(perRawResponseByte.multiply(usage.rawResponseBytes()))
          .add(perRoundtripMs.multiply(usage.httpRoundtripTimeMs()))
          .add(usage.transformInstructions()
              .divide(BigInteger.valueOf(transformInstructionsPerCycle)))
          .add(perTransformedBytePerNode.multiply(n).add(perTransformedByte)
              .multiply(usage.transformedResponseBytes()));
      return perNodeSum.multiply(n);
    }
  }
}
