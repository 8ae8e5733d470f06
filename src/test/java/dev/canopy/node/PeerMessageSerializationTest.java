package dev.canopy.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What replicas send each other crosses processes as Jackson-CBOR ({@link CborSerializable}): the
 * calls a replica gossips together arrive whole and in order.
 */
class PeerMessageSerializationTest {
  private static ActorTestKit kit;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create(com.typesafe.config.ConfigFactory.parseString(
        "pekko.actor.serialization-bindings {\n"
            + "  \"dev.canopy.node.CborSerializable\" = jackson-cbor\n"
            + "}\n"
            + "pekko.loglevel = WARNING\n"));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void gossipedCallsArriveWholeAndInOrder() {
    ConsensusActor.GossipedCalls sent = new ConsensusActor.GossipedCalls(List.of(
        new ConsensusActor.GossipedIngress(filled(32, 1), filled(300, 2)),
        new ConsensusActor.GossipedIngress(filled(32, 3), filled(5, 4))));

    ConsensusActor.GossipedCalls received = (ConsensusActor.GossipedCalls) roundTrip(sent);

    assertThat(received.calls()).hasSize(2);
    for (int i = 0; i < 2; i++) {
      assertThat(received.calls().get(i).messageId()).isEqualTo(sent.calls().get(i).messageId());
      assertThat(received.calls().get(i).content()).isEqualTo(sent.calls().get(i).content());
    }
  }

  private static Object roundTrip(Object message) {
    Serialization serialization = SerializationExtension.get(kit.system());
    var serializer = serialization.findSerializerFor(message);
    assertThat(serializer.getClass().getSimpleName()).contains("Jackson");
    byte[] bytes = serialization.serialize(message).get();
    return serialization.deserialize(bytes, serializer.identifier(),
        org.apache.pekko.serialization.Serializers.manifestFor(serializer, message)).get();
  }

  private static byte[] filled(int length, int value) {
    byte[] bytes = new byte[length];
    java.util.Arrays.fill(bytes, (byte) value);
    return bytes;
  }
}
