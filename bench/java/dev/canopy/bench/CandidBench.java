package dev.canopy.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidText;
import dev.canopy.candid.CandidType;
import dev.canopy.candid.CandidValue;
import dev.canopy.candid.DecodeLimits;
import dev.canopy.types.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Candid encode and decode throughput (MB/s of Candid bytes) on a record-heavy payload: a vector
 * of account records. The baseline is Jackson CBOR encoding and decoding the same rows as Java
 * records, measured in the same run; ratios above 1 mean Candid is faster.
 *
 * <p>Usage: {@code bench/run CandidBench [rows] [seconds-per-measurement]}.
 */
public final class CandidBench {
  /** The Jackson side of the comparison: the same fields as the Candid record. */
  public record Account(
      long id, String name, java.math.BigInteger balance, boolean active, List<String> tags,
      byte[] owner, double score) {}

  private static final CandidType ACCOUNT = CandidText.parseType("""
      record {
        id : nat64; name : text; balance : nat; active : bool; tags : vec text;
        owner : principal; score : float64
      }""");
  private static final List<CandidType> TYPES = List.of(CandidType.vec(ACCOUNT));

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
    Random random = new Random(42);
    List<Account> accounts = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      byte[] owner = new byte[10];
      random.nextBytes(owner);
      accounts.add(new Account(
          random.nextLong(), "account-" + i, java.math.BigInteger.valueOf(random.nextInt(1 << 30)),
          random.nextBoolean(), List.of("tag" + (i % 7), "tier-" + (i % 3)), owner,
          random.nextDouble() * 1000));
    }
    List<CandidValue> rowValues = new ArrayList<>(rows);
    for (Account a : accounts) {
      rowValues.add(CandidValue.record(
          CandidValue.field("id", CandidValue.nat64(a.id())),
          CandidValue.field("name", CandidValue.text(a.name())),
          CandidValue.field("balance", CandidValue.nat(a.balance())),
          CandidValue.field("active", CandidValue.bool(a.active())),
          CandidValue.field("tags", CandidValue.vec(
              a.tags().stream().map(CandidValue::text).toList())),
          CandidValue.field("owner", CandidValue.principal(Principal.fromBytes(a.owner()))),
          CandidValue.field("score", CandidValue.float64(a.score()))));
    }
    CandidArgs candidArgs = new CandidArgs(TYPES, List.of(CandidValue.vec(rowValues)));
    byte[] candid = candidArgs.encode();
    if (!CandidArgs.decode(candid, TYPES).values().equals(candidArgs.values())) {
      throw new AssertionError("Candid round trip failed");
    }

    ObjectMapper cbor = new ObjectMapper(new CBORFactory());
    TypeReference<List<Account>> listOfAccounts = new TypeReference<>() {};
    byte[] jackson = cbor.writeValueAsBytes(accounts);
    List<Account> back = cbor.readValue(jackson, listOfAccounts);
    if (back.size() != rows || !back.get(0).name().equals(accounts.get(0).name())) {
      throw new AssertionError("Jackson round trip failed");
    }

    double candidMb = candid.length / 1e6;
    System.out.printf("payload: %d account records; Candid %d bytes, Jackson CBOR %d bytes%n",
        rows, candid.length, jackson.length);

    double candidEncode = perSecond(seconds, () -> candidArgs.encode());
    double jacksonEncode = perSecond(seconds, () -> cbor.writeValueAsBytes(accounts));
    double candidDecode = perSecond(seconds,
        () -> CandidArgs.decode(candid, TYPES, DecodeLimits.DEFAULT));
    double jacksonDecode = perSecond(seconds, () -> cbor.readValue(jackson, listOfAccounts));

    System.out.printf("encode: Candid %.1f MB/s (%.0f payloads/s), Jackson-CBOR %.0f payloads/s;"
        + " Candid/Jackson = %.2f%n", candidEncode * candidMb, candidEncode, jacksonEncode,
        candidEncode / jacksonEncode);
    System.out.printf("decode: Candid %.1f MB/s (%.0f payloads/s), Jackson-CBOR %.0f payloads/s;"
        + " Candid/Jackson = %.2f%n", candidDecode * candidMb, candidDecode, jacksonDecode,
        candidDecode / jacksonDecode);
  }

  private interface Work {
    Object run() throws Exception;
  }

  /** Runs {@code work} for a warm-up second, then counts how many runs fit per second. */
  private static double perSecond(double seconds, Work work) throws Exception {
    long warmUpEnd = System.nanoTime() + 1_000_000_000L;
    Object sink = null;
    while (System.nanoTime() < warmUpEnd) {
      sink = work.run();
    }
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long runs = 0;
    while (System.nanoTime() < end) {
      sink = work.run();
      runs++;
    }
    if (sink == null) {
      throw new AssertionError("no result");
    }
    return runs / ((System.nanoTime() - start) / 1e9);
  }
}
