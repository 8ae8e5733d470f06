package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.http.ReplicaHealthStatus;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What /ready and /api/v2/status say while a node starts, generates its subnet's keys, and runs. */
class NodeHealthTest {
  @Test
  void whileTheSubnetGeneratesItsKeysTheNodeIsStartingAndSaysSo() {
    NodeHealth health = new NodeHealth();
    AtomicBoolean keysExist = new AtomicBoolean(false);
    health.reportKeysWith(keysExist::get);
    health.markMemberUp();
    health.markHttpBound();

    assertThat(health.status()).isEqualTo(ReplicaHealthStatus.STARTING);
    assertThat(health.isReady()).isFalse();
    assertThat(health.notReadyReason()).hasValueSatisfying(reason ->
        assertThat(reason).contains("generating its threshold keys"));

    keysExist.set(true); // the keys exist; the first height is not certified yet
    assertThat(health.notReadyReason()).hasValueSatisfying(reason -> assertThat(reason).contains("recovering"));

    health.markStateLive();
    assertThat(health.status()).isEqualTo(ReplicaHealthStatus.HEALTHY);
    assertThat(health.notReadyReason()).isEmpty();
  }

  @Test
  void aReplicaThatReachesItsSubnetWithoutTheClusterIsReadyOnceItCertifiesNotOnceItIsAMember() {
    NodeHealth health = new NodeHealth();
    health.markHttpBound();
    assertThat(health.notReadyReason()).hasValueSatisfying(reason ->
        assertThat(reason).contains("cluster member is not up"));

    health.clusterMembershipNotRequired();
    assertThat(health.notReadyReason()).hasValueSatisfying(reason ->
        assertThat(reason).contains("recovering"));
    health.markStateLive();
    assertThat(health.isReady()).isTrue();
  }
}
