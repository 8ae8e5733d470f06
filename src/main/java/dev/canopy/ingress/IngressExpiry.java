package dev.canopy.ingress;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The window in which a request's {@code ingress_expiry} is accepted, and the reference replica's
 * refusal text for expiries outside it.
 *
 * <p>Note: the window is {@code [now, now + MAX_INGRESS_TTL + PERMITTED_DRIFT_AT_VALIDATOR]} =
 * {@code [now, now + 5 min + 30 s]}, bounds included, as in dfinity/ic's validator. The refusal
 * text matches it byte for byte (times printed as chrono prints a UTC timestamp), because agents
 * recognise the prefix {@code "Invalid request expiry: "} and resynchronise their clock.
 */
public record IngressExpiry(long maxIngressTtlNs, long permittedDriftNs) {
  public static final long MAX_INGRESS_TTL_NS = 5L * 60 * 1_000_000_000L;
  public static final long PERMITTED_DRIFT_AT_VALIDATOR_NS = 30L * 1_000_000_000L;
  public static final IngressExpiry REFERENCE =
      new IngressExpiry(MAX_INGRESS_TTL_NS, PERMITTED_DRIFT_AT_VALIDATOR_NS);

  /** The prefix agents match. */
  public static final String MESSAGE_PREFIX = "Invalid request expiry: ";

  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

  public IngressExpiry {
    if (maxIngressTtlNs < 0 || permittedDriftNs < 0) {
      throw new IllegalArgumentException("durations must be non-negative");
    }
  }

  /** The latest expiry accepted at {@code nowNs}; saturates at 2^64-1 ns. */
  public long maxAllowedNs(long nowNs) {
    long span = maxIngressTtlNs + permittedDriftNs;
    long max = nowNs + span;
    return Long.compareUnsigned(max, nowNs) < 0 ? -1L : max;
  }

  public boolean accepts(long expiryNs, long nowNs) {
    return Long.compareUnsigned(nowNs, expiryNs) <= 0
        && Long.compareUnsigned(expiryNs, maxAllowedNs(nowNs)) <= 0;
  }

  /** Throws the reference replica's 400 unless {@code expiryNs} is in the window at {@code nowNs}. */
  public void check(long expiryNs, long nowNs) {
    if (!accepts(expiryNs, nowNs)) {
      throw new IngressRejection(
          IngressRejection.Reason.INVALID_EXPIRY,
          MESSAGE_PREFIX
              + "Specified ingress_expiry not within expected range: Minimum allowed expiry: "
              + formatTime(nowNs)
              + ", Maximum allowed expiry: "
              + formatTime(maxAllowedNs(nowNs))
              + ", Provided expiry:        "
              + formatTime(expiryNs));
    }
  }

  /**
   * A time as the reference replica prints one: {@code 2025-05-01 23:55:18.005285297 UTC}, the
   * fraction printed with 0, 3, 6 or 9 digits as the value needs; a time past 2262 (beyond a
   * signed 64-bit nanosecond count) as {@code <n>ns}.
   */
  public static String formatTime(long unsignedNs) {
    if (unsignedNs < 0) {
      return Long.toUnsignedString(unsignedNs) + "ns";
    }
    long seconds = unsignedNs / 1_000_000_000L;
    int nanos = (int) (unsignedNs % 1_000_000_000L);
    String text = LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC).format(SECONDS);
    String fraction;
    if (nanos == 0) {
      fraction = "";
    } else if (nanos % 1_000_000 == 0) {
      fraction = String.format(".%03d", nanos / 1_000_000);
    } else if (nanos % 1_000 == 0) {
      fraction = String.format(".%06d", nanos / 1_000);
    } else {
      fraction = String.format(".%09d", nanos);
    }
    return text + fraction + " UTC";
  }
}
