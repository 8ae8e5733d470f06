package dev.canopy.wasm;

import java.util.EnumSet;
import java.util.Set;

/**
 * The contexts from which System API functions may be called (spec "Overview of imports"); each
 * constant carries the spec's letter.
 */
public enum ApiContext {
  INIT("I"),
  PRE_UPGRADE("G"),
  UPDATE("U"),
  REPLICATED_QUERY("RQ"),
  NON_REPLICATED_QUERY("NRQ"),
  TRANSFORM_QUERY("TQ"),
  COMPOSITE_QUERY("CQ"),
  REPLY_CALLBACK("Ry"),
  REJECT_CALLBACK("Rt"),
  COMPOSITE_REPLY_CALLBACK("CRy"),
  COMPOSITE_REJECT_CALLBACK("CRt"),
  CLEANUP("C"),
  COMPOSITE_CLEANUP("CC"),
  INSPECT_MESSAGE("F"),
  SYSTEM_TASK("T"),
  START("s");

  private final String letter;

  ApiContext(String letter) {
    this.letter = letter;
  }

  public String letter() {
    return letter;
  }

  /** Whether this context runs in replicated mode (spec "Replicated and Non-Replicated execution mode"). */
  public boolean replicated() {
    return switch (this) {
      case NON_REPLICATED_QUERY, TRANSFORM_QUERY, COMPOSITE_QUERY, COMPOSITE_REPLY_CALLBACK,
          COMPOSITE_REJECT_CALLBACK, COMPOSITE_CLEANUP, INSPECT_MESSAGE -> false;
      default -> true;
    };
  }

  /** Parses a spec comment such as {@code "U RQ NRQ"}; {@code *} is every context except start. */
  static Set<ApiContext> parse(String letters) {
    EnumSet<ApiContext> set = EnumSet.noneOf(ApiContext.class);
    for (String token : letters.trim().split("\\s+")) {
      if (token.equals("*")) {
        set.addAll(EnumSet.complementOf(EnumSet.of(START)));
        continue;
      }
      boolean found = false;
      for (ApiContext c : values()) {
        if (c.letter.equals(token)) {
          set.add(c);
          found = true;
        }
      }
      if (!found) {
        throw new IllegalArgumentException("unknown context letter " + token);
      }
    }
    return set;
  }
}
