package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.types.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that is a subnet of one closes a round as soon as calls wait for it, instead of at the
 * paced round interval, which only paces an idle node (ConsensusActor, "busy" rounds).
 */
class BusyRoundsNodeTest {
  private static final long ROUND_INTERVAL_MS = 3_000;

  @TempDir Path dataDir;

  private static byte[] motoko(String name) {
    try (InputStream in = BusyRoundsNodeTest.class.getResourceAsStream("/motoko/" + name + ".wasm")) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void synchronousCallsAreAnsweredWithinOneIdleRoundIntervalAndTheIdlePaceStays()
      throws InterruptedException {
    try (Node node = Node.start(TestNodeConfigs.ephemeral(dataDir, Map.of(
        "canopy.replica.round-interval-ms", ROUND_INTERVAL_MS)))) {
      IcTestClient client = new IcTestClient(node.httpUri(), 11);
      Principal counter = client.createAndInstall(motoko("counter"));
      byte[] noArgs = CandidArgs.EMPTY.encode();

      // Paced, each call would wait for its round to start and then for the notary delay: at
      // least one interval each. Busy, all three together take less than one.
      long startNs = System.nanoTime();
      for (int i = 0; i < 3; i++) {
        assertThat(client.callSync("v4", counter, counter, "inc", noArgs).status())
            .isEqualTo("replied");
      }
      long elapsedMs = (System.nanoTime() - startNs) / 1_000_000;
      assertThat(elapsedMs).isLessThan(ROUND_INTERVAL_MS);

      byte[] reply = client.callSync("v4", counter, counter, "get", noArgs).reply();
      assertThat(((CandidValue.Nat) CandidArgs.decode(reply).get(0)).value().longValueExact())
          .isEqualTo(3);

      // Idle again: heights come at the paced interval, not at every tick.
      long height = node.health().certifiedHeight().orElseThrow();
      Thread.sleep(1_000); // a window to count heights in, not a synchronisation
      assertThat(node.health().certifiedHeight().orElseThrow()).isLessThanOrEqualTo(height + 1);
    }
  }
}
