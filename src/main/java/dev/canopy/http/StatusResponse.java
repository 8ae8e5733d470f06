package dev.canopy.http;

import dev.canopy.types.cbor.CborEncoder;
import dev.canopy.types.cbor.CborMap;
import dev.canopy.types.cbor.CborValue;

/**
 * The body of {@code GET /api/v2/status}: a CBOR map under the self-describe tag 55799 (interface
 * spec, "Status endpoint"; digest §12 item 1).
 */
public final class StatusResponse {
  /** The interface version this replica speaks, as agents read it. */
  public static final String IC_API_VERSION = "2";

  private StatusResponse() {}

  public static byte[] encode(ReplicaStatus status) {
    CborMap.Builder map = CborMap.builder().put("ic_api_version", IC_API_VERSION);
    // No root key while the subnet's replicas are generating it (the status then says "starting").
    status.rootKeyDer().ifPresent(key -> map.put("root_key", key));
    map.put("impl_version", status.implVersion())
        .put("replica_health_status", status.healthStatus().wireName());
    status
        .certifiedHeight()
        .ifPresent(h -> map.put("certified_height", CborValue.UnsignedInt.of(h)));
    return CborEncoder.encodeWithSelfDescribeTag(map.build());
  }
}
