package dev.canopy.wasm;

/** A canister's running status, as {@code ic0.canister_status} numbers it. */
public enum CanisterStatus {
  RUNNING(1),
  STOPPING(2),
  STOPPED(3);

  private final int code;

  CanisterStatus(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }
}
