package dev.canopy.http;

/**
 * What the HTTP interface reports about the requests it answers, for the node's metrics. The
 * routes call it once per call or query, after the response is known; implementations must be
 * thread-safe and must not block.
 */
public interface RequestMetrics {
  /** A call (update) the node took: answered 202, or 200 with its certified outcome. */
  void callAccepted(double seconds);

  /**
   * A call the node refused: {@code httpStatus} is the status answered (200 for a non-replicated
   * rejection in the body), {@code reasonClass} one of {@link #REASON_CLASSES}.
   */
  void callRejected(int httpStatus, String reasonClass, double seconds);

  /** A query answered with {@code httpStatus} (200 also for a rejected query). */
  void queryAnswered(int httpStatus, double seconds);

  /** Why a call was refused, in few classes (bounded label values). */
  String NON_REPLICATED_REJECTION = "non_replicated_rejection";
  String INVALID_REQUEST = "invalid_request";
  String UNAVAILABLE = "unavailable";
  String NODE_ERROR = "node_error";
  java.util.List<String> REASON_CLASSES = java.util.List.of(
      NON_REPLICATED_REJECTION, INVALID_REQUEST, UNAVAILABLE, NODE_ERROR);

  /** The class of a refusal answered with an HTTP error status. */
  static String reasonClassOf(int httpStatus) {
    // Note: 503 is both "the pool is full" and "not ready yet": either way, retry later.
    if (httpStatus == 503) {
      return UNAVAILABLE;
    }
    return httpStatus >= 500 ? NODE_ERROR : INVALID_REQUEST;
  }

  /** Records nothing. */
  RequestMetrics NONE = new RequestMetrics() {
    @Override
    public void callAccepted(double seconds) {}

    @Override
    public void callRejected(int httpStatus, String reasonClass, double seconds) {}

    @Override
    public void queryAnswered(int httpStatus, double seconds) {}
  };
}
