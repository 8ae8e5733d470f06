package dev.canopy.wasm;

/** The three kinds of public method a canister may export (spec "Public methods"). */
public enum MethodKind {
  UPDATE("canister_update "),
  QUERY("canister_query "),
  COMPOSITE_QUERY("canister_composite_query ");

  private final String exportPrefix;

  MethodKind(String exportPrefix) {
    this.exportPrefix = exportPrefix;
  }

  /** The export name of a method of this kind, with exactly one space. */
  public String exportName(String method) {
    return exportPrefix + method;
  }

  String exportPrefix() {
    return exportPrefix;
  }
}
