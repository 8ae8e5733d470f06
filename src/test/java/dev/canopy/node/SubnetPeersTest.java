package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.Principal;
import dev.canopy.types.SubnetId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Replicas find each other at their configured addresses through Artery alone: no cluster, so
 * nothing here depends on membership (the situation of a replica the cluster does not admit).
 */
class SubnetPeersTest {
  static final long PROBE_INTERVAL_MS = 100;
  static final long EXPIRE_AFTER_MS = 800;
  static final Duration WITHIN = Duration.ofSeconds(10);
  static final SubnetId SUBNET = subnet(1);
  static final SubnetId OTHER_SUBNET = subnet(2);

  final List<ActorTestKit> systems = new ArrayList<>();

  @AfterEach
  void tearDown() {
    systems.forEach(ActorTestKit::shutdownTestKit);
  }

  @Test
  void theOtherMembersAreListedWithoutItselfAndWithoutDuplicates() {
    Address self = AddressFromURIString.parse("pekko://canopy@127.0.0.1:25520");
    assertThat(SubnetPeers.others(List.of("pekko://canopy@127.0.0.1:25520",
        "pekko://canopy@127.0.0.1:25522", "pekko://canopy@127.0.0.1:25521",
        "pekko://canopy@127.0.0.1:25522"), self))
        .extracting(Address::toString)
        .containsExactly("pekko://canopy@127.0.0.1:25522", "pekko://canopy@127.0.0.1:25521");
  }

  @Test
  void membersReachEachOtherAndAMemberThatStopsIsDroppedUntilItsNextIncarnationAnswers() {
    List<Integer> ports = FreePorts.of(2);
    List<String> members = ports.stream().map(SubnetPeersTest::address).toList();
    ActorTestKit first = start(ports.get(0), members);
    ActorTestKit second = start(ports.get(1), members);
    TestProbe<SubnetPeers.Reachable> firstSees = subscribe(first);
    TestProbe<SubnetPeers.Reachable> secondSees = subscribe(second);
    awaitReachable(firstSees, members.get(1));
    awaitReachable(secondSees, members.get(0));

    second.shutdownTestKit();
    awaitReachable(firstSees);

    // The same address, a new incarnation (as a replica restarted with the same command).
    ActorTestKit again = start(ports.get(1), members);
    TestProbe<SubnetPeers.Reachable> againSees = subscribe(again);
    awaitReachable(againSees, members.get(0));
    awaitReachable(firstSees, members.get(1));
  }

  @Test
  void helloFromAnAddressThatIsNotAConfiguredMemberOrFromAnotherSubnetIsIgnored() {
    List<Integer> ports = FreePorts.of(4);
    // The third configured address runs a replica of another subnet (its own list is the same).
    List<String> members = List.of(address(ports.get(0)), address(ports.get(1)),
        address(ports.get(2)));
    ActorTestKit first = start(ports.get(0), members, SUBNET);
    start(ports.get(1), members, SUBNET);
    ActorTestKit otherSubnet = start(ports.get(2), members, OTHER_SUBNET);
    // An outsider that lists the first as its member and says hello to it.
    ActorTestKit outsider = start(ports.get(3), List.of(address(ports.get(3)), members.get(0)),
        SUBNET);
    TestProbe<SubnetPeers.Reachable> firstSees = subscribe(first);
    TestProbe<SubnetPeers.Reachable> otherSubnetSees = subscribe(otherSubnet);
    TestProbe<SubnetPeers.Reachable> outsiderSees = subscribe(outsider);
    awaitReachable(firstSees, members.get(1));

    // Their hellos reach the first (Artery delivers them) but count for nothing: they are never
    // listed, and get no answer, so they never list the first either.
    Duration rounds = Duration.ofMillis(10 * PROBE_INTERVAL_MS);
    firstSees.expectNoMessage(rounds);
    for (TestProbe<SubnetPeers.Reachable> ignored : List.of(otherSubnetSees, outsiderSees)) {
      ignored.expectMessage(new SubnetPeers.Reachable(List.of()));
      ignored.expectNoMessage(rounds);
    }
  }

  ActorTestKit start(int port, List<String> members) {
    return start(port, members, SUBNET);
  }

  ActorTestKit start(int port, List<String> members, SubnetId subnet) {
    ActorTestKit kit = ActorTestKit.create(NodeConfig.ACTOR_SYSTEM_NAME,
        com.typesafe.config.ConfigFactory.parseString(
            "pekko.actor.provider = remote\n"
                + "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"\n"
                + "pekko.remote.artery.canonical.port = " + port + "\n"
                + "pekko.actor.serialization-bindings {\n"
                + "  \"dev.canopy.node.CborSerializable\" = jackson-cbor\n"
                + "}\n"
                + "pekko.loglevel = WARNING\n"));
    systems.add(kit);
    kit.spawn(SubnetPeers.create(new SubnetPeers.Settings(members, PROBE_INTERVAL_MS,
        EXPIRE_AFTER_MS), subnet), SubnetPeers.NAME);
    return kit;
  }

  static TestProbe<SubnetPeers.Reachable> subscribe(ActorTestKit kit) {
    TestProbe<SubnetPeers.Reachable> probe = kit.createTestProbe();
    // The directory is the only child of the test kit's guardian named so.
    org.apache.pekko.actor.typed.ActorRef<SubnetPeers.Command> directory =
        org.apache.pekko.actor.typed.ActorRefResolver.get(kit.system()).resolveActorRef(
            kit.system().address() + "/user/" + SubnetPeers.NAME);
    directory.tell(new SubnetPeers.Subscribe(probe.getRef()));
    return probe;
  }

  /** Waits (bounded) until {@code probe} hears that exactly {@code members} are reachable. */
  static void awaitReachable(TestProbe<SubnetPeers.Reachable> probe, String... members) {
    List<Address> expected = java.util.Arrays.stream(members)
        .map(AddressFromURIString::parse).toList();
    probe.fishForMessage(WITHIN, r -> r.members().equals(expected)
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  static SubnetId subnet(int seed) {
    return new SubnetId(Principal.selfAuthenticating(new byte[] {(byte) seed}));
  }

  static String address(int port) {
    return "pekko://" + NodeConfig.ACTOR_SYSTEM_NAME + "@127.0.0.1:" + port;
  }
}
