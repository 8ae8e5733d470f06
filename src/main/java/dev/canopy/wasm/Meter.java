package dev.canopy.wasm;

import com.dylibso.chicory.runtime.GlobalInstance;
import dev.canopy.types.ErrorCode;

/**
 * The instruction counter of one execution. With an instrumented module it is the module's
 * {@code __canopy_instructions_left} global, which the code decrements per basic block; the host
 * charges System API calls by decrementing it too. Without instrumentation only host charges
 * count.
 */
final class Meter {
  private final long budget;
  private GlobalInstance counter;
  private long hostLeft;

  Meter(long budget) {
    this.budget = budget;
    this.hostLeft = budget;
  }

  /** Binds the counter global of a new instance, carrying over what is left. */
  void bind(GlobalInstance global) {
    long left = left();
    this.counter = global;
    if (global != null) {
      global.setValue(left);
    } else {
      hostLeft = left;
    }
  }

  /** Unbinds at the end of an instance's run, keeping what is left. */
  void unbind() {
    if (counter != null) {
      hostLeft = counter.getValue();
      counter = null;
    }
  }

  long left() {
    return counter != null ? counter.getValue() : hostLeft;
  }

  boolean exhausted() {
    return left() < 0;
  }

  /** Instructions used so far; never more than the budget. */
  long used() {
    return budget - Math.max(left(), 0);
  }

  long budget() {
    return budget;
  }

  void charge(long instructions) {
    long left = left() - instructions;
    if (counter != null) {
      counter.setValue(left);
    } else {
      hostLeft = left;
    }
    if (left < 0) {
      throw limitExceeded();
    }
  }

  CanisterTrap limitExceeded() {
    return new CanisterTrap(
        ErrorCode.CANISTER_INSTRUCTION_LIMIT_EXCEEDED,
        "Canister exceeded the limit of " + budget + " instructions for single message execution.");
  }
}
