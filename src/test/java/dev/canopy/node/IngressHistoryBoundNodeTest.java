package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose request status history is at its bound refuses a new call at once with 503 ("try
 * again later") instead of accepting a call that execution could not record (its sender would
 * see no status until the call expired).
 */
class IngressHistoryBoundNodeTest {
  private static final int MAX_CALLS = 3;

  @TempDir Path dir;

  @Test
  void aFullHistoryRefusesNewCallsWith503AndAnswersTheKnownOnesAsBefore() throws Exception {
    Map<String, Object> settings = Map.of(
        "canopy.replica.round-interval-ms", 30, "canopy.replica.consensus-tick-ms", 5,
        "canopy.replica.ingress-history.max-entry-count", MAX_CALLS);
    try (Node node = Node.start(TestNodeConfigs.ephemeral(dir, settings), new SplittableRandom(17))) {
      IcTestClient client = new IcTestClient(node.httpUri(), 17);
      Principal anyInRange = CanisterId.fromIndex(0).principal();
      byte[] create = new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode();
      String path = "/api/v4/canister/" + anyInRange + "/call";
      IcTestClient.Signed first = null;
      for (int i = 0; i < MAX_CALLS; i++) {
        IcTestClient.Signed call = client.callRequest(Principal.MANAGEMENT_CANISTER,
            "provisional_create_canister_with_cycles", create);
        first = first == null ? call : first;
        assertThat(client.post(path, call.body()).status()).isEqualTo(200);
      }

      IcTestClient.Response refused = client.post(path, client.callRequest(
          Principal.MANAGEMENT_CANISTER, "provisional_create_canister_with_cycles", create).body());

      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.text()).contains("try again later").contains("request status history");
      // A call the history holds is answered as before: resubmitting it is harmless.
      assertThat(client.post(path, first.body()).status()).isEqualTo(200);
    }
  }
}
