package dev.canopy.candid;

import dev.canopy.candid.CandidType.Field;
import dev.canopy.candid.CandidType.Func;
import dev.canopy.candid.CandidType.Method;
import dev.canopy.candid.CandidType.Named;
import dev.canopy.candid.CandidType.Opt;
import dev.canopy.candid.CandidType.Prim;
import dev.canopy.candid.CandidType.Record;
import dev.canopy.candid.CandidType.Service;
import dev.canopy.candid.CandidType.Variant;
import dev.canopy.candid.CandidType.Vec;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The subtyping relation {@code t1 <: t2} of spec section "Upgrading and Subtyping", decided
 * coinductively so recursive types terminate: a pair of named types already under check is
 * assumed to hold.
 *
 * <p>Note: every rule is a conjunction of checks on component pairs (or holds outright), so
 * {@code t1 <: t2} holds exactly when no pair reachable from it fails its structural rule. The
 * pairs are explored from a work list on the heap, not by recursion, so how deeply the types nest
 * (a wire type table may chain thousands of entries) does not depend on the thread's stack; the
 * work is bounded by {@link #MAX_STEPS}.
 *
 * <p>Used by the decoder for function and service references (spec "Coercion", references) and
 * to check that a new service interface does not break the clients of an old one.
 */
public final class Subtyping {
  /** Comparisons of component pairs allowed in one check; more is refused. */
  public static final int MAX_STEPS = 1_000_000;

  private final Set<Pair> assumed = new HashSet<>();
  private final ArrayDeque<Pair> pending = new ArrayDeque<>();

  private record Pair(CandidType sub, CandidType sup) {}

  private Subtyping() {}

  /**
   * True if {@code sub <: sup}. Throws {@link IllegalArgumentException} if deciding it takes more
   * than {@link #MAX_STEPS} comparisons.
   */
  public static boolean isSubtype(CandidType sub, CandidType sup) {
    return new Subtyping().check(sub, sup);
  }

  /**
   * True if a service of type {@code upgraded} can replace one of type {@code current} without
   * breaking its clients ({@code upgraded <: current}).
   */
  public static boolean isUpgradeCompatible(CandidType upgraded, CandidType current) {
    return isSubtype(upgraded, current);
  }

  /** {@code null <: t}: t is null, an option or reserved. */
  static boolean acceptsNull(CandidType t) {
    CandidType r = t.resolve();
    return r == Prim.NULL || r == Prim.RESERVED || r instanceof Opt;
  }

  private boolean check(CandidType sub, CandidType sup) {
    pending.push(new Pair(sub, sup));
    int steps = 0;
    while (!pending.isEmpty()) {
      if (++steps > MAX_STEPS) {
        throw new IllegalArgumentException(
            "types too large to compare in " + MAX_STEPS + " steps");
      }
      Pair pair = pending.pop();
      CandidType t1 = pair.sub();
      CandidType t2 = pair.sup();
      if (t1 instanceof Named || t2 instanceof Named) {
        if (!assumed.add(pair)) {
          continue;
        }
        t1 = t1.resolve();
        t2 = t2.resolve();
      }
      if (!holdsLocally(t1, t2)) {
        return false;
      }
    }
    return true;
  }

  /** Checks the rule for two structural types, queueing the component pairs it needs. */
  private boolean holdsLocally(CandidType t1, CandidType t2) {
    if (t2 == Prim.RESERVED || t1 == Prim.EMPTY) {
      return true;
    }
    // Note: spec "Options": null, reserved and opt are below every opt; every other type is below
    // every opt too (through the constituent or, failing that, the rules kept for transitivity).
    if (t2 instanceof Opt) {
      return true;
    }
    if (t1 instanceof Prim p1 && t2 instanceof Prim p2) {
      return p1 == p2 || (p1 == Prim.NAT && p2 == Prim.INT);
    }
    if (t1 instanceof Service && t2 == Prim.PRINCIPAL) {
      return true;
    }
    if (t1 instanceof Vec v1 && t2 instanceof Vec v2) {
      pending.push(new Pair(v1.element(), v2.element()));
      return true;
    }
    if (t1 instanceof Record r1 && t2 instanceof Record r2) {
      for (Field f2 : r2.fields()) {
        Field f1 = r1.field(f2.id());
        if (f1 == null) {
          if (!acceptsNull(f2.type())) {
            return false;
          }
        } else {
          pending.push(new Pair(f1.type(), f2.type()));
        }
      }
      return true;
    }
    if (t1 instanceof Variant v1 && t2 instanceof Variant v2) {
      for (Field f1 : v1.fields()) {
        Field f2 = v2.field(f1.id());
        if (f2 == null) {
          return false;
        }
        pending.push(new Pair(f1.type(), f2.type()));
      }
      return true;
    }
    if (t1 instanceof Func f1 && t2 instanceof Func f2) {
      return f1.modes().equals(f2.modes())
          && tupleSubtype(f2.args(), f1.args())
          && tupleSubtype(f1.results(), f2.results());
    }
    if (t1 instanceof Service s1 && t2 instanceof Service s2) {
      for (Method m2 : s2.methods()) {
        Method m1 = s1.method(m2.name());
        if (m1 == null) {
          return false;
        }
        pending.push(new Pair(m1.type(), m2.type()));
      }
      return true;
    }
    return false;
  }

  /** Argument sequences compare as tuple records (spec "Functions"). */
  private boolean tupleSubtype(List<CandidType> sub, List<CandidType> sup) {
    for (int i = 0; i < sup.size(); i++) {
      if (i < sub.size()) {
        pending.push(new Pair(sub.get(i), sup.get(i)));
      } else if (!acceptsNull(sup.get(i))) {
        return false;
      }
    }
    return true;
  }
}
