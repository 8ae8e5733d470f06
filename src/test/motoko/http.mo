// An `http_request` query as the HTTP gateway calls it (HTTP gateway interface, http_request).
import Nat "mo:core/Nat";
import Text "mo:core/Text";

persistent actor Http {
  type HeaderField = (Text, Text);

  type HttpRequest = {
    method : Text;
    url : Text;
    headers : [HeaderField];
    body : Blob;
    certificate_version : ?Nat16;
  };

  // Note: streaming_strategy is left out; the gateway reads a missing `opt` field as null.
  type HttpResponse = {
    status_code : Nat16;
    headers : [HeaderField];
    body : Blob;
    upgrade : ?Bool;
  };

  /// Answers every path with 200 and "<method> <url>", except `/missing...` with 404, so a test
  /// can see that the request reached the canister intact.
  public query func http_request(request : HttpRequest) : async HttpResponse {
    let missing = Text.startsWith(request.url, #text "/missing");
    {
      status_code = if missing 404 else 200;
      headers = [
        ("content-type", "text/plain; charset=utf-8"),
        ("x-request-header-count", Nat.toText(request.headers.size())),
      ];
      body = Text.encodeUtf8(request.method # " " # request.url);
      upgrade = null;
    };
  };
};
