package dev.canopy.ingress;

/** The three kinds of request (spec "HTTPS Interface"), named as {@code request_type} names them. */
public enum RequestType {
  CALL("call"),
  QUERY("query"),
  READ_STATE("read_state");

  private final String wireName;

  RequestType(String wireName) {
    this.wireName = wireName;
  }

  /** The value of the {@code request_type} field. */
  public String wireName() {
    return wireName;
  }
}
