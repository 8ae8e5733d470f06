package dev.canopy.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The node's public HTTP interface (interface spec, "HTTPS Interface"). It decodes and answers; it
 * never executes. Endpoints so far: {@code GET /api/v2/status}. Anything else is a 404 with a
 * plain-text message.
 */
public final class HttpRoutes extends AllDirectives {
  private final ReplicaStatus status;

  public HttpRoutes(ReplicaStatus status) {
    this.status = status;
  }

  public Route route() {
    return concat(
        path(
            segment("api").slash("v2").slash("status"),
            () ->
                concat(
                    get(() -> complete(statusResponse())),
                    complete(methodNotAllowed("GET")))),
        extractUri(uri -> complete(notFound(uri.path()))));
  }

  private HttpResponse statusResponse() {
    return HttpResponse.create()
        .withStatus(StatusCodes.OK)
        .withEntity(
            HttpEntities.create(
                MediaTypes.APPLICATION_CBOR.toContentType(), StatusResponse.encode(status)));
  }

  private static HttpResponse methodNotAllowed(String allowed) {
    return HttpResponse.create()
        .withStatus(StatusCodes.METHOD_NOT_ALLOWED)
        .addHeader(Allow.create(HttpMethods.GET))
        .withEntity(
            HttpEntities.create(
                ContentTypes.TEXT_PLAIN_UTF8, "method not allowed: use " + allowed + "\n"));
  }

  private static HttpResponse notFound(String path) {
    return HttpResponse.create()
        .withStatus(StatusCodes.NOT_FOUND)
        .withEntity(
            HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, "no such endpoint: " + path + "\n"));
  }
}
