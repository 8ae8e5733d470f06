package dev.canopy.wasm;

import dev.canopy.candid.CandidDecodeException;
import dev.canopy.candid.CandidDecoder;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidType.Field;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.candid.CandidValue;
import dev.canopy.candid.DecodeLimits;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;

/**
 * The parameters of {@code ic0.cost_http_request_v2}: a Candid value of type
 *
 * <pre>
 * record {
 *   request_bytes : nat64; http_roundtrip_time_ms : nat64; raw_response_bytes : nat64;
 *   transformed_response_bytes : nat64; transform_instructions : nat64;
 *   outcall_type : opt variant {
 *     fully_replicated : reserved; non_replicated : reserved;
 *     flexible : opt record {
 *       min_responses : nat32; max_responses : nat32; total_requests : nat32 }
 *   }
 * }
 * </pre>
 *
 * The five counts are unsigned 64-bit numbers, kept as {@link BigInteger}s.
 */
record HttpCostParamsV2(
    BigInteger requestBytes,
    BigInteger httpRoundtripTimeMs,
    BigInteger rawResponseBytes,
    BigInteger transformedResponseBytes,
    BigInteger transformInstructions,
    OutcallType outcallType) {

  /** Which kind of outcall is priced; an absent {@code outcall_type} means fully replicated. */
  enum OutcallType { FULLY_REPLICATED, NON_REPLICATED, FLEXIBLE }

  /**
   * The largest parameter blob accepted. A minimal encoding of the full type is under 150 bytes;
   * this leaves room for any reasonable encoder while keeping the decode trivially cheap.
   */
  static final int MAX_PARAMS_BYTES = 1024;

  private static final CandidType COUNTS = CandidType.record(
      CandidType.field("min_responses", Prim.NAT32),
      CandidType.field("max_responses", Prim.NAT32),
      CandidType.field("total_requests", Prim.NAT32));

  static final CandidType TYPE = CandidType.record(
      CandidType.field("request_bytes", Prim.NAT64),
      CandidType.field("http_roundtrip_time_ms", Prim.NAT64),
      CandidType.field("raw_response_bytes", Prim.NAT64),
      CandidType.field("transformed_response_bytes", Prim.NAT64),
      CandidType.field("transform_instructions", Prim.NAT64),
      CandidType.field("outcall_type", CandidType.opt(CandidType.variant(
          CandidType.field("fully_replicated", Prim.RESERVED),
          CandidType.field("non_replicated", Prim.RESERVED),
          CandidType.field("flexible", CandidType.opt(COUNTS))))));

  private static final DecodeLimits LIMITS = DecodeLimits.builder()
      .maxInputBytes(MAX_PARAMS_BYTES)
      .maxTypeTableEntries(64)
      .maxDepth(32)
      .baseCostUnits(256)
      .costUnitsPerInputByte(1)
      .build();

  /**
   * Decodes the parameters, or throws a contract-violation trap naming what is wrong.
   *
   * <p>Note: the spec lets the replica refuse encodings that its decoder would have to skip data
   * of (fields beyond the type, a non-null payload of {@code fully_replicated} or
   * {@code non_replicated}); the IC decodes with no skipping allowed. We refuse exactly those, and
   * anything a Candid coercion would otherwise turn into {@code null} silently, so a malformed
   * blob never prices as some other outcall.
   */
  static HttpCostParamsV2 decode(byte[] blob) {
    if (blob.length > MAX_PARAMS_BYTES) {
      throw tooLarge(blob.length);
    }
    CandidValue.Record value;
    try {
      List<CandidType> wire = CandidDecoder.decode(blob, LIMITS).types();
      if (wire.size() != 1) {
        throw invalid("expected exactly one Candid value, found " + wire.size());
      }
      String mismatch = mismatch(wire.get(0), TYPE, "the parameters");
      if (mismatch != null) {
        throw invalid(mismatch);
      }
      value = (CandidValue.Record) CandidDecoder.decode(blob, List.of(TYPE), LIMITS).get(0);
    } catch (CandidDecodeException e) {
      throw invalid("not a Candid encoding of the parameter record: " + e.getMessage());
    }
    return new HttpCostParamsV2(
        nat64(value, "request_bytes"),
        nat64(value, "http_roundtrip_time_ms"),
        nat64(value, "raw_response_bytes"),
        nat64(value, "transformed_response_bytes"),
        nat64(value, "transform_instructions"),
        outcallType((CandidValue.Opt) value.get("outcall_type")));
  }

  private static BigInteger nat64(CandidValue.Record r, String name) {
    return ((CandidValue.FixedNat) r.get(name)).toBigInteger();
  }

  private static OutcallType outcallType(CandidValue.Opt opt) {
    if (opt == null || !opt.isPresent()) {
      return OutcallType.FULLY_REPLICATED;
    }
    CandidValue.Variant v = (CandidValue.Variant) opt.value();
    if (v.is("non_replicated")) {
      return OutcallType.NON_REPLICATED;
    }
    return v.is("flexible") ? OutcallType.FLEXIBLE : OutcallType.FULLY_REPLICATED;
  }

  /**
   * Why the wire type {@code wire} would lose or skip data when read at {@code expected}, or null
   * if it reads without either. Recursion follows {@code expected}, which is finite, so a
   * recursive wire type cannot make this loop.
   */
  private static String mismatch(CandidType wire, CandidType expected, String where) {
    CandidType w = wire.resolve();
    if (expected instanceof Prim p) {
      boolean ok = p == Prim.RESERVED ? w == Prim.NULL || w == Prim.RESERVED : w == p;
      return ok ? null : where + " has type " + describe(w) + ", expected "
          + (p == Prim.RESERVED ? "null" : p.keyword());
    }
    if (expected instanceof CandidType.Opt o) {
      if (w == Prim.NULL) {
        return null;
      }
      return w instanceof CandidType.Opt wo
          ? mismatch(wo.inner(), o.inner(), where)
          : where + " has type " + describe(w) + ", expected an opt";
    }
    boolean isRecord = expected instanceof CandidType.Record;
    List<Field> expectedFields = isRecord
        ? ((CandidType.Record) expected).fields()
        : ((CandidType.Variant) expected).fields();
    List<Field> wireFields;
    if (isRecord && w instanceof CandidType.Record wr) {
      wireFields = wr.fields();
    } else if (!isRecord && w instanceof CandidType.Variant wv) {
      wireFields = wv.fields();
    } else {
      return where + " has type " + describe(w) + ", expected a "
          + (isRecord ? "record" : "variant");
    }
    for (Field f : wireFields) {
      Field e = expectedFields.stream().filter(x -> x.id() == f.id()).findFirst().orElse(null);
      if (e == null) {
        return where + " has a " + (isRecord ? "field" : "case") + " with id " + f.id()
            + " that the parameter type does not have";
      }
      String m = mismatch(f.type(), e.type(), e.name());
      if (m != null) {
        return m;
      }
    }
    return null;
  }

  private static String describe(CandidType t) {
    if (t instanceof Prim p) {
      return p.keyword();
    }
    return t.getClass().getSimpleName().toLowerCase(Locale.ROOT);
  }

  static CanisterTrap tooLarge(long sizeBytes) {
    return invalid("the parameter blob has " + sizeBytes + " bytes, more than the "
        + MAX_PARAMS_BYTES + " accepted");
  }

  private static CanisterTrap invalid(String why) {
    return CanisterTrap.contractViolation("ic0.cost_http_request_v2: " + why);
  }
}
