package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.candid.CandidArgs;
import dev.canopy.candid.CandidValue;
import dev.canopy.execution.StateCodec;
import dev.canopy.execution.management.ManagementTypes.CanisterSettings;
import dev.canopy.execution.management.ManagementTypes.CreateCanisterResult;
import dev.canopy.execution.management.ManagementTypes.InstallCodeArgs;
import dev.canopy.execution.management.ManagementTypes.InstallMode;
import dev.canopy.execution.management.ManagementTypes.ProvisionalCreateCanisterArgs;
import dev.canopy.http.PublishedState;
import dev.canopy.types.CanisterId;
import dev.canopy.types.Principal;
import dev.canopy.types.hashtree.Certificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node stopped and started again on the same data directory resumes with its canisters, their
 * state and the certified request history; the recovered state (latest checkpoint plus the
 * replayed batches) has the same state hash as the state the node had when it stopped.
 */
class ReplicaRestartTest {
  @TempDir Path dataDir;

  private Node start() {
    return Node.start(TestNodeConfigs.ephemeral(dataDir, Map.of(
        "canopy.replica.round-interval-ms", 30,
        "canopy.replica.consensus-tick-ms", 5,
        // small, so recovery loads a checkpoint and replays the batches after it
        "canopy.replica.checkpoint-every-heights", 16)));
  }

  @Test
  void aRestartResumesWithEveryCanisterItsStateAndTheCertifiedHistory() {
    byte[] noArgs = CandidArgs.EMPTY.encode();
    Principal counter;
    IcTestClient.CertifiedStatus lastInc;
    PublishedState before;
    Node first = start();
    try {
      IcTestClient client = new IcTestClient(first.httpUri(), 11);
      byte[] created = client.callSync("v4", CanisterId.fromIndex(0).principal(),
          Principal.MANAGEMENT_CANISTER, "provisional_create_canister_with_cycles",
          new ProvisionalCreateCanisterArgs(null, CanisterSettings.NONE, null, null).encode())
          .reply();
      counter = CreateCanisterResult.decode(created).canisterId().principal();
      client.callSync("v4", counter, Principal.MANAGEMENT_CANISTER, "install_code",
          new InstallCodeArgs(new InstallMode.Install(), new CanisterId(counter),
              ReplicaNodeTest.motoko("counter"), noArgs, null).encode()).reply();
      client.callSync("v4", counter, counter, "inc", noArgs).reply();
      client.callSync("v4", counter, counter, "inc", noArgs).reply();
      lastInc = client.callSync("v4", counter, counter, "inc", noArgs);
      lastInc.reply();
      // Past the first checkpoint (16), so recovery loads it and replays what follows. A busy
      // node of one may get there in fewer heights than calls; the idle rounds go on at 30 ms.
      CatchUpSubnetTest.awaitCertifiedHeight(first, 17, 10_000);
    } finally {
      first.close();
      before = first.latestState().orElseThrow();
    }
    assertThat(before.height()).isGreaterThan(16);

    Node second = start();
    try {
      PublishedState recovered = second.recoveredState().orElseThrow();
      assertThat(recovered.height()).isEqualTo(before.height());
      assertThat(StateCodec.stateHash(recovered.state()))
          .isEqualTo(StateCodec.stateHash(before.state()));
      assertThat(recovered.certified().tree().rootHash())
          .isEqualTo(before.certified().tree().rootHash());

      IcTestClient client = new IcTestClient(second.httpUri(), 11);
      assertThat(CandidArgs.decode(client.query("v3", counter, counter, "get", noArgs,
          second.subnetId().principal()).reply()).get(0)).isEqualTo(CandidValue.nat(3));
      Certificate history = client.readState("v3", "canister", counter, List.of(List.of(
          "request_status".getBytes(StandardCharsets.UTF_8), lastInc.requestId().toBytes())));
      assertThat(new IcTestClient.CertifiedStatus(lastInc.requestId(), history).status())
          .isEqualTo("replied");
      // and the node goes on executing updates
      client.callSync("v4", counter, counter, "inc", noArgs).reply();
      assertThat(CandidArgs.decode(client.query("v3", counter, counter, "get", noArgs,
          second.subnetId().principal()).reply()).get(0)).isEqualTo(CandidValue.nat(4));
    } finally {
      second.close();
    }
  }
}
