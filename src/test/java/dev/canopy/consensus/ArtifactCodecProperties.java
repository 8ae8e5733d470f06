package dev.canopy.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.canopy.types.InvalidInputException;
import dev.canopy.types.Mutation;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Corrupted artifact bytes decode to something well-formed or fail with a typed error, never anything else. */
class ArtifactCodecProperties {
  private static final List<Artifact> SAMPLES = SampleArtifacts.all(TestSubnet.create(4, 7));

  @Provide
  Arbitrary<Artifact> samples() {
    return Arbitraries.of(SAMPLES);
  }

  @Property(tries = 2000, seed = "20261121")
  void corruptedBytesFailWithATypedError(@ForAll("samples") Artifact artifact, @ForAll("mutations") List<Mutation> mutations) {
    byte[] corrupted = Mutation.applyAll(artifact.toBytes(), mutations);
    try {
      Artifact decoded = ArtifactCodec.decode(corrupted);
      assertThat(ArtifactCodec.decode(decoded.toBytes())).isEqualTo(decoded);
    } catch (InvalidInputException expected) {
      // the typed error is the contract
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Mutation.some();
  }
}
